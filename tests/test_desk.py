"""The owner's desk: the board and its badge, orders (form, edit, status moves, search, export),
the orders API, products and routes, work centers and the calendar."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import event, func
from sqlmodel import select

from factory.data.board import OrderLoad, add_workdays, badge, estimated_completions, remaining_pieces
from factory.data.models import Holiday, Operation, Order, Product, WorkCenter, Workday
from factory.data.order_edits import TRANSITIONS, can_edit, can_move
from factory.data.pay import rate_today
from factory.domain.progress import Count
from tests.conftest import add_scan, csrf_token, fresh, soup, tickets_of

# --- pure rules ---------------------------------------------------------------------------------

MON = date(2026, 6, 1)  # a Monday


def test_add_workdays_skips_sundays_and_holidays():
    workdays = set(range(6))
    assert add_workdays(MON, 0, workdays, set()) == MON
    assert add_workdays(MON, 1, workdays, set()) == MON
    assert add_workdays(MON, 6.5, workdays, set()) == MON + timedelta(days=7)  # Sunday skipped
    assert add_workdays(MON, 2, workdays, {MON + timedelta(days=1)}) == MON + timedelta(days=2)
    assert add_workdays(MON, 2, set(), set()) is None


def test_planned_completion_queues_earliest_due_first():
    # One work center doing 480 standard minutes a day; two orders of one day's work each.
    early = OrderLoad(1, MON + timedelta(days=3), 0, {7: 480})
    late = OrderLoad(2, MON + timedelta(days=1), 0, {7: 480})
    planned = estimated_completions([early, late], {7: 480}, set(range(6)), set(), MON)
    assert planned == {2: MON, 1: MON + timedelta(days=1)}
    assert estimated_completions([early], {}, set(range(6)), set(), MON) == {1: None}


def test_badge_from_planned_date():
    due = MON + timedelta(days=10)
    assert badge(due=due, planned=MON + timedelta(days=2), finished=False, today=MON) == "on_track"
    assert badge(due=due, planned=due - timedelta(days=1), finished=False, today=MON) == "at_risk"
    assert badge(due=due, planned=due + timedelta(days=1), finished=False, today=MON) == "late"
    assert badge(due=MON - timedelta(days=1), planned=MON, finished=False, today=MON) == "late"
    assert badge(due=MON - timedelta(days=1), planned=None, finished=True, today=MON) == "done"
    assert badge(due=due, planned=None, finished=False, today=MON) == "at_risk"


def test_remaining_pieces_loses_defects_downstream():
    assert remaining_pieces(100, [Count(90, 10), Count(50, 0)]) == [0, 40]


def test_status_moves_table():
    assert can_move("draft", "accepted") and can_move("in_production", "shipped")
    assert not can_move("shipped", "cancelled") and not can_move("cancelled", "accepted")
    assert not can_move("accepted", "draft")
    assert TRANSITIONS["shipped"] == frozenset() and TRANSITIONS["cancelled"] == frozenset()
    assert can_edit("accepted", False) and not can_edit("accepted", True) and not can_edit("in_production", False)


# --- the board ----------------------------------------------------------------------------------

def test_board_shows_progress_badge_and_last_scan(owner_client, session, workshop):
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 30, 2)
    page = soup(owner_client.get("/"))
    row = page.select_one(f"#order-{workshop.order.id}")
    assert row is not None and workshop.order.number in row.get_text()
    numbers = {li["data-operation"]: li.get_text() for li in row.select(".step-num")}
    assert numbers == {"knitting": "30", "linking": "0", "packing": "0"}
    assert "badge-on_track" in row["class"] and row.select_one(".badge.ok") is not None
    assert "–" not in row.select_one(".last-scan time").get_text()


def test_board_fragment_for_htmx_polls_itself(owner_client, workshop):
    response = owner_client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.find("html") is None
    board = page.select_one("#board")
    assert board["hx-trigger"] == "every 2s" and board["hx-get"] == "/"


def test_board_marks_late_orders(owner_client, session, workshop):
    workshop.order.due = date.today() - timedelta(days=1)
    session.add(workshop.order)
    session.commit()
    row = soup(owner_client.get("/")).select_one(f"#order-{workshop.order.id}")
    assert "badge-late" in row["class"]


def test_board_numbers_in_chinese_and_english(owner_client, session, workshop):
    create_api_order(owner_client, session, quantity=12000)
    assert "12,000" in owner_client.get("/").get_data(as_text=True)
    owner_client.get("/lang/en")
    assert "Production board" in owner_client.get("/").get_data(as_text=True)


def create_api_order(client, session, **overrides):
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    data = {"customer": "大客户", "product": "SCARF", "quantity": 300, "due": date.today() + timedelta(days=20)}
    data.update(overrides)
    order = create_order(session=session, order_in=OrderIn(**data))
    session.commit()
    return order


def count_queries(app, fn) -> int:
    seen = []
    engine = app.extensions["engine"]

    def before(conn, cursor, statement, *args):
        if not statement.startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_board_queries_do_not_grow_with_orders_or_scans(app, owner_client, session, workshop):
    from factory.data import measured

    def board_queries() -> int:
        # Measured samples are remembered per database URL and last scan; on PostgreSQL a test
        # database reuses its URL, so forget them: count the board as it is read the first time.
        measured._SAMPLES.clear()
        return count_queries(app, lambda: owner_client.get("/"))
    small = board_queries()
    for _ in range(5):
        order = create_api_order(owner_client, session, quantity=200)
        for ticket in tickets_of(session, order)[:3]:
            add_scan(session, ticket, workshop.operations[0], workshop.knitter, 5)
            add_scan(session, ticket, workshop.operations[1], workshop.linker, 3)
    assert board_queries() == small


# --- orders -------------------------------------------------------------------------------------

def order_form(client, **fields):
    data = {"customer": "杭州球迷之家", "product": "SCARF", "quantity": "120", "due": (date.today() + timedelta(days=12)).isoformat(),
            "priority": "1", "bundle_size": "50", "notes": "", "color": ["红", "黄", ""], "size": ["", "", ""],
            "line_quantity": ["70", "50", ""], "csrf_token": csrf_token(client, "/orders/new")}
    data.update(fields)
    return data


def test_create_order_from_the_form_splits_tickets(owner_client, session, workshop):
    response = owner_client.post("/orders/new", data=order_form(owner_client))
    assert response.status_code == 302
    order = fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).one()
    assert response.headers["Location"] == f"/orders/{order.number}"
    assert order.status == "accepted" and order.priority == 1
    assert [(t.color, t.quantity) for t in tickets_of(session, order)] == [("红", 50), ("红", 20), ("黄", 50)]
    page = soup(owner_client.get(f"/orders/{order.number}"))
    assert len(page.select("table.tickets tbody tr")) == 3
    assert page.select_one(f'a[href="/orders/{order.number}/ticket.pdf"]') is not None
    assert page.select_one(f'a[href="/orders/{order.number}/labels.pdf?preset=a4-3x8"]') is not None


def test_bad_order_form_names_fields_and_saves_nothing(owner_client, session, workshop):
    before = session.exec(select(func.count()).select_from(Order)).one()
    response = owner_client.post("/orders/new", data=order_form(owner_client, customer="", quantity="-3",
                                                                due="2026-13-40", line_quantity=["1", "1", ""]))
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#customer-error") and page.select_one("#quantity-error") and page.select_one("#due-error")
    assert page.select_one("#customer")["aria-invalid"] == "true"
    assert fresh(session).exec(select(func.count()).select_from(Order)).one() == before
    response = owner_client.post("/orders/new", data=order_form(owner_client, line_quantity=["1", "1", ""]))
    assert response.status_code == 422
    assert "120" in soup(response).select_one("fieldset.lines .field-error").get_text()


def test_save_as_draft_then_accept(owner_client, session, workshop):
    owner_client.post("/orders/new", data=order_form(owner_client, draft="1"))
    order = fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).one()
    assert order.status == "draft" and order.accepted_at is None
    response = owner_client.post(f"/orders/{order.number}/status",
                                 data={"status": "accepted", "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 302
    fresh(session).refresh(order)
    assert order.status == "accepted" and order.accepted_at is not None


def test_refused_status_move_changes_nothing(owner_client, session, workshop):
    order = workshop.order
    token = csrf_token(owner_client)
    assert owner_client.post(f"/orders/{order.number}/status", data={"status": "shipped", "csrf_token": token}).status_code == 302
    response = owner_client.post(f"/orders/{order.number}/status", data={"status": "cancelled", "csrf_token": token})
    assert response.status_code == 409
    fresh(session).refresh(order)
    assert order.status == "shipped" and order.shipped_at is not None


def test_edit_before_work_starts_resplits_tickets(owner_client, session, workshop):
    order = workshop.order
    data = order_form(owner_client, quantity="90", bundle_size="30", color=["", "", ""], line_quantity=["", "", ""],
                      customer="改过的客户")
    response = owner_client.post(f"/orders/{order.number}/edit", data=data)
    assert response.status_code == 302
    fresh(session).refresh(order)
    assert (order.customer, order.quantity) == ("改过的客户", 90)
    assert [t.quantity for t in tickets_of(session, order)] == [30, 30, 30]


def test_edit_refused_once_a_piece_is_logged(owner_client, session, workshop):
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 1)
    assert owner_client.get(f"/orders/{workshop.order.number}/edit").status_code == 409
    response = owner_client.post(f"/orders/{workshop.order.number}/edit", data=order_form(owner_client, quantity="90"))
    assert response.status_code == 409
    assert len(tickets_of(session, workshop.order)) == 3
    assert soup(owner_client.get(f"/orders/{workshop.order.number}")).find("a", string="编辑") is None


def test_orders_search_by_status_customer_and_due(owner_client, session, workshop):
    create_api_order(owner_client, session, customer="宁波海外商贸", due=date(2026, 3, 1))
    def numbers(query):
        return [a.get_text() for a in soup(owner_client.get("/orders" + query)).select("table.orders tbody a")]
    assert len(numbers("")) == 2
    assert numbers("?q=宁波") == numbers("?due_to=2026-03-01") != numbers("?q=测试客户")
    assert numbers("?status=shipped") == []
    assert numbers("?due_from=2026-03-02&q=宁波") == []
    response = owner_client.get("/orders?due_from=yesterday")
    assert response.status_code == 422 and soup(response).select_one('[data-field="due_from"]')
    fragment = owner_client.get("/orders?q=宁波", headers={"HX-Request": "true"})
    assert soup(fragment).find("html") is None and "宁波海外商贸" in fragment.get_data(as_text=True)


def test_order_page_shows_timeline_and_defects(owner_client, session, workshop):
    add_scan(session, workshop.tickets[1], workshop.operations[0], workshop.knitter, 38, 2,
             at=datetime(2026, 5, 4, 1, 30, tzinfo=UTC))
    page = soup(owner_client.get(f"/orders/{workshop.order.number}"))
    timeline = page.select("ul.timeline")
    assert "05-04 09:30" in timeline[0].get_text() and "王秀英" in timeline[1].get_text()  # Shanghai time
    assert "#2" in timeline[1].get_text()


def test_orders_export_is_a_workbook(owner_client, session, workshop):
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 10)
    response = owner_client.get("/orders/export.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == workshop.order.number and rows[1][3] == 100 and "织片 10/100" in rows[1][8]


# --- API ----------------------------------------------------------------------------------------

def test_api_creates_an_accepted_order(client, session, workshop, api_headers):
    body = {"customer": "API客户", "product": "SCARF", "quantity": 300, "due": "2026-12-01", "bundle_size": 50}
    response = client.post("/api/orders", json=body, headers=api_headers)
    assert response.status_code == 201
    created = response.get_json()
    assert created == client.get(f"/api/orders/{created['number']}", headers=api_headers).get_json()
    assert created["status"] == "accepted" and len(created["tickets"]) == 6


def test_api_order_errors_name_fields_and_save_nothing(client, session, workshop, api_headers):
    response = client.post("/api/orders", json={"customer": "", "product": "NOPE", "quantity": 0, "due": "soon"},
                           headers=api_headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"customer", "quantity", "due"}
    response = client.post("/api/orders", json={"customer": "x", "product": "NOPE", "quantity": 5, "due": "2026-12-01"},
                           headers=api_headers)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"product"}
    assert fresh(session).exec(select(func.count()).select_from(Order)).one() == 1
    assert client.post("/api/orders", json={}, headers={}).status_code == 401


def test_api_lists_products_with_routes(client, workshop, api_headers):
    products = client.get("/api/products", headers=api_headers).get_json()["products"]
    assert products[0]["code"] == "SCARF"
    assert [(op["code"], op["work_center"]) for op in products[0]["route"]] == [
        ("knitting", "knitting"), ("linking", "linking"), ("packing", "packing")]
    assert products[0]["route"][0]["piece_rate"] == "1.500"


# --- products and routes -------------------------------------------------------------------------

def photo_bytes(size=(2400, 1600), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def product_form(client, **fields):
    data = {"name": "测试围巾", "yarn": "腈纶", "colors": "红", "stitch": "双面提花", "size": "25×160",
            "notes": "流苏两端各 10 cm", "csrf_token": csrf_token(client, "/products")}
    data.update(fields)
    return data


def test_product_notes_and_photo(owner_client, worker_client, client, session, workshop):
    data = product_form(owner_client, photo=(io.BytesIO(photo_bytes()), "scarf.jpg"))
    response = owner_client.post("/products/SCARF", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    fresh(session).refresh(workshop.product)
    assert workshop.product.notes == "流苏两端各 10 cm" and workshop.product.photo_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(workshop.product.photo)).size) == 1200
    assert owner_client.get("/products/SCARF/photo").status_code == 200
    assert worker_client.get("/products/SCARF/photo").status_code == 200
    assert client.get("/products/SCARF/photo").status_code == 401


def test_fake_photo_is_refused_and_nothing_changes(owner_client, session, workshop):
    data = product_form(owner_client, notes="新的", photo=(io.BytesIO(b"not an image at all"), "x.jpg"))
    response = owner_client.post("/products/SCARF", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "JPEG" in soup(response).select_one(".photo-field .field-error").get_text()
    fresh(session).refresh(workshop.product)
    assert workshop.product.photo is None and workshop.product.notes == ""


def workshop_today_in_tests():
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def route_form(client, rows):
    fields = ("code", "name", "work_center", "minutes_per_piece", "setup_minutes", "piece_rate")
    data = {f: [str(r[i]) for r in rows] for i, f in enumerate(fields)}
    data["csrf_token"] = csrf_token(client, "/products")
    return data


def test_route_edit_reorders_adds_and_keeps_ids(owner_client, session, workshop):
    k, l, p = workshop.operations
    rows = [("knitting", "织片", workshop.knitting.id, 7, 30, "1.8"), ("washing", "洗水", workshop.packing.id, 0.5, 30, "0.1"),
            ("linking", "套口", workshop.linking.id, 3, 15, "0.6"), ("packing", "包装", workshop.packing.id, 0.5, 10, "0.1")]
    assert owner_client.post("/products/SCARF/route", data=route_form(owner_client, rows)).status_code == 302
    ops = fresh(session).exec(select(Operation).where(Operation.product_id == workshop.product.id)
                       .order_by(Operation.position)).all()
    assert [o.code for o in ops] == ["knitting", "washing", "linking", "packing"]
    assert ops[0].id == k.id and ops[0].minutes_per_piece == 7
    # A changed rate is a dated rate from today (the route form's default), the old one kept before it.
    assert rate_today(session=session, operation=ops[0], today=workshop_today_in_tests()) == Decimal("1.800")


def test_route_edit_refuses_bad_rows_and_removing_scanned_operations(owner_client, session, workshop):
    add_scan(session, workshop.tickets[0], workshop.operations[2], workshop.packer, 1)
    rows = [("knitting", "织片", workshop.knitting.id, -1, 30, "1.5")]
    response = owner_client.post("/products/SCARF/route", data=route_form(owner_client, rows))
    assert response.status_code == 422
    rows = [("knitting", "织片", workshop.knitting.id, 6, 30, "1.5"), ("linking", "套口", workshop.linking.id, 3, 15, "0.6")]
    response = owner_client.post("/products/SCARF/route", data=route_form(owner_client, rows))
    assert response.status_code == 422 and "packing" in response.get_data(as_text=True)
    assert len(fresh(session).exec(select(Operation).where(Operation.product_id == workshop.product.id)).all()) == 3


def test_new_product(owner_client, session, workshop):
    token = csrf_token(owner_client, "/products")
    assert owner_client.post("/products", data={"code": "HT-1", "name": "帽子", "csrf_token": token}).status_code == 302
    assert owner_client.post("/products", data={"code": "HT-1", "name": "帽子", "csrf_token": token}).status_code == 422
    assert owner_client.post("/products", data={"code": "坏 code", "name": "", "csrf_token": token}).status_code == 422
    assert len(fresh(session).exec(select(Product)).all()) == 2


# --- work centers and calendar -------------------------------------------------------------------

def test_work_center_edit_add_and_errors(owner_client, session, workshop):
    token = csrf_token(owner_client, "/settings")
    fields = {"code": "knitting", "name": "织片", "units": "6", "hours_per_day": "10", "efficiency": "0.9",
              "overtime_hours_per_day": "2", "csrf_token": token}
    assert owner_client.post(f"/settings/work-centers/{workshop.knitting.id}", data=fields).status_code == 302
    fresh(session).refresh(workshop.knitting)
    assert workshop.knitting.units == 6 and workshop.knitting.hours_per_day == 10
    response = owner_client.post(f"/settings/work-centers/{workshop.knitting.id}", data={**fields, "units": "0", "efficiency": "5"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(f'tr[data-center="{workshop.knitting.id}"] input[name=units]')["aria-invalid"] == "true"
    new = {**fields, "code": "washing", "name": "洗水", "units": "2"}
    assert owner_client.post("/settings/work-centers", data=new).status_code == 302
    assert owner_client.post("/settings/work-centers", data=new).status_code == 422  # code taken
    assert len(fresh(session).exec(select(WorkCenter)).all()) == 4


def test_calendar_workdays_and_holidays(owner_client, session, workshop):
    token = csrf_token(owner_client, "/settings")
    owner_client.post("/settings/workdays", data={"weekday": ["0", "1", "2", "3", "4"], "csrf_token": token})
    assert set(fresh(session).exec(select(Workday.weekday)).all()) == {0, 1, 2, 3, 4}
    assert owner_client.post("/settings/holidays", data={"day": "2026-10-01", "name": "国庆节", "csrf_token": token}).status_code == 302
    assert owner_client.post("/settings/holidays", data={"day": "someday", "csrf_token": token}).status_code == 422
    assert [h.name for h in fresh(session).exec(select(Holiday)).all()] == ["国庆节"]
    assert "国庆节" in owner_client.get("/settings").get_data(as_text=True)
    owner_client.post("/settings/holidays/2026-10-01/delete", data={"csrf_token": token})
    assert fresh(session).exec(select(Holiday)).all() == []


def test_a_run_of_holidays_is_added_in_one_go(owner_client, session, workshop):
    """Spring Festival is about 15 days off: one form, not fifteen."""
    token = csrf_token(owner_client, "/settings")
    response = owner_client.post("/settings/holidays", data={
        "day": "2027-02-05", "last": "2027-02-19", "name": "春节", "csrf_token": token}, follow_redirects=True)
    days = fresh(session).exec(select(Holiday).order_by(Holiday.day)).all()
    assert [(h.day, h.name) for h in days] == [(date(2027, 2, 5) + timedelta(days=i), "春节") for i in range(15)]
    assert "15" in soup(response).select_one(".flash").get_text()
    backwards = owner_client.post("/settings/holidays", data={
        "day": "2027-03-05", "last": "2027-03-01", "name": "x", "csrf_token": token})
    assert backwards.status_code == 422 and soup(backwards).select_one('[data-field="holiday_last"]')
    too_long = owner_client.post("/settings/holidays", data={
        "day": "2027-03-01", "last": "2027-12-31", "name": "x", "csrf_token": token})
    assert too_long.status_code == 422
    assert len(fresh(session).exec(select(Holiday)).all()) == 15


def test_add_a_line_gives_the_order_form_one_more_row_and_saves_nothing(owner_client, session, workshop):
    rows = ["红", "黄", "蓝", "绿"]
    data = order_form(owner_client, color=rows, size=["S", "M", "L", "XL"], line_quantity=["30", "30", "30", "30"],
                      add_line="1")
    page = soup(owner_client.post("/orders/new", data=data))
    assert [i["value"] for i in page.select("input[name=color]")] == rows + [""]
    assert fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).first() is None
    data = order_form(owner_client, color=rows + [""], size=["S", "M", "L", "XL", ""],
                      line_quantity=["30", "30", "30", "30", ""])
    assert owner_client.post("/orders/new", data=data).status_code == 302
    assert fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).one().quantity == 120


def test_an_order_that_cannot_be_made_in_time_is_not_saved_without_a_word(owner_client, session, workshop):
    """The verdict of "can we take it?" on the order form: a late order needs "save anyway"."""
    soon = (date.today() + timedelta(days=2)).isoformat()
    data = order_form(owner_client, quantity="5000", due=soon, color=["", "", ""], line_quantity=["", "", ""],
                      bundle_size="")
    response = owner_client.post("/orders/new", data=data)
    assert response.status_code == 409
    page = soup(response)
    assert "做不完" in page.select_one("#order-verdict").get_text()
    assert page.select_one("#order-verdict button[name=save_anyway]") is not None
    assert page.select_one("input[name=due]")["value"] == soon  # the form keeps what was typed
    assert fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).first() is None
    data["once"] = page.select_one("input[name=once]")["value"]
    assert owner_client.post("/orders/new", data={**data, "save_anyway": "1"}).status_code == 302
    assert fresh(session).exec(select(Order).where(Order.customer == "杭州球迷之家")).one().quantity == 5000
    # A draft is not a promise: it is saved without the question.
    assert owner_client.post("/orders/new", data=order_form(
        owner_client, quantity="5000", due=soon, customer="草稿客户", color=["", "", ""],
        line_quantity=["", "", ""], draft="1")).status_code == 302


def test_the_order_form_shows_the_verdict_as_it_is_filled_in(owner_client, workshop):
    order = workshop.order
    edit = soup(owner_client.get(f"/orders/{order.number}/edit"))
    assert edit.select_one("#order-verdict")["hx-get"] == f"/orders/verdict?number={order.number}"
    soon = (date.today() + timedelta(days=2)).isoformat()
    fragment = owner_client.get(f"/orders/verdict?product=SCARF&quantity=5000&due={soon}",
                                headers={"HX-Request": "true"})
    assert soup(fragment).find("html") is None and "做不完" in soup(fragment).get_text()
    # Editing an order that fits keeps fitting: its own load is not counted twice.
    later = (date.today() + timedelta(days=60)).isoformat()
    fits = soup(owner_client.get(f"/orders/verdict?product=SCARF&quantity={order.quantity}&due={later}"
                                 f"&number={order.number}"))
    assert "能接" in fits.get_text() and "做不完" not in fits.get_text()
    data = order_form(owner_client, quantity="5000", due=soon, color=["", "", ""], line_quantity=["", "", ""],
                      bundle_size="")
    assert owner_client.post(f"/orders/{order.number}/edit", data=data).status_code == 409


# --- asking once, and undoing ---------------------------------------------------------------------

def confirm_form(page) -> tuple[str, dict]:
    """The confirmation page's form: where it posts and what it sends."""
    form = page.select_one("#confirm form")
    return form["action"], {i["name"]: i["value"] for i in form.select("input[type=hidden]")}


def test_cancel_asks_once_naming_the_consequence_then_the_order_can_be_reopened(owner_client, session, workshop):
    order = workshop.order
    page = soup(owner_client.get(f"/orders/{order.number}"))
    link = page.select_one('a[data-move="cancelled"]')
    assert link is not None and not page.select('button[value="cancelled"]')  # no one-click cancel
    asked = owner_client.get(link["href"])
    assert asked.status_code == 200
    fresh(session).refresh(order)
    assert order.status == "accepted"  # asking changed nothing
    confirm = soup(asked)
    assert "不再接受扫码" in confirm.select_one("#confirm").get_text() and confirm.select_one("a.back")
    action, fields = confirm_form(confirm)
    assert owner_client.post(action, data=fields).status_code == 302
    assert fresh(session).get(Order, order.id).status == "cancelled"
    page = soup(owner_client.get(f"/orders/{order.number}"))
    reopen = page.select_one('button[data-move="reopen"]')
    assert reopen["value"] == "accepted"
    assert owner_client.post(f"/orders/{order.number}/status", data={
        "status": reopen["value"], "csrf_token": csrf_token(owner_client)}).status_code == 302
    assert fresh(session).get(Order, order.id).status == "accepted"


def test_a_cancelled_order_with_scans_reopens_in_production(owner_client, session, workshop):
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 5)
    order = fresh(session).get(Order, workshop.order.id)
    order.status = "cancelled"
    session.add(order)
    session.commit()
    page = soup(owner_client.get(f"/orders/{order.number}"))
    assert page.select_one('button[data-move="reopen"]')["value"] == "in_production"


def test_shipped_can_be_undone_the_same_day_only(owner_client, session, workshop):
    order = workshop.order
    asked = soup(owner_client.get(f"/orders/{order.number}/status/confirm?status=shipped"))
    assert "今天" in asked.select_one("#confirm").get_text()
    action, fields = confirm_form(asked)
    owner_client.post(action, data=fields)
    assert fresh(session).get(Order, order.id).status == "shipped"
    undo = soup(owner_client.get(f"/orders/{order.number}")).select_one('button[data-move="unship"]')
    assert undo["value"] == "done"
    token = csrf_token(owner_client)
    assert owner_client.post(f"/orders/{order.number}/status", data={"status": "done", "csrf_token": token}).status_code == 302
    undone = fresh(session).get(Order, order.id)
    assert undone.status == "done" and undone.shipped_at is None
    # Shipped two days ago: no undo offered, and a posted one is refused.
    owner_client.post(f"/orders/{order.number}/status", data={"status": "shipped", "csrf_token": token})
    shipped = fresh(session).get(Order, order.id)
    shipped.shipped_at = datetime.now(UTC) - timedelta(days=2)
    session.add(shipped)
    session.commit()
    assert not soup(owner_client.get(f"/orders/{order.number}")).select('button[data-move="unship"]')
    assert owner_client.post(f"/orders/{order.number}/status",
                             data={"status": "done", "csrf_token": token}).status_code == 409
    assert fresh(session).get(Order, order.id).status == "shipped"
