"""Printing as the owner gets it: real PDFs rasterised with pdftoppm, every QR decoded with zxing-cpp,
page sizes and label positions measured against the presets, void and reissue in the database."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from factory.data.models import Operation, Product
from factory.data.orders import create_order
from factory.domain.labels import MM, PRESETS, layout, safe_box
from factory.domain.qr import QUIET, qr_matrix
from factory.inputs import OrderIn
from factory.printing.render import LABEL_LEVEL, label_geometry
from tests.conftest import csrf_token, sign_in, soup, tickets_of

DPI = 200
PX_PER_MM = DPI / 25.4
TOLERANCE_MM = 0.5
BASE = "http://factory.test"
LONG_NAME = "男士羊毛混纺圆领提花套头毛衣加厚款<script>alert(1)</script>冬季新品超长名字测试" * 2


@pytest.fixture
def second_order(session, workshop):
    """An order with a long, hostile product name and a color/size breakdown."""
    product = Product(code="LONG", name=LONG_NAME[:120], yarn="羊毛 70%", colors="藏青/酒红", stitch="四平针",
                      notes="<b>不要</b>加粗")
    session.add(product)
    session.flush()
    # An order needs a route (its tickets are scanned at the route's operations).
    session.add(Operation(product_id=product.id, position=0, code="knitting", name="织片",
                          work_center_id=workshop.knitting.id, minutes_per_piece=6))
    session.commit()
    order = create_order(session=session, order_in=OrderIn(
        customer="杭州某某针织服饰有限公司 & <i>HTML</i>", product="LONG", quantity=95, due=date.today() + timedelta(days=5),
        bundle_size=30, lines=[{"quantity": 60, "color": "藏青色（深）", "size": "XXL 加大码"},
                               {"quantity": 35, "color": "酒红", "size": "M"}]), number="SO26-0902")
    session.commit()
    return order


def pages_as_images(pdf: bytes, tmp_path: Path, dpi: int = DPI) -> list[Image.Image]:
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    for old in tmp_path.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(tmp_path / "page")], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page-*.png"),
                                                      key=lambda p: int(p.stem.split("-")[-1]))]


def decode(image: Image.Image) -> list:
    return list(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width) / MM, float(p.mediabox.height) / MM) for p in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_prints_every_ticket_at_its_exact_size_and_place(owner_client, session, workshop, second_order,
                                                                      preset, tmp_path):
    sheet = PRESETS[preset]
    start = 2 if sheet.per_page > 1 else 0
    response = owner_client.get(f"/labels.pdf?orders={workshop.order.number},{second_order.number}"
                                f"&preset={preset}&start={start}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    pdf = response.data

    tickets = tickets_of(session, workshop.order) + tickets_of(session, second_order)
    expected_pages = layout(sheet, len(tickets), start)
    sizes = page_sizes_mm(pdf)
    assert len(sizes) == len(expected_pages)
    for width, height in sizes:
        assert abs(width - sheet.page_width) <= TOLERANCE_MM and abs(height - sheet.page_height) <= TOLERANCE_MM

    urls = iter(f"{BASE}/t/{t.token}" for t in tickets)
    for image, boxes in zip(pages_as_images(pdf, tmp_path), expected_pages):
        found = {code.text: code for code in decode(image)}
        assert len(found) == len(boxes), "every label's QR decodes"
        for box in boxes:
            url = next(urls)
            assert url in found, f"{url} missing on the page"
            geometry = label_geometry(box, safe_box(sheet, box))
            modules = len(qr_matrix(url, LABEL_LEVEL))
            module = geometry.qr_size / (modules + 2 * QUIET)
            left_mm = (geometry.qr_x + QUIET * module) / MM
            top_mm = sheet.page_height - (geometry.qr_y + geometry.qr_size - QUIET * module) / MM
            corner = found[url].position.top_left
            assert abs(corner.x / PX_PER_MM - left_mm) <= TOLERANCE_MM
            assert abs(corner.y / PX_PER_MM - top_mm) <= TOLERANCE_MM
            side = (found[url].position.top_right.x - corner.x) / PX_PER_MM
            assert abs(side - modules * module / MM) <= TOLERANCE_MM


@pytest.mark.parametrize("preset", ["a4-3x8", "50x30"])
def test_long_names_stay_inside_their_labels(owner_client, session, second_order, preset, tmp_path):
    sheet = PRESETS[preset]
    pdf = owner_client.get(f"/orders/{second_order.number}/labels.pdf?preset={preset}").data
    margin_px = 2  # anti-aliasing at the label's edge
    for image, boxes in zip(pages_as_images(pdf, tmp_path), layout(sheet, len(tickets_of(session, second_order)))):
        ink = image.point(lambda v: 255 if v < 200 else 0)
        for box in boxes:
            left = int(box.x / MM * PX_PER_MM) + margin_px
            right = int((box.x + box.width) / MM * PX_PER_MM) - margin_px
            top = int((sheet.page_height - (box.y + box.height) / MM) * PX_PER_MM) + margin_px
            bottom = int((sheet.page_height - box.y / MM) * PX_PER_MM) - margin_px
            ink.paste(0, (left, top, right, bottom))
        assert ink.getbbox() is None, f"ink outside the labels at {ink.getbbox()}"


def test_chinese_and_markup_print_as_text(owner_client, second_order):
    pdf = owner_client.get(f"/orders/{second_order.number}/labels.pdf?preset=a4-2x7").data
    text = pdf_text(pdf)
    assert "藏青色（深）" in text
    assert "alert(1)</script>" in text  # literal characters, not swallowed as markup
    ticket = pdf_text(owner_client.get(f"/orders/{second_order.number}/ticket.pdf").data)
    assert "杭州某某针织服饰有限公司 & <i>HTML</i>" in ticket
    assert "四平针" in ticket and "<b>不要</b>加粗" in ticket


@pytest.mark.parametrize("size,mm", [("a4", (210, 297)), ("a5", (148, 210))])
def test_work_order_ticket_has_the_order_sheet_qr(owner_client, workshop, size, mm, tmp_path):
    response = owner_client.get(f"/orders/{workshop.order.number}/ticket.pdf?size={size}")
    assert response.status_code == 200
    (width, height), = page_sizes_mm(response.data)
    assert abs(width - mm[0]) <= TOLERANCE_MM and abs(height - mm[1]) <= TOLERANCE_MM
    codes = decode(pages_as_images(response.data, tmp_path, dpi=100)[0])
    assert [c.text for c in codes] == [f"{BASE}/o/{workshop.order.token}"]
    text = pdf_text(response.data)
    for word in ("测试客户", "测试围巾", "腈纶", "织片", "套口", "包装", workshop.order.number):
        assert word in text


def test_work_order_ticket_shows_the_product_photo(owner_client, session, workshop, tmp_path):
    photo = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 30, 30)).save(photo, format="PNG")
    workshop.product.photo, workshop.product.photo_type = photo.getvalue(), "image/png"
    session.add(workshop.product)
    session.commit()
    pdf = owner_client.get(f"/orders/{workshop.order.number}/ticket.pdf").data
    rgb = subprocess.run(["pdftoppm", "-r", "30", "-png"], input=pdf, capture_output=True, check=True).stdout
    pixels = Image.open(io.BytesIO(rgb)).convert("RGB").get_flattened_data()
    assert any(r > 150 and g < 80 and b < 80 for r, g, b in pixels), "the red photo is on the page"


def test_selection_of_work_orders_in_one_file(owner_client, workshop, second_order):
    response = owner_client.get(f"/tickets.pdf?orders={second_order.number}&orders={workshop.order.number}&size=a5")
    assert response.status_code == 200
    assert len(page_sizes_mm(response.data)) == 2


def test_badges_for_every_active_worker(owner_client, session, workshop, tmp_path):
    workshop.packer.active = False
    session.add(workshop.packer)
    session.commit()
    response = owner_client.get("/workers/badges.pdf")
    assert response.status_code == 200
    (width, height), = page_sizes_mm(response.data)
    assert (round(width), round(height)) == (210, 297)
    codes = {c.text for c in decode(pages_as_images(response.data, tmp_path, dpi=150)[0])}
    assert codes == {f"{BASE}/w/{workshop.knitter.badge_token}", f"{BASE}/w/{workshop.linker.badge_token}"}
    assert "王秀英" in pdf_text(response.data)



def test_one_workers_new_badge(owner_client, session, workshop, tmp_path):
    response = owner_client.get(f"/workers/badges.pdf?workers={workshop.linker.code}")
    assert response.status_code == 200
    codes = {c.text for c in decode(pages_as_images(response.data, tmp_path, dpi=150)[0])}
    assert codes == {f"{BASE}/w/{workshop.linker.badge_token}"}
    assert owner_client.get("/workers/badges.pdf?workers=NOBODY").status_code == 404

@pytest.mark.parametrize("dpi", [203, 300])
def test_label_png_at_printer_resolution(owner_client, session, workshop, dpi):
    ticket = workshop.tickets[0]
    response = owner_client.get(f"/tickets/{ticket.token}/label.png?preset=50x30&dpi={dpi}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (round(50 / 25.4 * dpi), round(30 / 25.4 * dpi))
    assert round(image.info["dpi"][0]) == dpi
    assert [c.text for c in decode(image.convert("L"))] == [f"{BASE}/t/{ticket.token}"]


def test_copies_and_print_count(owner_client, session, workshop):
    """Fetching a PDF (a preview, a prefetch) counts nothing; the office's "printed" counts once."""
    response = owner_client.get(f"/orders/{workshop.order.number}/labels.pdf?preset=50x30&copies=2")
    assert len(page_sizes_mm(response.data)) == 3 * len(workshop.tickets)
    owner_client.get(f"/orders/{workshop.order.number}/labels.pdf?preset=a4-3x8&spares=1")
    owner_client.get(f"/tickets/{workshop.tickets[0].token}/label.png?preset=50x30&dpi=203")
    assert [t.printed_count for t in tickets_of(session, workshop.order)] == [0, 0, 0]
    token = csrf_token(owner_client, f"/orders/{workshop.order.number}/print")
    page = owner_client.post(f"/orders/{workshop.order.number}/printed", data={"csrf_token": token},
                             follow_redirects=True)
    assert "已记录打印的标签：3 张。" in page.get_data(as_text=True)
    owner_client.post(f"/orders/{workshop.order.number}/printed",
                      data={"csrf_token": token, "ticket": workshop.tickets[1].token})
    session.rollback()  # a fresh snapshot: the counts were written by the app
    assert [t.printed_count for t in tickets_of(session, workshop.order)] == [1, 2, 1]
    assert owner_client.post(f"/orders/{workshop.order.number}/printed",
                             data={"csrf_token": token, "ticket": "nope"}).status_code == 404


def _soup_errors(html: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html)}


@pytest.mark.parametrize("query,field", [
    ("preset=custom", "width"),
    ("preset=custom&width=80&height=30&cols=3&rows=2", "cols"),
    ("preset=custom&width=60&height=40&cols=3&rows=8", "rows"),
    ("preset=a4-3x8&start=24", "start"),
    ("preset=50x30&start=1", "start"),
    ("preset=huge", "preset"),
    ("preset=a4-3x8&copies=abc", "copies"),
    ("preset=custom&width=5&height=30", "width"),
])
def test_bad_label_options_are_refused_by_field(owner_client, session, workshop, query, field):
    response = owner_client.get(f"/orders/{workshop.order.number}/labels.pdf?{query}")
    assert response.status_code == 422
    errors = _soup_errors(response.get_data(as_text=True))
    assert field in errors
    assert re.search(r"[\u4e00-\u9fff]", errors[field]), "the message is in Chinese"
    assert all(t.printed_count == 0 for t in tickets_of(session, workshop.order))


def test_custom_sheet_prints_where_asked(owner_client, workshop, tmp_path):
    response = owner_client.get(f"/orders/{workshop.order.number}/labels.pdf?preset=custom&width=63.5&height=38.1"
                                "&cols=3&rows=7&margin_top=15.15&margin_left=7.2&gap_x=2.5")
    assert response.status_code == 200
    codes = decode(pages_as_images(response.data, tmp_path)[0])
    assert len(codes) == 3
    lefts = sorted(c.position.top_left.x / PX_PER_MM for c in codes)
    assert lefts[1] - lefts[0] == pytest.approx(66.0, abs=TOLERANCE_MM)


def test_selection_names_missing_orders(owner_client, workshop):
    response = owner_client.get("/labels.pdf?orders=SO99-9999")
    assert response.status_code == 422
    assert "SO99-9999" in response.get_data(as_text=True)
    assert owner_client.get("/labels.pdf").status_code == 422


def test_void_then_labels_skip_it_and_reprint_is_refused(owner_client, session, workshop):
    token = workshop.tickets[0].token
    response = owner_client.post(f"/tickets/{token}/void", data={"csrf_token": csrf_token(owner_client, "/print")})
    assert response.status_code == 302
    tickets = tickets_of(session, workshop.order)
    assert tickets[0].voided_at is not None and tickets[1].voided_at is None
    assert owner_client.get(f"/tickets/{token}/label.pdf").status_code == 409
    pdf = owner_client.get(f"/orders/{workshop.order.number}/labels.pdf?preset=50x30").data
    assert len(page_sizes_mm(pdf)) == len(tickets) - 1


def test_void_needs_csrf(owner_client, session, workshop):
    assert owner_client.post(f"/tickets/{workshop.tickets[0].token}/void").status_code == 400
    assert tickets_of(session, workshop.order)[0].voided_at is None


def test_reissue_voids_the_old_ticket_and_keeps_the_bundle_number_on_paper(owner_client, session, workshop,
                                                                           tmp_path):
    old = workshop.tickets[1]
    token = csrf_token(owner_client, "/print")
    response = owner_client.post(f"/tickets/{old.token}/replace", data={"csrf_token": token})
    assert response.status_code == 302
    tickets = tickets_of(session, workshop.order)
    new = tickets[-1]
    assert len(tickets) == 4 and new.bundle_no == 4 and new.replaces_id == old.id
    assert (new.quantity, new.color, new.size) == (old.quantity, old.color, old.size)
    assert new.token != old.token and tickets[1].voided_at is not None
    pdf = owner_client.get(f"/tickets/{new.token}/label.pdf?preset=60x40").data
    text = pdf_text(pdf)
    assert "2/3" in text and "#4" in text
    assert [c.text for c in decode(pages_as_images(pdf, tmp_path)[0])] == [f"{BASE}/t/{new.token}"]
    again = owner_client.post(f"/tickets/{old.token}/replace", data={"csrf_token": token})
    assert again.status_code == 409
    assert len(tickets_of(session, workshop.order)) == 4


def test_print_pages_list_orders_and_preview_the_order(owner_client, workshop, second_order):
    page = owner_client.get("/print").get_data(as_text=True)
    assert workshop.order.number in page and second_order.number in page
    preview = owner_client.get(f"/orders/{second_order.number}/print").get_data(as_text=True)
    assert "&lt;script&gt;" in preview and "<script>alert" not in preview
    # The order's QR and one per bundle: 60 and 35 pieces in bundles of 30 make 2 + 2.
    assert preview.count('<svg class="qr"') == 1 + 4


@pytest.mark.browser
def test_print_preview_in_chromium(live_server, desk_browser, owner, workshop, tmp_path):
    page = desk_browser.new_page()
    sign_in(page, live_server)
    # The live server's address is 127.0.0.1 (BASE_URL): a test print, so the owner insists.
    page.goto(f"{live_server}/orders/{workshop.order.number}/print?insist=1")
    assert page.locator("[data-print]").is_visible()
    page.screenshot(path=str(tmp_path / "print.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    assert page.locator(".label-card").count() == len(workshop.tickets)
    pdf = page.pdf(prefer_css_page_size=True)
    (width, height), *_ = page_sizes_mm(pdf)
    assert abs(width - 210) <= 1 and abs(height - 297) <= 1
    codes = {c.text for image in pages_as_images(pdf, tmp_path) for c in decode(image)}
    assert f"{live_server}/o/{workshop.order.token}" in codes
    assert {f"{live_server}/t/{t.token}" for t in workshop.tickets} <= codes


def test_void_asks_once_saying_it_cannot_be_undone(owner_client, session, workshop):
    ticket = workshop.tickets[0]
    page = soup(owner_client.get(f"/orders/{workshop.order.number}/print"))
    assert not page.select(f'form[action="/tickets/{ticket.token}/void"]')  # no one-click void
    asked = soup(owner_client.get(page.select_one(f"#ticket-{ticket.id} a.void")["href"]))
    assert tickets_of(session, workshop.order)[0].voided_at is None
    words = asked.select_one("#confirm").get_text()
    assert "不能撤销" in words and "补发" in words
    form = asked.select_one("#confirm form")
    assert owner_client.post(form["action"], data={"csrf_token": csrf_token(owner_client, "/print")}).status_code == 302
    assert tickets_of(session, workshop.order)[0].voided_at is not None
