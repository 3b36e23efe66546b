"""Paper that works on the floor: the order's own colours and sizes on every order sheet, QR codes
that never hold an address phones cannot open, and an embedded Chinese font inside safe margins."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest
from PIL import Image

from factory.data.orders import create_order
from factory.domain.labels import MM, PRESETS, PRINTER_MARGIN, Box, layout, safe_box
from factory.domain.variants import order_variants
from factory.inputs import OrderCreate
from factory.printing.render import label_geometry
from tests.conftest import one, soup, text


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture
def red_navy(session, workshop):
    """An order of the scarf (usually 红/黄, 25×160) in red and navy, sizes M and L."""
    order = create_order(session=session, order_in=OrderCreate(
        customer="蓝天服饰", product="SCARF", quantity=40, due=date.today() + timedelta(days=9),
        lines=[{"quantity": 10, "color": "正红", "size": "M"}, {"quantity": 10, "color": "正红", "size": "L"},
               {"quantity": 10, "color": "藏青", "size": "M"}, {"quantity": 10, "color": "藏青", "size": "L"}]),
        number="SO26-0777")
    session.commit()
    return order


# --- the order's colours and sizes --------------------------------------------------------------

def test_variants_are_the_orders_lines_in_order_and_the_products_only_when_lines_name_none():
    assert order_variants([("正红", "M"), ("正红", "L"), ("藏青", "M")], "米白/驼色", "S/M/L/XL") == \
        order_variants([("正红", "M"), ("藏青", "L")], "", "")
    got = order_variants([("正红", "M"), ("正红", "L"), ("藏青", "M")], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("正红 / 藏青", "M / L")
    got = order_variants([("", "M"), ("", "L")], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("米白/驼色", "M / L")
    got = order_variants([], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("米白/驼色", "S/M/L/XL")


def test_work_order_pdf_shows_the_orders_colours_and_sizes(owner_client, red_navy):
    sheet = pdf_text(owner_client.get(f"/orders/{red_navy.number}/ticket.pdf").data)
    technique = sheet.split("工艺")[1].split("颜色尺码数量")[0]
    assert "正红 / 藏青" in technique and "M / L" in technique
    assert "红/黄" not in sheet and "25×160" not in sheet  # the product's usual colours and size


def test_print_preview_and_order_page_show_the_orders_colours_and_sizes(client, owner_client, red_navy):
    preview = soup(owner_client.get(f"/orders/{red_navy.number}/print"))
    assert text(one(preview, ".wo-colors")) == "正红 / 藏青"
    assert text(one(preview, ".wo-size")) == "M / L"
    assert "红/黄" not in text(one(preview, ".technique"))
    page = soup(client.get(f"/o/{red_navy.token}"))
    assert text(one(page, ".order-colors")) == "正红 / 藏青"
    assert text(one(page, ".order-sizes")) == "M / L"
    assert "红/黄" not in text(one(page, ".technique")) and "25×160" not in text(one(page, ".technique"))


def test_an_order_without_colours_shows_the_products(client, workshop):
    page = soup(client.get(f"/o/{workshop.order.token}"))
    assert text(one(page, ".order-colors")) == "红/黄"


# --- the font travels with the PDF; nothing where printers clip ----------------------------------

def pdf_fonts(pdf: bytes, tmp_path) -> dict[str, str]:
    """Font name (subset tag removed) → its `emb` column, as poppler's pdffonts reports them."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    fonts = {}
    for row in rows:
        parts = row.split()  # name, type (may have spaces), encoding, emb, sub, uni, object, ID
        fonts[parts[0].split("+")[-1]] = parts[-5]
    return fonts


PDFS = ["/labels.pdf?orders={order}&preset=a4-3x8", "/labels.pdf?orders={order}&preset=50x30",
        "/orders/{order}/ticket.pdf", "/orders/{order}/ticket.pdf?size=a5", "/workers/badges.pdf"]


@pytest.mark.parametrize("url", PDFS)
def test_every_pdf_embeds_its_chinese_font(owner_client, workshop, red_navy, url, tmp_path):
    pdf = owner_client.get(url.format(order=red_navy.number)).data
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts.get("WenQuanYiMicroHeiSubset") == "yes", fonts
    # Every font that is not embedded is one of the 14 every PDF reader has (Helvetica for the order number).
    assert {name for name, emb in fonts.items() if emb != "yes"} <= {"Helvetica", "Helvetica-Bold"}, fonts
    assert "正红" in pdf_text(pdf) or "王秀英" in pdf_text(pdf)  # and the text is still text


def test_a_character_outside_the_subset_still_prints(owner_client, session, workshop, tmp_path):
    order = create_order(session=session, order_in=OrderCreate(
        customer="龘䶮客户", product="SCARF", quantity=5, due=date.today() + timedelta(days=9)), number="SO26-0778")
    session.commit()
    pdf = owner_client.get(f"/orders/{order.number}/ticket.pdf").data
    assert "龘䶮客户" in pdf_text(pdf)
    assert pdf_fonts(pdf, tmp_path).get("STSong-Light") == "no"  # the fallback, for those two characters only


INK_FREE_MM = PRINTER_MARGIN - 0.3  # anti-aliasing of the last row of pixels


@pytest.mark.parametrize("url", ["/labels.pdf?orders={order}&preset=a4-3x8",
                                 "/labels.pdf?orders={order}&preset=a4-2x7",
                                 "/labels.pdf?orders={order}&preset=custom&width=70&height=37.125&cols=3&rows=8",
                                 "/workers/badges.pdf", "/orders/{order}/ticket.pdf",
                                 "/orders/{order}/ticket.pdf?size=a5"])
def test_no_ink_where_office_printers_clip(owner_client, session, workshop, red_navy, url, tmp_path):
    """A full A4 sheet of labels (24 on a 3 x 8 sheet, which touches the page edges): no ink within
    the printer margin of any page edge."""
    create_order(session=session, order_in=OrderCreate(customer="满页", product="SCARF", quantity=24, bundle_size=1,
                                                       due=date.today() + timedelta(days=9)), number="SO26-0779")
    session.commit()
    pdf = owner_client.get(url.format(order="SO26-0779" if "labels" in url else red_navy.number)).data
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(source), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert pages
    px = 100 / 25.4
    edge = int(INK_FREE_MM * px)
    for page in pages:
        ink = Image.open(page).point(lambda v: 255 if v < 200 else 0)
        width, height = ink.size
        ink.paste(0, (edge, edge, width - edge, height - edge))
        assert ink.getbbox() is None, f"ink within {INK_FREE_MM} mm of the edge at {ink.getbbox()} ({page.name})"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_labels_content_stays_in_its_safe_area(preset):
    sheet = PRESETS[preset]
    for box in layout(sheet, sheet.per_page)[0]:
        safe = safe_box(sheet, box)
        geometry = label_geometry(box, safe)
        parts = [Box(geometry.qr_x, geometry.qr_y, geometry.qr_size, geometry.qr_size), geometry.text]
        for part in parts:
            assert part.x >= safe.x - 1e-6 and part.y >= safe.y - 1e-6
            assert part.x + part.width <= safe.x + safe.width + 1e-6
            assert part.y + part.height <= safe.y + safe.height + 1e-6
        if not sheet.is_roll:
            margin = PRINTER_MARGIN * MM - 1e-6
            assert safe.x >= margin and safe.y >= margin
            assert safe.x + safe.width <= sheet.page_width * MM - margin
            assert safe.y + safe.height <= sheet.page_height * MM - margin
        assert geometry.qr_size >= 25 * MM or sheet.label_height < 37, "the QR stays big enough to scan"
