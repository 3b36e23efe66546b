"""Paper that works on the floor: the order's own colours and sizes on every order sheet, QR codes
that never hold an address phones cannot open, and an embedded Chinese font inside safe margins."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlmodel import select

from factory.data.models import Order
from factory.data.orders import create_order
from factory.domain.labels import MM, PRESETS, PRINTER_MARGIN, Box, layout, safe_box
from factory.domain.variants import order_variants
from factory.inputs import OrderIn
from factory.printing.render import label_geometry
from tests.conftest import fresh, one, sign_in, soup, text, tickets_of


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture
def red_navy(session, workshop):
    """An order of the scarf (usually 红/黄, 25×160) in red and navy, sizes M and L."""
    order = create_order(session=session, order_in=OrderIn(
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
    order = create_order(session=session, order_in=OrderIn(
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
    create_order(session=session, order_in=OrderIn(customer="满页", product="SCARF", quantity=24, bundle_size=1,
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


# --- QR codes never hold localhost ---------------------------------------------------------------

OFFICE = "http://localhost:5000"  # the office PC's browser, as the start message suggests


@pytest.fixture
def office(app, owner_client):
    """The owner printing from the office PC at http://localhost:5000, no BASE_URL set on the server."""
    app.config["BASE_URL"] = None
    owner_client.environ_base["HTTP_HOST"] = "localhost:5000"
    return owner_client


def qr_texts(data: bytes, tmp_path, png: bool = False) -> set[str]:
    import zxingcpp
    if png:
        import io
        images = [Image.open(io.BytesIO(data)).convert("L")]
    else:
        source = tmp_path / "qr.pdf"
        source.write_bytes(data)
        for old in tmp_path.glob("q-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(source), str(tmp_path / "q")], check=True)
        images = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("q-*.png"))]
    return {code.text for image in images for code in zxingcpp.read_barcodes(image)}


def printing_urls(workshop) -> list[str]:
    number, token = workshop.order.number, workshop.tickets[0].token
    return [f"/orders/{number}/ticket.pdf", f"/orders/{number}/ticket.pdf?size=a5", f"/orders/{number}/labels.pdf",
            f"/labels.pdf?orders={number}&preset=50x30", f"/tickets.pdf?orders={number}", f"/orders/{number}/print",
            f"/tickets/{token}/label.pdf", f"/tickets/{token}/label.png", "/workers/badges.pdf"]


def test_printing_qr_codes_that_hold_localhost_is_refused_with_what_to_do(office, workshop):
    for url in printing_urls(workshop):
        response = office.get(url, base_url=OFFICE)
        assert response.status_code == 409, url
        assert response.mimetype == "text/html"
        page = soup(response)
        assert OFFICE in text(one(page, ".address-refused"))
        assert one(page, "a.button.primary")["href"].startswith("/print/address?next=")
        assert "insist=1" in one(page, "a.print-anyway")["href"]


def test_which_addresses_phones_cannot_open():
    from factory.domain.addresses import is_loopback
    for url in ("http://localhost:5000", "http://LOCALHOST", "http://127.0.0.1:5000", "http://127.8.9.1",
                "http://[::1]:5000", "http://0.0.0.0:5000", "http://app.localhost"):
        assert is_loopback(url), url
    for url in ("http://192.168.1.20:5000", "http://10.0.0.7", "https://tracker.lan", "http://[fe80::1]:5000",
                "http://localhost.example.com"):
        assert not is_loopback(url), url


def test_the_owner_may_insist_on_a_test_print(office, workshop, tmp_path):
    response = office.get(f"/orders/{workshop.order.number}/ticket.pdf?insist=1", base_url=OFFICE)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert qr_texts(response.data, tmp_path) == {f"{OFFICE}/o/{workshop.order.token}"}
    refused = soup(office.get(f"/orders/{workshop.order.number}/labels.pdf?preset=50x30&start=0", base_url=OFFICE))
    anyway = one(refused, "a.print-anyway")["href"]
    assert "preset=50x30" in anyway
    assert office.get(anyway, base_url=OFFICE).mimetype == "application/pdf"


def test_the_owner_picks_a_lan_address_and_every_qr_holds_it(office, owner, session, workshop, monkeypatch, tmp_path):
    monkeypatch.setattr("factory.web.links.lan_addresses", lambda: ["192.168.1.20", "10.0.0.7"])
    page = soup(office.get("/print/address", base_url=OFFICE))
    choices = [button["value"] for button in page.select(".address-choices button")]
    assert choices == ["http://192.168.1.20:5000", "http://10.0.0.7:5000"]
    assert "localhost" in text(one(page, ".print-address.warn"))
    back = f"/orders/{workshop.order.number}/print"
    response = office.post("/print/address", base_url=OFFICE, data={
        "address": choices[0], "next": back, "csrf_token": csrf_of(page)})
    assert response.status_code == 303 and response.headers["Location"] == back
    from factory.data.app_settings import phone_address
    assert phone_address(session=fresh(session)) == "http://192.168.1.20:5000"

    lan = "http://192.168.1.20:5000"
    ticket = workshop.tickets[0]
    assert qr_texts(office.get(f"/orders/{workshop.order.number}/ticket.pdf", base_url=OFFICE).data, tmp_path) == \
        {f"{lan}/o/{workshop.order.token}"}
    assert qr_texts(office.get(f"/tickets/{ticket.token}/label.pdf", base_url=OFFICE).data, tmp_path) == \
        {f"{lan}/t/{ticket.token}"}
    assert qr_texts(office.get(f"/tickets/{ticket.token}/label.png", base_url=OFFICE).data, tmp_path, png=True) == \
        {f"{lan}/t/{ticket.token}"}
    assert f"{lan}/w/{workshop.knitter.badge_token}" in qr_texts(
        office.get("/workers/badges.pdf", base_url=OFFICE).data, tmp_path)
    # Every print page says where the codes lead; the API hands out the same links.
    for url in ("/print", back, "/print/address"):
        assert text(one(soup(office.get(url, base_url=OFFICE)), ".print-address code")) == lan
    assert not soup(office.get("/print", base_url=OFFICE)).select(".print-address.warn")
    from factory.web.access import issue_api_token
    token = issue_api_token(session=fresh(session), user=owner)
    session.commit()
    answer = office.get("/api/workers", base_url=OFFICE, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    workers = answer.get_json()["workers"]
    assert all(w["badge_url"].startswith(lan + "/w/") for w in workers)


def csrf_of(page) -> str:
    return page.select_one("input[name=csrf_token]")["value"]


@pytest.mark.parametrize("typed,saved", [("192.168.1.20:5000", "http://192.168.1.20:5000"),
                                         ("https://tracker.lan/", "https://tracker.lan"),
                                         ("http://office-pc:8000", "http://office-pc:8000")])
def test_a_typed_address_is_saved_canonical(office, session, typed, saved):
    page = soup(office.get("/print/address", base_url=OFFICE))
    response = office.post("/print/address", base_url=OFFICE, data={"address": typed, "csrf_token": csrf_of(page)})
    assert response.status_code == 303
    assert text(one(soup(office.get("/print/address", base_url=OFFICE)), ".print-address code")) == saved


@pytest.mark.parametrize("typed", ["", "localhost:5000", "http://127.0.0.1:5000", "http://[::1]:5000",
                                   "ftp://192.168.1.20", "http://192.168.1.20:5000/print", "http://a b"])
def test_a_wrong_or_loopback_address_is_refused_by_field(office, session, typed):
    page = soup(office.get("/print/address", base_url=OFFICE))
    response = office.post("/print/address", base_url=OFFICE, data={"address": typed, "csrf_token": csrf_of(page)})
    assert response.status_code == 422
    assert one(soup(response), "[data-field=address]")
    from factory.data.app_settings import phone_address
    assert phone_address(session=fresh(session)) is None


def test_a_loopback_address_is_saved_when_the_owner_insists(office, session):
    page = soup(office.get("/print/address", base_url=OFFICE))
    response = office.post("/print/address", base_url=OFFICE,
                           data={"address": "localhost:5000", "insist": "1", "csrf_token": csrf_of(page)})
    assert response.status_code == 303
    from factory.data.app_settings import phone_address
    assert phone_address(session=fresh(session)) == "http://localhost:5000"


def test_base_url_wins_over_the_page(app, office, session, workshop, tmp_path):
    from factory.data.app_settings import set_phone_address
    set_phone_address(session=session, text="192.168.1.20:5000")
    session.commit()
    app.config["BASE_URL"] = "http://tracker.example:8000"
    page = soup(office.get("/print/address", base_url=OFFICE))
    assert text(one(page, ".print-address code")) == "http://tracker.example:8000"
    assert one(page, ".env-wins")
    assert qr_texts(office.get(f"/orders/{workshop.order.number}/ticket.pdf", base_url=OFFICE).data, tmp_path) == \
        {f"http://tracker.example:8000/o/{workshop.order.token}"}


def test_owner_in_the_browser_is_sent_to_choose_the_address_then_prints_inside_the_margins(
        app, live_server, desk_browser, owner, session, workshop, tmp_path):
    """The office PC at 127.0.0.1 (no BASE_URL): the print preview is refused with a way out; the owner
    types the phones' address, comes back to the preview, and its printout holds that address, with
    no ink where printers clip."""
    app.config["BASE_URL"] = None
    create_order(session=session, order_in=OrderIn(customer="满页", product="SCARF", quantity=24, bundle_size=1,
                                                       due=date.today() + timedelta(days=9)), number="SO26-0779")
    session.commit()
    page = desk_browser.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/orders/SO26-0779/print")
    assert "127.0.0.1" in page.locator(".address-refused").inner_text()
    page.click("a.button.primary")
    page.fill("#address", "192.168.1.20:5000")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server}/orders/SO26-0779/print")
    assert page.locator(".print-address code").inner_text() == "http://192.168.1.20:5000"
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    codes = qr_texts(pdf, tmp_path)
    order_tickets = [t for t in tickets_of(session, fresh(session).exec(
        select(Order).where(Order.number == "SO26-0779")).one())]
    assert {f"http://192.168.1.20:5000/t/{t.token}" for t in order_tickets} <= codes
    source = tmp_path / "preview.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(source), str(tmp_path / "v")], check=True)
    edge = int(INK_FREE_MM * 100 / 25.4)
    for image_path in sorted(tmp_path.glob("v-*.png")):
        ink = Image.open(image_path).point(lambda v: 255 if v < 200 else 0)
        ink.paste(0, (edge, edge, ink.size[0] - edge, ink.size[1] - edge))
        assert ink.getbbox() is None, f"ink near the edge at {ink.getbbox()} ({image_path.name})"
