"""Make the Chinese font the PDFs embed: a subset of WenQuanYi Micro Hei (文泉驿微米黑; Apache License
2.0, the first of its two licences), with TrueType outlines, which reportlab can embed (it cannot
embed the CFF outlines of Noto CJK). It has Latin letters too (from Droid Sans), so one font prints
every text of the paper.

The subset holds what the product can print: ASCII and Latin-1, common punctuation, CJK and
full-width punctuation, every character of GB 2312 (its 6,763 hanzi cover everyday Chinese text:
names, colours, yarns, addresses), and every character of the Chinese catalogs and the demo
workshop. A character outside it still prints, in STSong-Light (named, not embedded).
The subset also drops hinting and the layout tables reportlab does not read.

Run it again after adding words that use a rare character; it needs fontTools (build time only)
and Debian's fonts-wqy-microhei:

    apt-get install fonts-wqy-microhei
    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python tools/cjk_font.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TARGET = ROOT / "factory" / "printing" / "fonts" / "WenQuanYiMicroHei-subset.ttf"
NAME = "WenQuanYiMicroHeiSubset"

RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2027), (0x2030, 0x203A), (0x2190, 0x2193), (0x2460, 0x2473),
          (0x25A0, 0x25CF), (0x3000, 0x303F), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6)]
EXTRA = "×÷°±·•…€¥№℃㎜㎝㎏"


def gb2312() -> set[str]:
    """Every character of GB 2312 (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return found


def product_text() -> set[str]:
    """Characters of the Chinese catalogs and the demo workshop."""
    found: set[str] = set()
    for po in (ROOT / "factory" / "translations").glob("*/zh/LC_MESSAGES/messages.po"):
        for match in re.finditer(r'^msgstr "(.*)"$', po.read_text(encoding="utf-8"), re.M):
            found.update(match.group(1))
    found.update((ROOT / "factory" / "data" / "demo.py").read_text(encoding="utf-8"))
    return {ch for ch in found if ord(ch) >= 0x20}


def characters() -> set[str]:
    chars = set(EXTRA) | gb2312() | product_text()
    for first, last in RANGES:
        chars.update(chr(c) for c in range(first, last + 1))
    return chars


def main() -> None:
    font = TTFont(SOURCE, fontNumber=0)  # the proportional face (1 is the monospaced one)
    cmap = font.getBestCmap()
    wanted = characters()
    missing = sorted(ch for ch in wanted if ord(ch) not in cmap and ch.isprintable() and not ch.isspace())
    options = subset.Options()
    options.layout_features = []  # reportlab reads none of GSUB/GPOS: drop them
    options.hinting = False  # printers need no hints; a third smaller
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and the licence
    options.notdef_outline = True
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "vhea", "vmtx", "gasp"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in wanted if ord(ch) in cmap])
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4):
            record.string = "WenQuanYi Micro Hei Subset"
        elif record.nameID == 6:
            record.string = NAME
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"{TARGET.relative_to(ROOT)}: {len(font.getBestCmap())} characters, {TARGET.stat().st_size / 1024:,.0f} KiB; "
          f"not in the source font: {''.join(missing) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main()
