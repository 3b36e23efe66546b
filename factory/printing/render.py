"""Drawing the paper: bundle labels, work-order tickets and worker badges as PDF (reportlab), and one
label as a PNG (Pillow) for label printers that take images.

Text is drawn with `drawString`, never with reportlab's Paragraph markup, so a name containing
`<b>` or `<script>` prints as those characters. Chinese (and the Latin beside it) is drawn in
WenQuanYi Micro Hei, a subset of which ships in `factory/printing/fonts/` (Apache License 2.0;
made by tools/cjk_font.py) and is embedded in every PDF, only the glyphs each PDF uses: the paper
prints the same on any PC, viewer or printer. A rare character outside the subset falls back to
the standard Adobe CID font STSong-Light, which the PDF names and the viewer supplies.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from factory.domain.labels import BADGES, LABEL_PAD, MM, PRINTER_MARGIN, Box, Sheet, layout, safe_box
from factory.domain.qr import QUIET, Matrix, draw_qr, qr_image, qr_matrix

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "WenQuanYiMicroHei-subset.ttf"
CJK = "WenQuanYiMicroHei"  # embedded (a subset of the subset: the glyphs each PDF uses)
FALLBACK = "STSong-Light"  # named, not embedded: only for characters the embedded font lacks
LATIN = "Helvetica-Bold"
LEADING = 1.18
MIN_SIZE = 4.0
ELLIPSIS = "…"
# Bundle labels are small and get rubbed: Q corrects a quarter of the modules and, for ticket
# links, gives the same code size as M (measured: version 4 either way).
LABEL_LEVEL = "Q"

pdfmetrics.registerFont(TTFont(CJK, str(FONT_FILE)))
pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
COVERED = frozenset(pdfmetrics.getFont(CJK).face.charToGlyph)  # code points the embedded font has
# Binary (Flate only) streams: ASCII85 on top made PDFs 25 % larger and, in pure Python, slow.
rl_config.useA85 = 0


# --- text that always fits ----------------------------------------------------------------------

Measure = Callable[[str, str], float]  # width of `text` in `font` at size 1


# Characters STSong-Light's Unicode map lacks, drawn as a look-alike it has (else a box prints).
PDF_SAFE = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb"})


def _shown(char: str, font: str) -> tuple[str, str]:
    """(font, character) that prints `char` of a text set in `font`: the embedded font if it has the
    character, else STSong-Light (with a look-alike where its map lacks one); a character beyond
    the Basic Multilingual Plane, which STSong-Light cannot encode, prints as a box."""
    if font != CJK or ord(char) in COVERED or char == "\n":
        return font, char
    if ord(char) > 0xFFFF:
        return CJK, "\u25a1"
    return FALLBACK, char.translate(PDF_SAFE)


@lru_cache(maxsize=4096)
def _pdf_char_width(char: str, font: str) -> float:
    drawn, shown = _shown(char, font)
    return pdfmetrics.stringWidth(shown, drawn, 1)


def font_runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` cut into (font, run) pieces: the embedded font where it has the characters, the fallback elsewhere."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        drawn, shown = _shown(ch, font)
        if runs and runs[-1][0] == drawn:
            runs[-1] = (drawn, runs[-1][1] + shown)
        else:
            runs.append((drawn, shown))
    return runs


def pdf_measure(text: str, font: str) -> float:
    return sum(_pdf_char_width(ch, font) for ch in text)


def wrap(text: str, font: str, size: float, width: float, measure: Measure) -> list[str]:
    """Greedy wrapping: Chinese breaks between any two characters, Latin text at a space if it can."""
    rows: list[str] = []
    current = ""
    for ch in text:
        if ch == "\n":
            rows.append(current)
            current = ""
            continue
        if current and measure(current + ch, font) * size > width:
            cut = current.rfind(" ")
            if cut > 0 and ch != " " and ch.isascii():
                rows.append(current[:cut])
                current = current[cut + 1:]
            else:
                rows.append(current)
                current = ""
            if ch == " ":
                continue
        current += ch
    rows.append(current)
    return [row.strip() for row in rows]


def fit_text(text: str, font: str, width: float, size: float, max_lines: int, measure: Measure,
             min_size: float = MIN_SIZE) -> tuple[float, list[str]]:
    """The largest size not above `size` at which `text` wraps into `max_lines` rows of `width`;
    at the smallest size the last row is cut with an ellipsis. Every row fits `width`."""
    text = " ".join(text.split()) if "\n" not in text else text
    while True:
        if measure(text, font) * size <= width and "\n" not in text:
            return size, [text]
        rows = wrap(text, font, size, width, measure)
        # A row can still be too wide when one character is wider than the label at this size.
        if len(rows) <= max_lines and all(measure(row, font) * size <= width for row in rows):
            return size, rows
        if size <= min_size:
            break
        size = max(min_size, size * 0.9)
    rows = rows[:max_lines]
    last = rows[-1]
    while last and measure(last + ELLIPSIS, font) * size > width:
        last = last[:-1]
    rows[-1] = last + ELLIPSIS
    return size, rows


@dataclass
class TextLine:
    """One item of a text block: the wish; `fit_block` decides the size and the rows."""
    text: str
    font: str = CJK
    size: float = 10.0
    bold: bool = False
    max_lines: int = 1
    min_share: float = 0.0  # never smaller than this share of `size`: cut with an ellipsis instead


@dataclass
class Placed:
    line: TextLine
    size: float
    rows: list[str]


def fit_block(lines: Sequence[TextLine], width: float, height: float, measure: Measure) -> list[Placed]:
    """Size a stack of lines so that all of it fits `width` x `height`, shrinking evenly; lines that
    still do not fit at the smallest size are left off the bottom, never drawn outside."""
    lines = [line for line in lines if line.text]
    scale = 1.0
    for _attempt in range(12):
        placed = [Placed(line, *fit_text(line.text, line.font, width, line.size * scale, line.max_lines, measure,
                                         max(MIN_SIZE, line.size * scale * line.min_share)))
                  for line in lines]
        total = block_height(placed)
        if total <= height:
            return placed
        scale *= max(0.5, min(0.97, height / total))
    while placed and block_height(placed) > height:
        placed.pop()
    return placed


def block_height(placed: Iterable[Placed]) -> float:
    return sum(len(p.rows) * p.size * LEADING for p in placed)


def draw_block(c: Canvas, placed: Sequence[Placed], x: float, top: float, width: float | None = None,
               center: bool = False) -> float:
    """Draw fitted lines downwards from `top`; returns the y below the last row."""
    y = top
    for p in placed:
        for row in p.rows:
            y -= p.size * LEADING
            baseline = y + p.size * (LEADING - 1) / 2 + p.size * 0.12
            text_x = x
            if center and width is not None:
                text_x = x + (width - pdf_measure(row, p.line.font) * p.size) / 2
            draw_text(c, text_x, baseline, row, p.line.font, p.size, p.line.bold)
    return y


def draw_text(c: Canvas, x: float, y: float, text: str, font: str, size: float, bold: bool = False) -> None:
    """drawString, with a thin outline for bold Chinese (the Chinese font has no bold face)."""
    fake_bold = bold and font == CJK
    if fake_bold:
        # The render mode is graphics state that reportlab does not reset: keep it inside q/Q.
        c.saveState()
        c.setLineWidth(size * 0.045)
    t = c.beginText(x, y)
    if fake_bold:
        t.setTextRenderMode(2)
    for drawn, run in font_runs(text, font):
        t.setFont(drawn, size)
        t.textOut(run)
    c.drawText(t)
    if fake_bold:
        c.restoreState()


# --- bundle labels ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BundleLabel:
    """What one bundle label says; built from a ticket by the views."""
    url: str
    order_number: str
    bundle_no: int
    bundle_count: int
    quantity: int
    color: str = ""
    size: str = ""
    product: str = ""
    due: str = ""
    reissue_no: int | None = None  # the replacement ticket's own bundle number


@dataclass(frozen=True)
class LabelGeometry:
    qr_x: float
    qr_y: float
    qr_size: float
    text: Box


def label_geometry(box: Box, safe: Box | None = None) -> LabelGeometry:
    """Where the QR square (quiet zone included) and the text go inside one label box, in points,
    all of it inside `safe` (the label's safe area, `labels.safe_box`; by default the label less
    LABEL_PAD). Wide labels: QR left, text right. Tall labels (100 x 150): QR on top, text below."""
    pad = LABEL_PAD * MM
    area = safe or Box(box.x + pad, box.y + pad, box.width - 2 * pad, box.height - 2 * pad)
    if box.height > box.width * 1.2:
        size = min(area.width, box.height * 0.55)
        qr_x = area.x + (area.width - size) / 2
        qr_y = area.y + area.height - size
        text = Box(area.x + 3 * MM, area.y + 2 * MM, area.width - 6 * MM, qr_y - area.y - 2 * MM)
        return LabelGeometry(qr_x, qr_y, size, text)
    size = min(area.height, box.width * 0.5)
    qr_x = area.x
    qr_y = area.y + (area.height - size) / 2
    text_left = qr_x + size
    text = Box(text_left, area.y + 0.5 * MM, area.x + area.width - 0.5 * MM - text_left, area.height - 1 * MM)
    return LabelGeometry(qr_x, qr_y, size, text)


def label_lines(label: BundleLabel, base: float) -> list[TextLine]:
    bundle = _("Bundle %(n)s/%(m)s", n=label.bundle_no, m=label.bundle_count)
    if label.reissue_no is not None:
        bundle += " " + _("(reissue #%(no)s)", no=label.reissue_no)
    variant = " / ".join(part for part in (label.color, label.size) if part)
    return [
        TextLine(label.order_number, LATIN, base * 1.5),
        TextLine(bundle, CJK, base * 1.3, bold=True, max_lines=2),
        TextLine(_("%(count)s pcs", count=label.quantity), CJK, base * 1.3, bold=True),
        TextLine(variant, CJK, base, max_lines=2, min_share=0.8),
        TextLine(label.product, CJK, base, max_lines=2, min_share=0.8),
        TextLine(_("Due %(date)s", date=label.due) if label.due else "", CJK, base),
    ]


def draw_bundle_label(c: Canvas, box: Box, label: BundleLabel, matrix: Matrix, safe: Box | None = None) -> None:
    geometry = label_geometry(box, safe)
    draw_qr(c, matrix, geometry.qr_x, geometry.qr_y, geometry.qr_size)
    text = geometry.text
    base = min(text.height / 7.2, text.width / 6)
    placed = fit_block(label_lines(label, base), text.width, text.height, pdf_measure)
    # Centre the block vertically in its area.
    top = text.y + text.height - (text.height - block_height(placed)) / 2
    draw_block(c, placed, text.x, top, text.width, center=box.height > box.width * 1.2)


def bundle_labels_pdf(sheet: Sheet, labels: Sequence[BundleLabel], start: int = 0, title: str = "") -> bytes:
    """All labels on as many pages of `sheet` as they need, starting at position `start`."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(sheet.page_width * MM, sheet.page_height * MM), pageCompression=1)
    c.setTitle(title)
    matrices: dict[str, Matrix] = {}
    items = iter(labels)
    for page in layout(sheet, len(labels), start):
        for box in page:
            label = next(items)
            if label.url not in matrices:
                matrices[label.url] = qr_matrix(label.url, LABEL_LEVEL)
            draw_bundle_label(c, box, label, matrices[label.url], safe_box(sheet, box))
        c.showPage()
    c.save()
    return buffer.getvalue()


# --- the work-order ticket ----------------------------------------------------------------------

@dataclass(frozen=True)
class RouteStep:
    operation: str
    work_center: str


@dataclass(frozen=True)
class WorkOrderTicket:
    """What the work-order ticket says, built by the views from an order."""
    url: str
    number: str
    customer: str
    product_code: str
    product_name: str
    quantity: int
    due: str
    priority: int = 0
    technique: Sequence[tuple[str, str]] = ()  # (label, value)
    breakdown: Sequence[tuple[str, str, int]] = ()  # (color, size, quantity)
    bundles: int = 0
    bundle_size: int | None = None
    route: Sequence[RouteStep] = ()
    notes: str = ""
    photo: bytes | None = None
    printed: str = ""


PAGE_SIZES = {"a4": (210.0, 297.0), "a5": (148.0, 210.0)}


@dataclass
class Page:
    """A cursor down a page that starts a new page when the next part does not fit."""
    c: Canvas
    width: float
    height: float
    margin: float
    heading: str
    y: float = 0.0
    number: int = 1
    pages: list = field(default_factory=list)

    def __post_init__(self):
        self.y = self.height - self.margin

    @property
    def left(self) -> float:
        return self.margin

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def need(self, height: float) -> None:
        if self.y - height < self.margin + 8 * MM:
            self.footer()
            self.c.showPage()
            self.number += 1
            self.y = self.height - self.margin
            draw_text(self.c, self.left, self.y - 10, self.heading, CJK, 10, bold=True)
            self.y -= 16

    def footer(self) -> None:
        self.c.setFont(CJK, 7)
        self.c.drawRightString(self.width - self.margin, footer_y(self.margin),
                               _("%(heading)s, page %(n)s", heading=self.heading, n=self.number))


def footer_y(margin: float) -> float:
    """The footer's baseline: half the page margin down, never where printers clip."""
    return max(margin / 2, (PRINTER_MARGIN + 1) * MM)


def _section(page: Page, title: str, scale: float) -> None:
    page.need(14 * scale + 20)
    page.y -= 5 * scale
    draw_text(page.c, page.left, page.y - 11 * scale, title, CJK, 11 * scale, bold=True)
    page.y -= 14 * scale
    page.c.setLineWidth(0.8)
    page.c.line(page.left, page.y, page.left + page.inner, page.y)
    page.y -= 3 * scale


def _table(page: Page, columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]], scale: float,
           row_height: float, ruled: bool = True) -> None:
    """A simple ruled table; `columns` are (heading, share of the width). Cells shrink to fit."""
    widths = [share * page.inner for _, share in columns]
    size = 9 * scale

    def draw_row(cells: Sequence[str], height: float, bold: bool) -> None:
        page.need(height)
        x = page.left
        for cell, width in zip(cells, widths):
            fitted_size, lines = fit_text(str(cell), CJK, width - 4, size, max(1, int(height // (size * LEADING))),
                                          pdf_measure)
            y = page.y - fitted_size
            for line in lines:
                draw_text(page.c, x + 2, y - 1, line, CJK, fitted_size, bold)
                y -= fitted_size * LEADING
            x += width
        page.y -= height
        if ruled:
            page.c.setLineWidth(0.4)
            page.c.line(page.left, page.y, page.left + page.inner, page.y)

    draw_row([heading for heading, _ in columns], size * 1.8, True)
    for row in rows:
        draw_row(row, row_height, False)


def draw_work_order(c: Canvas, ticket: WorkOrderTicket, page_size: tuple[float, float]) -> None:
    width, height = page_size[0] * MM, page_size[1] * MM
    scale = page_size[0] / 210.0
    margin = 12 * MM * scale
    page = Page(c, width, height, margin, f"{ticket.number}  {ticket.customer}")

    # Head: number and facts on the left, the large QR on the right.
    qr_size = 58 * MM * scale
    draw_qr(c, qr_matrix(ticket.url, "M"), width - margin - qr_size + 4 * MM * scale, height - margin - qr_size +
            2 * MM * scale, qr_size)
    c.setFont(CJK, 7 * scale)
    c.drawCentredString(width - margin - qr_size / 2 + 4 * MM * scale, height - margin - qr_size + 1 * MM * scale,
                        _("Scan: this order and each bundle's ticket"))
    head_width = page.inner - qr_size
    head = [
        TextLine(_("Work order"), CJK, 11 * scale, bold=True),
        TextLine(ticket.number, LATIN, 30 * scale),
        TextLine(_("Customer: %(name)s", name=ticket.customer), CJK, 13 * scale, max_lines=2),
        TextLine(_("Due: %(date)s", date=ticket.due) + ("  " + _("URGENT") if ticket.priority else ""), CJK,
             15 * scale, bold=True),
        TextLine(_("Quantity: %(count)s pcs", count=ticket.quantity), CJK, 15 * scale, bold=True),
        TextLine(_("Product: %(code)s %(name)s", code=ticket.product_code, name=ticket.product_name), CJK,
             12 * scale, max_lines=2),
    ]
    placed = fit_block(head, head_width, qr_size, pdf_measure)
    draw_block(c, placed, page.left, page.y)
    page.y = min(page.y - block_height(placed), height - margin - qr_size) - 2 * MM * scale

    # Technique, with the product photo beside it.
    _section(page, _("Technique"), scale)
    photo_box = 45 * MM * scale if ticket.photo else 0
    rows = [TextLine(f"{label}: {value}", CJK, 10 * scale, max_lines=8) for label, value in ticket.technique if value]
    text_width = page.inner - (photo_box + 4 * MM * scale if photo_box else 0)
    placed = [Placed(r, *fit_text(r.text, r.font, text_width, r.size, r.max_lines, pdf_measure)) for r in rows]
    page.need(max(block_height(placed), photo_box))
    top = page.y
    draw_block(c, placed, page.left, top)
    if ticket.photo:
        _draw_photo(c, ticket.photo, page.left + page.inner - photo_box, top - photo_box, photo_box)
    page.y = top - max(block_height(placed), photo_box) - 2 * MM * scale

    # Quantity by color and size.
    _section(page, _("Quantity by color and size"), scale)
    breakdown = list(ticket.breakdown) or [("", "", ticket.quantity)]
    _table(page, [(_("Color"), 0.4), (_("Size"), 0.3), (_("Pieces"), 0.3)],
           [(color or "–", size or "–", str(quantity)) for color, size, quantity in breakdown], scale,
           9 * scale * 1.7)
    summary = _("%(bundles)s bundles", bundles=ticket.bundles)
    if ticket.bundle_size:
        summary += ", " + _("up to %(size)s pieces a bundle", size=ticket.bundle_size)
    page.need(14 * scale)
    draw_text(c, page.left, page.y - 11 * scale, summary, CJK, 9 * scale)
    page.y -= 14 * scale

    # The route, with room to write.
    _section(page, _("Route"), scale)
    _table(page, [("#", 0.06), (_("Operation"), 0.24), (_("Work center"), 0.18), (_("Done on"), 0.16),
                  (_("Signature / notes"), 0.36)],
           [(str(i + 1), step.operation, step.work_center, "", "") for i, step in enumerate(ticket.route)],
           scale, 11 * MM * scale)

    if ticket.notes:
        _section(page, _("Notes"), scale)
        size, lines = fit_text(ticket.notes, CJK, page.inner, 10 * scale, 40, pdf_measure)
        for line in lines:
            page.need(size * LEADING)
            page.y -= size * LEADING
            draw_text(c, page.left, page.y + size * 0.2, line, CJK, size)
    if ticket.printed:
        c.setFont(CJK, 7)
        c.drawString(margin, footer_y(margin), _("Printed %(date)s", date=ticket.printed))
    page.footer()
    c.showPage()


def _draw_photo(c: Canvas, photo: bytes, x: float, y: float, size: float) -> None:
    """The product photo scaled into a square; a photo that cannot be read is left out."""
    try:
        image = ImageReader(io.BytesIO(photo))
        w, h = image.getSize()
    except Exception:  # noqa: BLE001 - any unreadable upload: print the ticket without it
        return
    ratio = min(size / w, size / h)
    c.drawImage(image, x + (size - w * ratio) / 2, y + (size - h * ratio) / 2, w * ratio, h * ratio)


def work_orders_pdf(tickets: Sequence[WorkOrderTicket], size: str = "a4", title: str = "") -> bytes:
    page_size = PAGE_SIZES[size]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(page_size[0] * MM, page_size[1] * MM), pageCompression=1)
    c.setTitle(title)
    for ticket in tickets:
        draw_work_order(c, ticket, page_size)
    c.save()
    return buffer.getvalue()


# --- worker badges ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Badge:
    url: str
    name: str
    code: str
    workshop: str = ""


def draw_badge(c: Canvas, box: Box, badge: Badge) -> None:
    # A thin grey frame to cut along; badges print on plain paper or card.
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.5)
    c.roundRect(box.x, box.y, box.width, box.height, 3 * MM, stroke=1, fill=0)
    c.setStrokeColorRGB(0, 0, 0)
    qr_size = box.height - 4 * MM
    draw_qr(c, qr_matrix(badge.url, "M"), box.x + box.width - qr_size - 2 * MM, box.y + 2 * MM, qr_size)
    text_width = box.width - qr_size - 8 * MM
    lines = [TextLine(badge.workshop or _("Worker badge"), CJK, 8),
             TextLine(badge.name, CJK, 22, bold=True, max_lines=2),
             TextLine(badge.code, LATIN, 14),
             TextLine(_("Scan to sign in"), CJK, 8, max_lines=2)]
    placed = fit_block(lines, text_width, box.height - 8 * MM, pdf_measure)
    draw_block(c, placed, box.x + 5 * MM, box.y + box.height - 4 * MM)


def badges_pdf(badges: Sequence[Badge], sheet: Sheet = BADGES, title: str = "") -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(sheet.page_width * MM, sheet.page_height * MM), pageCompression=1)
    c.setTitle(title)
    items = iter(badges)
    for page in layout(sheet, len(badges)):
        for box in page:
            draw_badge(c, box, next(items))
        c.showPage()
    if not badges:
        c.setFont(CJK, 12)
        c.drawString(20 * MM, sheet.page_height * MM - 30 * MM, _("No active workers."))
        c.showPage()
    c.save()
    return buffer.getvalue()


# --- one label as a PNG -------------------------------------------------------------------------

# Chinese text in a PNG: the font the PDFs embed (it ships with the project), else the server's.
PNG_FONTS = (str(FONT_FILE),
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


@lru_cache(maxsize=64)
def _png_font(size: int):
    import os

    from PIL import ImageFont
    for path in PNG_FONTS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def bundle_label_png(sheet: Sheet, label: BundleLabel, dpi: int) -> bytes:
    """One label at its exact size and `dpi` (203 or 300), black on white, 1 bit: what thermal
    printers print without dithering. The QR has whole-pixel modules so every module is the same."""
    from PIL import Image, ImageDraw

    px = dpi / 72.0  # pixels per point
    width, height = round(sheet.label_width * MM * px), round(sheet.label_height * MM * px)
    image = Image.new("L", (width, height), 255)
    box = Box(0, 0, sheet.label_width * MM, sheet.label_height * MM)
    geometry = label_geometry(box)
    matrix = qr_matrix(label.url, LABEL_LEVEL)
    modules = len(matrix) + 2 * QUIET
    module_px = max(1, int(geometry.qr_size * px // modules))
    code = qr_image(matrix, module_px)
    offset = (geometry.qr_size * px - code.size[0]) / 2
    image.paste(code.convert("L"), (round(geometry.qr_x * px + offset),
                                   round(height - (geometry.qr_y + geometry.qr_size) * px + offset)))

    def measure(text: str, font: str) -> float:
        # Pillow widths at a reference size, scaled; 4 % spare for hinting at small sizes.
        return _png_font(100).getlength(text) / 100 * 1.04

    text = geometry.text
    base = min(text.height / 7.2, text.width / 6)
    placed = fit_block(label_lines(label, base), text.width, text.height, measure)
    draw = ImageDraw.Draw(image)
    y = text.y + text.height - (text.height - block_height(placed)) / 2
    tall = box.height > box.width * 1.2
    for p in placed:
        font = _png_font(max(6, round(p.size * px)))
        for row in p.rows:
            x = text.x
            if tall:
                x = text.x + (text.width - measure(row, p.line.font) * p.size) / 2
            top = height - y * px
            draw.text((x * px, top), row, fill=0, font=font,
                      stroke_width=1 if p.line.bold and dpi >= 300 else 0, stroke_fill=0)
            y -= p.size * LEADING
    out = io.BytesIO()
    image.point(lambda v: 0 if v < 160 else 255).convert("1").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


# --- payslips -----------------------------------------------------------------------------------

def payslip_pdf(*, period, worker, payroll) -> bytes:
    """One worker's payslip for one period on A4: totals, every line (date, order, bundle,
    operation, pieces, rate, amount) and every adjustment, with a line to sign."""
    from factory.web.i18n import format_money, format_number, format_rate
    from factory.web.pay_words import adjustment_label, adjustment_reason, carried_label
    width, height = PAGE_SIZES["a4"][0] * MM, PAGE_SIZES["a4"][1] * MM
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    title = _("Payslip %(period)s: %(name)s (%(code)s)", period=period.name, name=worker.name, code=worker.code)
    c.setTitle(title)
    page = Page(c, width, height, 14 * MM, title)
    pay = payroll.worker(worker.code)
    state = _("Closed") if payroll.closed else _("Open: may still change")
    draw_text(c, page.left, page.y - 16, _("Payslip"), CJK, 16, bold=True)
    page.y -= 24
    for text in (f"{worker.name}  {worker.code}",
                 _("Pay period %(period)s: %(start)s to %(end)s", period=period.name, start=period.start.isoformat(),
                   end=period.end.isoformat()) + f"  ({state})"):
        draw_text(c, page.left, page.y - 11, text, CJK, 11)
        page.y -= 16
    if pay is None:
        _section(page, _("No pay in this period."), 1)
    else:
        s = pay.settlement
        _section(page, _("Totals"), 1)
        totals = [(_("Good pieces"), format_number(pay.pieces)), (_("Pay for pieces"), "¥" + format_money(s.amount)),
                  (_("Adjustments"), "¥" + format_money(s.adjustments)), (_("Total"), "¥" + format_money(s.total))]
        if s.carried_forward:
            totals.append((_("Carried forward"), "¥" + format_money(s.carried_forward)))
        _table(page, [("", 0.5), ("", 0.5)], totals, 1.1, 16, ruled=True)
        _section(page, _("Lines"), 1)
        _table(page, [(_("Date"), 0.12), (_("Order"), 0.2), (_("Bundle"), 0.09), (_("Operation"), 0.2),
                      (_("Pieces"), 0.11), (_("Rate"), 0.12), (_("Amount"), 0.16)],
               [(l.day.isoformat(), l.order, f"#{l.bundle}", l.operation, format_number(l.good), format_rate(l.rate),
                 format_money(l.amount)) for l in pay.lines] or [(_("No pieces in this period."), "", "", "", "", "",
                                                                   "")], 1, 14)
        _section(page, _("Adjustments"), 1)
        rows = [(a.day.isoformat(), adjustment_label(a.kind), format_money(a.effect), adjustment_reason(a))
                for a in pay.adjustments]
        if pay.carried_in:
            rows.append((period.start.isoformat(), carried_label(), format_money(-pay.carried_in), ""))
        _table(page, [(_("Date"), 0.14), (_("Kind"), 0.14), (_("Amount"), 0.14), (_("Reason"), 0.58)],
               rows or [("", _("None."), "", "")], 1, 26)
    page.need(40)
    page.y -= 30
    draw_text(c, page.left, page.y, _("Signature: ____________________    Date: ____________"), CJK, 11)
    page.footer()
    c.showPage()
    c.save()
    return buffer.getvalue()
