"""A customer's status card for one order, as a PNG (to forward by chat) and an A5 PDF: the
product, pieces finished, progress per operation and the planned finish date. Nothing private:
no prices, notes, customer or worker names."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.pdfgen.canvas import Canvas

from factory.data.floor import StatusCard
from factory.domain.labels import MM
from factory.printing.render import CJK, _png_font, draw_text
from factory.web.i18n import format_number

WIDTH, ROW = 900, 64


def card_lines(card: StatusCard, as_of: str) -> tuple[str, list[str]]:
    """The card's title and its lines of text (above the progress bars)."""
    planned = card.planned.isoformat() if card.planned else "–"
    return (_("Order %(number)s", number=card.number), [
        card.product,
        _("%(done)s of %(quantity)s pieces finished", done=format_number(card.finished),
          quantity=format_number(card.quantity)),
        _("Due %(due)s · planned finish %(planned)s", due=card.due.isoformat(), planned=planned),
        _("As of %(time)s", time=as_of)])


def status_card_png(card: StatusCard, as_of: str) -> bytes:
    from PIL import Image, ImageDraw
    title, lines = card_lines(card, as_of)
    height = 60 + 70 + len(lines) * 46 + 20 + len(card.steps) * ROW + 40
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), title, fill="#111", font=_png_font(44))
    y = 120
    for line in lines:
        draw.text((40, y), line, fill="#333", font=_png_font(30))
        y += 46
    y += 20
    bar_x, bar_w = 300, WIDTH - 300 - 170
    for step in card.steps:
        draw.text((40, y + 6), step.name, fill="#111", font=_png_font(30))
        draw.rectangle((bar_x, y + 10, bar_x + bar_w, y + 40), fill="#e5e7eb")
        share = step.done / step.quantity if step.quantity else 0
        if share:
            draw.rectangle((bar_x, y + 10, bar_x + round(bar_w * share), y + 40), fill="#16a34a")
        draw.text((bar_x + bar_w + 16, y + 6), f"{format_number(step.done)}/{format_number(step.quantity)}",
                  fill="#111", font=_png_font(28))
        y += ROW
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def status_card_pdf(card: StatusCard, as_of: str) -> bytes:
    width, height = 148 * MM, 210 * MM
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    title, lines = card_lines(card, as_of)
    c.setTitle(title)
    left, y = 14 * MM, height - 20 * MM
    draw_text(c, left, y, title, CJK, 18, bold=True)
    y -= 12 * MM
    for line in lines:
        draw_text(c, left, y, line, CJK, 11)
        y -= 7 * MM
    y -= 4 * MM
    bar_x, bar_w = left + 32 * MM, width - left - 32 * MM - 30 * MM
    for step in card.steps:
        draw_text(c, left, y, step.name, CJK, 11)
        c.setFillColorRGB(0.9, 0.91, 0.92)
        c.rect(bar_x, y - 1 * MM, bar_w, 4.5 * MM, stroke=0, fill=1)
        share = step.done / step.quantity if step.quantity else 0
        if share:
            c.setFillColorRGB(0.09, 0.64, 0.29)
            c.rect(bar_x, y - 1 * MM, bar_w * share, 4.5 * MM, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        draw_text(c, bar_x + bar_w + 3 * MM, y, f"{format_number(step.done)}/{format_number(step.quantity)}", CJK, 10)
        y -= 9 * MM
    c.showPage()
    c.save()
    return buffer.getvalue()
