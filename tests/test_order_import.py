"""Importing orders from .xlsx and .csv: every bad row named before anything is saved."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from factory.data.models import Order, Ticket
from factory.domain.refusal import Refused
from factory.files.order_import import parse_rows, read_table
from tests.conftest import csrf_token, fresh, soup

HEADER = ["客户", "产品", "数量", "交期", "优先级", "每扎件数", "颜色", "尺码", "备注"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_parse_english_headers_and_words():
    table = [["customer", "product", "quantity", "due", "priority", "bundle_size"],
             ["A", "SCARF", "120", "2026-06-01", "rush", "50"], ["", "", "", "", "", ""]]
    [row] = parse_rows(table, {"SCARF"})
    assert row.line == 2 and row.errors == {}
    assert (row.order_in.quantity, row.order_in.priority, row.order_in.bundle_size) == (120, 2, 50)


def test_each_bad_field_is_named_with_its_row():
    table = [HEADER, ["A", "SCARF", "0", "2026-06-01"], ["B", "NOPE", "10", "明天"], ["", "SCARF", "5", "2026-06-01", "9"]]
    rows = parse_rows(table, {"SCARF"})
    assert [(r.line, sorted(r.errors)) for r in rows] == [(2, ["quantity"]), (3, ["due", "product"]),
                                                          (4, ["customer", "priority"])]
    assert all(r.order_in is None for r in rows)


def test_missing_columns_and_bad_files():
    with pytest.raises(Refused) as refused:
        parse_rows([["客户", "产品", "数量"], ["A", "SCARF", "1"]], {"SCARF"})
    assert refused.value.refusal.code == "missing_columns" and refused.value.refusal.field == "file"
    assert refused.value.refusal.numbers["columns"] in ("交期", "Due date")
    for name, data in (("orders.xlsx", b"PK\x03\x04 broken zip"), ("orders.pdf", b"%PDF"), ("a.csv", b""),
                       ("a.csv", b"\xff\xfe\x00\xd8" * 10)):
        with pytest.raises(Refused):
            rows = read_table(name, data)
            parse_rows(rows, set())


def test_gbk_csv_from_chinese_excel():
    data = ("客户,产品,数量,交期\n杭州球迷之家,SCARF,300,2026-06-01\n").encode("gb18030")
    [row] = parse_rows(read_table("orders.csv", data), {"SCARF"})
    assert row.order_in.customer == "杭州球迷之家"


def upload(client, name, data):
    return client.post("/orders/import", data={"file": (io.BytesIO(data), name),
                                               "csrf_token": csrf_token(client, "/orders/import")},
                       content_type="multipart/form-data")


def order_count(session) -> int:
    return fresh(session).exec(select(func.count()).select_from(Order)).one()


def test_preview_then_confirm_saves_all_orders(owner_client, session, workshop):
    data = xlsx([HEADER, ["义乌恒达", "SCARF", 120, "2026-06-01", 1, 50, "红", "", "加急"],
                 ["温州星光", "SCARF", 60, "2026-06-10"]])
    response = upload(owner_client, "orders.xlsx", data)
    assert response.status_code == 200
    page = soup(response)
    assert len(page.select("table.import-preview tr.good")) == 2 and order_count(session) == 1
    token = page.select_one("input[name=token]")["value"]
    confirm = owner_client.post("/orders/import/confirm", data={"token": token, "csrf_token": csrf_token(owner_client)})
    assert confirm.status_code == 302
    orders = fresh(session).exec(select(Order).order_by(Order.id)).all()
    assert [(o.customer, o.quantity, o.priority) for o in orders[1:]] == [("义乌恒达", 120, 1), ("温州星光", 60, 0)]
    tickets = session.exec(select(Ticket).where(Ticket.order_id == orders[1].id)).all()
    assert sorted(t.quantity for t in tickets) == [20, 50, 50] and {t.color for t in tickets} == {"红"}
    again = owner_client.post("/orders/import/confirm", data={"token": token, "csrf_token": csrf_token(owner_client)})
    # Sent again (a double click, the back button): the first result, nothing created twice.
    assert again.status_code == 302 and order_count(session) == 3


def test_a_bad_row_is_shown_and_nothing_is_offered_or_saved(owner_client, session, workshop):
    data = (b"customer,product,quantity,due\nA,SCARF,10,2026-06-01\nB,SCARF,lots,2026-06-01\n")
    response = upload(owner_client, "orders.csv", data)
    assert response.status_code == 422
    page = soup(response)
    bad = page.select_one('tr.bad[data-row="3"]')
    assert bad is not None and "3" in bad.select_one(".field-error").get_text()
    assert page.select_one("input[name=token]") is None and order_count(session) == 1


def test_tampered_token_is_refused(owner_client, session, workshop):
    data = (b"customer,product,quantity,due\nA,SCARF,10,2026-06-01\n")
    token = soup(upload(owner_client, "orders.csv", data)).select_one("input[name=token]")["value"]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = owner_client.post("/orders/import/confirm", data={"token": forged, "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 422 and order_count(session) == 1


def test_broken_and_oversized_uploads_get_a_clear_error(owner_client, session, workshop):
    response = upload(owner_client, "orders.xlsx", b"PK\x03\x04garbage")
    assert response.status_code == 422 and soup(response).select_one("#import-problem")
    response = upload(owner_client, "orders.csv", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 422 and "2 MB" in soup(response).select_one("#import-problem").get_text()
    response = owner_client.post("/orders/import", data={"csrf_token": csrf_token(owner_client)})
    assert response.status_code == 422
    assert order_count(session) == 1
