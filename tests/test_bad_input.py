"""Specific bad input: huge bodies and files, broken files, out-of-range numbers and dates, and hostile
text (Unicode, HTML/JS, spreadsheet formulas) shown on every page, PDF and export that carries it."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import csrf_token, row_counts, worker_form

TEN_MB = 10 * 1024 * 1024
HOSTILE = ["😀🧶 ‮مرحبا‬ 𠀀𠀁", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil\",\"x\")"]
SCRIPT = "<script>alert(1)</script>"


def order_form(client, **values) -> dict:
    form = {"customer": "客户", "product": "SCARF", "quantity": "100", "due": (date.today() + timedelta(days=20))
            .isoformat(), "priority": "0", "bundle_size": "", "notes": "", "csrf_token": csrf_token(client, "/orders/new")}
    form.update(values)
    return form


# --- sizes --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/scans", "/api/orders"])
def test_ten_megabyte_json_body_is_413_json_and_stores_nothing(app, workshop, client, api_headers, path):
    counts = row_counts(app)
    before = counts()
    body = json.dumps({"customer": "x" * TEN_MB, "product": "SCARF", "quantity": 1, "due": "2030-01-01"})
    response = client.post(path, data=body, content_type="application/json", headers=api_headers)
    assert response.status_code == 413
    assert response.is_json and response.get_json()["status"] == 413 and response.get_json()["error"]
    assert counts() == before


def test_max_content_length_comes_from_the_environment():
    from factory.config import settings_from_env
    assert settings_from_env({})["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    assert settings_from_env({"MAX_CONTENT_LENGTH": "1000"})["MAX_CONTENT_LENGTH"] == 1000


def test_oversized_photo_upload_gets_a_chinese_error_page_and_saves_nothing(app, workshop, owner_client, session):
    form = {"name": "新名字", "csrf_token": csrf_token(owner_client, "/products/SCARF")}
    response = owner_client.post("/products/SCARF", data={**form, "photo": (io.BytesIO(b"\xff" * TEN_MB), "big.jpg")},
                                 content_type="multipart/form-data")
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True) or "太大" in response.get_data(as_text=True)
    # Below the request limit but above the photo limit: the field says so.
    response = owner_client.post("/products/SCARF", data={**form, "photo": (io.BytesIO(b"\xff" * (7 * 2 ** 20)),
                                                                             "big.jpg")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422 and "MB" in response.get_data(as_text=True)
    session.expire_all()
    session.refresh(workshop.product)
    assert workshop.product.photo is None and workshop.product.name == "测试围巾"


def import_file(client, name: str, data: bytes):
    return client.post("/orders/import", data={"file": (io.BytesIO(data), name),
                                               "csrf_token": csrf_token(client, "/orders/import")},
                       content_type="multipart/form-data")


def test_oversized_order_import_file_is_refused_in_chinese(app, workshop, owner_client):
    counts = row_counts(app)
    before = counts()
    response = import_file(owner_client, "orders.csv", b"a,b\n" * (TEN_MB // 4))
    assert response.status_code == 413 and "太大" in response.get_data(as_text=True)
    response = import_file(owner_client, "orders.csv", b"a,b\n" * (3 * 2 ** 20 // 4))
    assert response.status_code == 422
    assert "orders.csv" in response.get_data(as_text=True) and "MB" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize("name,data", [("broken.xlsx", bytes(range(256)) * 20), ("empty.csv", b"")])
def test_broken_or_empty_import_file_names_the_file(app, workshop, owner_client, name, data):
    counts = row_counts(app)
    before = counts()
    response = import_file(owner_client, name, data)
    assert response.status_code == 422
    assert name in response.get_data(as_text=True)
    assert counts() == before


# --- numbers and dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity,accepted", [(1_000_000, True), (10 ** 12, False)])
def test_huge_quantities_on_order_create(app, workshop, owner_client, client, api_headers, quantity, accepted):
    counts = row_counts(app)
    before = counts()
    # A million pieces cannot be made by the form's due date: saving it is the owner's explicit choice.
    page = owner_client.post("/orders/new", data=order_form(owner_client, quantity=str(quantity), save_anyway="1"))
    api = client.post("/api/orders", json={"customer": "c", "product": "SCARF", "quantity": quantity,
                                           "due": "2030-01-01"}, headers=api_headers)
    if accepted:
        assert page.status_code == 302 and api.status_code == 201
        assert api.get_json()["quantity"] == quantity
    else:
        assert page.status_code == 422 and 'id="quantity-error"' in page.get_data(as_text=True)
        assert api.status_code == 422 and "quantity" in api.get_json()["errors"]
        assert counts() == before


def test_a_million_one_piece_bundles_is_a_field_error(app, workshop, owner_client, client, api_headers):
    counts = row_counts(app)
    before = counts()
    page = owner_client.post("/orders/new", data=order_form(owner_client, quantity="1000000", bundle_size="1"))
    assert page.status_code == 422 and "1000" in page.get_data(as_text=True)
    api = client.post("/api/orders", json={"customer": "c", "product": "SCARF", "quantity": 1_000_000,
                                           "bundle_size": 1, "due": "2030-01-01"}, headers=api_headers)
    assert api.status_code == 422 and "bundle_size" in api.get_json()["errors"]
    assert counts() == before


@pytest.mark.parametrize("due", ["1900-01-01", "9999-12-31"])
def test_far_due_dates_are_field_errors(app, workshop, owner_client, client, api_headers, due):
    counts = row_counts(app)
    before = counts()
    page = owner_client.post("/orders/new", data=order_form(owner_client, due=due))
    assert page.status_code == 422 and 'id="due-error"' in page.get_data(as_text=True)
    api = client.post("/api/orders", json={"customer": "c", "product": "SCARF", "quantity": 5, "due": due},
                      headers=api_headers)
    assert api.status_code == 422 and "due" in api.get_json()["errors"]
    assert client.post("/api/orders/assess", json={"product": "SCARF", "quantity": 5, "due": due},
                       headers=api_headers).status_code == 422
    assert counts() == before


def test_nul_characters_are_refused_not_a_database_error(app, workshop, owner_client, client, api_headers):
    """PostgreSQL cannot store NUL in text: it must be a field error there and on SQLite alike."""
    counts = row_counts(app)
    before = counts()
    page = owner_client.post("/orders/new", data=order_form(owner_client, customer="a\x00b"))
    assert page.status_code == 422
    api = client.post("/api/orders", json={"customer": "a\x00b", "product": "SCARF", "quantity": 5,
                                           "due": "2030-01-01"}, headers=api_headers)
    assert api.status_code == 422 and "customer" in api.get_json()["errors"]
    assert counts() == before


# --- hostile text everywhere it is shown ----------------------------------------------------------------------

@pytest.fixture
def hostile(app, workshop, session, owner_client):
    """A product, an order and a worker whose names are hostile text, with one scan logged."""
    from factory.data.models import Worker, WorkerWorkCenter
    product_name, customer, worker_name = HOSTILE[0] + SCRIPT, SCRIPT + HOSTILE[2], HOSTILE[0] + SCRIPT
    form = {"name": product_name, "csrf_token": csrf_token(owner_client, "/products/SCARF")}
    assert owner_client.post("/products/SCARF", data=form).status_code == 302
    response = owner_client.post("/orders/new", data=order_form(owner_client, customer=customer, bundle_size="50"))
    assert response.status_code == 302, response.get_data(as_text=True)
    number = response.headers["Location"].rsplit("/", 1)[1]
    worker = Worker(code="W9", name=worker_name)
    session.add(worker)
    session.flush()
    session.add(WorkerWorkCenter(worker_id=worker.id, work_center_id=workshop.knitting.id))
    session.commit()
    from factory.data.orders import order_by_number
    from tests.workshop_data import order_tickets
    order = order_by_number(session=session, number=number)
    ticket = sorted(order_tickets(session, order), key=lambda t: t.bundle_no)[0]
    phone = app.test_client()
    phone.get(f"/w/{worker.badge_token}")
    logged = phone.post(f"/t/{ticket.token}/scans", data={"id": "hostile-scan-1", "operation": "knitting",
                                                          "good": "3", "confirm": "1",
                                                          **worker_form(phone, f"/t/{ticket.token}")})
    assert logged.status_code in (302, 303), logged.get_data(as_text=True)
    session.rollback()  # end this session's read snapshot: the scan was written by another connection
    return {"number": number, "ticket": ticket.token, "phone": phone, "product": product_name,
            "customer": customer, "worker": worker_name}


def assert_escaped(html: str, *texts: str) -> None:
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for text in texts:
        assert text.replace(SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;").replace('"', "&#34;") in html


def test_hostile_names_are_escaped_on_every_page(hostile, owner_client):
    assert_escaped(owner_client.get("/").get_data(as_text=True), hostile["customer"])
    assert_escaped(owner_client.get(f"/orders/{hostile['number']}").get_data(as_text=True),
                   hostile["customer"], hostile["product"])
    assert_escaped(hostile["phone"].get(f"/t/{hostile['ticket']}").get_data(as_text=True), hostile["product"])
    assert_escaped(hostile["phone"].get("/me").get_data(as_text=True), hostile["worker"])


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("kind", ["ticket.pdf", "labels.pdf"])
def test_hostile_names_are_literal_text_in_pdfs(hostile, owner_client, kind):
    response = owner_client.get(f"/orders/{hostile['number']}/{kind}")
    assert response.status_code == 200
    text = "".join(pdf_text(response.data).split())
    # Labels shorten long names with an ellipsis; the text that is there is literal.
    assert (SCRIPT if kind == "ticket.pdf" else "<script>alert(1)") in text


def cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for row in book.active.iter_rows() for cell in row]


def test_hostile_names_are_literal_text_in_exports_never_formulas(hostile, owner_client):
    orders = cells(owner_client.get("/orders/export.xlsx").data)
    assert any(c.value == hostile["customer"] for c in orders)
    payroll = cells(owner_client.get("/reports/payroll.xlsx").data)
    assert any(c.value == hostile["worker"] for c in payroll)
    for cell in orders + payroll:
        assert cell.data_type != "f", cell.value


def test_cells_starting_like_a_formula_get_a_quote(app, workshop, owner_client):
    for i, customer in enumerate(["=1+1", "+1", "-1", "@SUM(A1)"]):
        owner_client.post("/orders/new", data=order_form(owner_client, customer=customer))
    values = {c.value for c in cells(owner_client.get("/orders/export.xlsx").data)}
    assert {"'=1+1", "'+1", "'-1", "'@SUM(A1)"} <= values
    assert not {c for c in cells(owner_client.get("/orders/export.xlsx").data) if c.data_type == "f"}


def test_api_returns_hostile_text_unchanged(hostile, client, api_headers):
    order = client.get(f"/api/orders/{hostile['number']}", headers=api_headers).get_json()
    assert order["customer"] == hostile["customer"] and order["product_name"] == hostile["product"]
