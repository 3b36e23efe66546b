"""Translation catalogs: extract the strings of each area, update its Chinese catalog, compile.

Each area (a blueprint package such as `floor`, plus its `templates/floor/` folder) owns a catalog
under factory/translations/<area>/, so areas grow their strings without touching each other's
files; `core` holds everything else. Flask-Babel merges them all at run time.

    python -m factory.catalogs            # all areas
    python -m factory.catalogs floor      # one area
    python -m factory.catalogs --check    # exit 1 if a string lacks a translation or a .mo is stale
    python -m factory.catalogs --fill floor zh.json   # set translations from {"English": "中文"}
"""
from __future__ import annotations

import fcntl
import io
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "factory" / "translations"
LOCALE = "zh"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def areas() -> list[str]:
    found = {p.name for p in (ROOT / "factory").iterdir()
             if p.is_dir() and (p / "__init__.py").exists() and (ROOT / "templates" / p.name).is_dir()}
    return ["core"] + sorted(found)


def sources(area: str) -> list[Path]:
    """Python files and templates belonging to an area."""
    others = set(areas()) - {"core"}
    if area == "core":
        py = [p for p in (ROOT / "factory").rglob("*.py")
              if p.relative_to(ROOT / "factory").parts[0] not in others]
        html = [p for p in (ROOT / "templates").rglob("*.html")
                if len(p.relative_to(ROOT / "templates").parts) == 1
                or p.relative_to(ROOT / "templates").parts[0] not in others]
    else:
        py = list((ROOT / "factory" / area).rglob("*.py"))
        html = list((ROOT / "templates" / area).rglob("*.html"))
    return sorted(py) + sorted(html)


def extract(area: str) -> Catalog:
    template = Catalog(locale=None, project="factory", charset="utf-8")
    for path in sources(area):
        method = "python" if path.suffix == ".py" else "jinja2"
        options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"} if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                    options=options):
            template.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments,
                         context=context)
    return template


def po_path(area: str) -> Path:
    return TRANSLATIONS / area / LOCALE / "LC_MESSAGES" / "messages.po"


def load(area: str) -> Catalog:
    path = po_path(area)
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=LOCALE)
    return Catalog(locale=LOCALE, project="factory", charset="utf-8")


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


@contextmanager
def locked(area: str):
    """One writer per catalog at a time (several people may run `make catalogs` at once)."""
    path = po_path(area).parent
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def update(area: str) -> list[str]:
    """Bring the area's catalog up to date and compile it; return the msgids still untranslated."""
    with locked(area):
        return _update(area)


def _update(area: str) -> list[str]:
    catalog = load(area)
    catalog.update(extract(area), no_fuzzy_matching=True)
    # Obsolete strings are dropped: the catalog mirrors the code.
    catalog.obsolete.clear()
    path = po_path(area)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    path.with_suffix(".mo").write_bytes(mo_bytes(catalog))
    return missing(catalog)


def missing(catalog: Catalog) -> list[str]:
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(strings) or message.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def check(area: str) -> list[str]:
    """Problems with an area's catalog, without writing anything."""
    problems = []
    catalog = load(area)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    for message in extract(area):
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key and key not in known:
            problems.append(f"{area}: not in catalog: {key!r}")
    problems += [f"{area}: untranslated: {m!r}" for m in missing(catalog)]
    mo = po_path(area).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
        problems.append(f"{area}: {mo.relative_to(ROOT)} is stale; run `make catalogs`")
    return problems


def fill(area: str, translations: dict[str, str]) -> int:
    """Set the Chinese text of existing msgids; returns how many were set."""
    with locked(area):
        return _fill(area, translations)


def _fill(area: str, translations: dict[str, str]) -> int:
    catalog = load(area)
    count = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(value, list) else (
                (value, value) if isinstance(message.id, tuple) else value)
            message.flags.discard("fuzzy")
            count += 1
    with po_path(area).open("wb") as f:
        write_po(f, catalog, width=100, sort_output=True)
    po_path(area).with_suffix(".mo").write_bytes(mo_bytes(catalog))
    return count


def main(argv: list[str]) -> int:
    if argv[:1] == ["--fill"]:
        import json
        area, source = argv[1], argv[2]
        print(f"{fill(area, json.loads(Path(source).read_text(encoding='utf-8')))} translations set in {area}")
        return 0
    if "--check" in argv:
        problems = [p for area in areas() for p in check(area)]
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    chosen = [a for a in argv if not a.startswith("-")] or areas()
    status = 0
    for area in chosen:
        untranslated = update(area)
        for msgid in untranslated:
            print(f"{area}: needs a translation: {msgid!r}")
        status = status or (1 if untranslated else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
