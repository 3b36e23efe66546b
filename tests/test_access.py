"""Who may do what: every route × every role, as one table.

A route added to the app without a row here fails `test_every_route_is_in_the_table`.
Placeholders in URLs are filled from the small test workshop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from sqlmodel import Session

from factory.data.people import create_owner
from factory.web.i18n import COOKIE as LANGUAGE_COOKIE
from tests.conftest import Snapshot, csrf_token, empty_database, make_app, restore_rows, snapshot_rows
from tests.workshop_data import Workshop, make_workshop

ANON, WORKER, OWNER, TOKEN, REVOKED = "anonymous", "worker", "owner", "api_token", "revoked_token"

# (endpoint, method, url, {role: expected status}); roles left out are not meaningful for the route.
# For POSTs by the owner the test sends an empty form: 4xx from validation proves access was granted.
ACCESS = [
    # --- core ---
    ("auth.login", "GET", "/login", {ANON: 200, WORKER: 200, OWNER: 200}),
    ("auth.logout", "POST", "/logout", {ANON: 400, WORKER: 302, OWNER: 302}),  # anonymous: no CSRF token
    ("auth.badge", "GET", "/w/{badge}", {ANON: 302, WORKER: 302, OWNER: 302}),
    ("auth.language", "GET", "/lang/en", {ANON: 302, WORKER: 302, OWNER: 302}),
    # --- desk ---
    ("desk.board", "GET", "/", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.orders", "GET", "/orders", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order", "GET", "/orders/{order}", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.orders_export", "GET", "/orders/export.xlsx", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_new", "GET", "/orders/new", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_edit", "GET", "/orders/{order}/edit", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_verdict", "GET", "/orders/verdict?product=SCARF&quantity=10&due=2030-01-01",
     {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_status_confirm", "GET", "/orders/{order}/status/confirm?status=cancelled", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_status", "POST", "/orders/{order}/status", {ANON: 400, WORKER: 403, OWNER: 409}),
    ("desk.order_import", "GET", "/orders/import", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_import_confirm", "POST", "/orders/import/confirm", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.products", "GET", "/products", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.product_new", "POST", "/products", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.product", "GET", "/products/{product}", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.product_route", "POST", "/products/{product}/route", {ANON: 400, WORKER: 403, OWNER: 422}),
    # Workers may see product photos (the ticket page can show them); no photo yet: 404.
    ("desk.product_photo", "GET", "/products/{product}/photo", {ANON: 401, WORKER: 404, OWNER: 404}),
    ("desk.reports", "GET", "/reports", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.payroll_report", "GET", "/reports/payroll", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.payroll_export", "GET", "/reports/payroll.xlsx", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.payroll_close", "POST", "/reports/payroll/2099-12/close", {ANON: 400, WORKER: 403, OWNER: 409}),
    ("desk.payroll_reopen", "POST", "/reports/payroll/2099-12/reopen", {ANON: 400, WORKER: 403, OWNER: 409}),
    ("desk.payroll_adjustment", "POST", "/reports/payroll/2099-12/adjustments",
     {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.payslip", "GET", "/reports/payroll/2026-11/{worker}", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.payslip_print", "GET", "/reports/payroll/2026-11/{worker}.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.operation_rate", "POST", "/products/{product}/rates", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.pay_period_save", "POST", "/settings/pay-period", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.adopt_measured_minutes", "POST", "/products/{product}/operations/knitting/adopt",
     {ANON: 400, WORKER: 403, OWNER: 409}),  # nothing measured in the test workshop
    ("desk.measured_rates_save", "POST", "/settings/measured-rates", {ANON: 400, WORKER: 403, OWNER: 302}),
    ("desk.promises_report", "GET", "/reports/promises", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.wip", "GET", "/wip", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.claims_to_check_page", "GET", "/checks", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.claim_right", "POST", "/checks/no-such-scan/right", {ANON: 400, WORKER: 403, OWNER: 404}),

    ("desk.floor", "GET", "/floor", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.stuck_hours_save", "POST", "/wip/stuck-hours", {ANON: 400, WORKER: 403, OWNER: 303}),
    ("desk.order_card_png", "GET", "/orders/{order}/status.png", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_card_pdf", "GET", "/orders/{order}/status.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.order_share", "POST", "/orders/{order}/share", {ANON: 400, WORKER: 403, OWNER: 303}),
    ("desk.order_share_revoke", "POST", "/orders/{order}/share/999999/revoke", {ANON: 400, WORKER: 403, OWNER: 404}),
    ("desk.settings", "GET", "/settings", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("desk.work_center_save", "POST", "/settings/work-centers", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.shifts_save", "POST", "/settings/shifts", {ANON: 400, WORKER: 403, OWNER: 302}),
    ("desk.workdays_save", "POST", "/settings/workdays", {ANON: 400, WORKER: 403, OWNER: 302}),
    ("desk.holiday_add", "POST", "/settings/holidays", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("desk.holiday_remove", "POST", "/settings/holidays/2026-10-01/delete", {ANON: 400, WORKER: 403, OWNER: 302}),
    # --- floor ---
    ("floor.ticket", "GET", "/t/{ticket}", {ANON: 200, WORKER: 200, OWNER: 200}),
    ("floor.order_sheet", "GET", "/o/{order_token}", {ANON: 200, WORKER: 200, OWNER: 200}),
    ("floor.my_day", "GET", "/me", {ANON: 401, WORKER: 200, OWNER: 401}),
    ("floor.service_worker", "GET", "/sw.js", {ANON: 200, WORKER: 200, OWNER: 200}),
    ("floor.offline_ticket", "GET", "/offline/ticket", {ANON: 401, WORKER: 200, OWNER: 401}),

    ("floor.my_queue", "GET", "/me/queue", {ANON: 401, WORKER: 200, OWNER: 401}),
    # A customer's status link: public, its own token (none such in the table: 404, and counted as a miss).
    ("floor.shared_status", "GET", "/s/no-such-link", {ANON: 404, WORKER: 404, OWNER: 404}),
    ("floor.my_payslips", "GET", "/me/pay", {ANON: 401, WORKER: 200, OWNER: 401}),
    ("floor.my_payslip", "GET", "/me/pay/2026-11", {ANON: 401, WORKER: 200, OWNER: 401}),
    ("floor.ticket_photo", "GET", "/t/{ticket}/photo", {ANON: 404, WORKER: 404, OWNER: 404}),  # no photo in tests
    # A worker's post without the name of the worker its page was opened by logs nothing (409).
    ("floor.log", "POST", "/t/{ticket}/scans", {ANON: 400, WORKER: 409, OWNER: 401}),
    ("floor.undo", "POST", "/t/{ticket}/scans/no-such-scan/undo", {ANON: 400, WORKER: 409, OWNER: 401}),
    # --- printing ---
    ("printing.index", "GET", "/print", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.address", "GET", "/print/address", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.address_save", "POST", "/print/address", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("printing.selection_labels", "GET", "/labels.pdf?orders={order}", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.selection_tickets", "GET", "/tickets.pdf?orders={order}", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.order_print", "GET", "/orders/{order}/print", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.order_ticket", "GET", "/orders/{order}/ticket.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.order_labels", "GET", "/orders/{order}/labels.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.ticket_label_pdf", "GET", "/tickets/{ticket}/label.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.ticket_label_png", "GET", "/tickets/{ticket}/label.png", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.badges", "GET", "/workers/badges.pdf", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.mark_printed", "POST", "/orders/{order}/printed", {ANON: 400, WORKER: 403, OWNER: 302}),
    ("printing.void_confirm", "GET", "/tickets/{ticket}/void/confirm", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("printing.void", "POST", "/tickets/{ticket}/void", {ANON: 400, WORKER: 403, OWNER: 302}),
    ("printing.replace", "POST", "/tickets/{ticket}/replace", {ANON: 400, WORKER: 403, OWNER: 302}),
    # --- api ---
    ("staff.workers", "GET", "/workers", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("staff.worker_save", "POST", "/workers", {ANON: 400, WORKER: 403, OWNER: 422}),
    ("staff.worker_badge_confirm", "GET", "/workers/999999/badge/confirm", {ANON: 302, WORKER: 403, OWNER: 404}),
    ("staff.worker_active_confirm", "GET", "/workers/999999/active/confirm", {ANON: 302, WORKER: 403, OWNER: 404}),
    ("staff.worker_badge", "POST", "/workers/999999/badge", {ANON: 400, WORKER: 403, OWNER: 404}),
    ("staff.worker_active", "POST", "/workers/999999/active", {ANON: 400, WORKER: 403, OWNER: 404}),
    ("staff.token_create", "POST", "/api-tokens", {ANON: 400, WORKER: 403, OWNER: 201}),
    ("staff.token_revoke", "POST", "/api-tokens/999999/revoke", {ANON: 400, WORKER: 403, OWNER: 404}),
    ("staff.audit", "GET", "/audit", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("staff.worker_scans", "GET", "/workers/999999/scans", {ANON: 302, WORKER: 403, OWNER: 404}),
    ("desk.scan_correct", "POST", "/scans/no-such-scan/correct", {ANON: 400, WORKER: 403, OWNER: 404}),

    ("assess.page", "GET", "/assess", {ANON: 302, WORKER: 403, OWNER: 200}),
    ("assess.decide", "POST", "/assess/accept", {ANON: 400, WORKER: 403, OWNER: 422}),

    ("api.feasibility", "POST", "/api/feasibility", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422, REVOKED: 401}),
    ("api.assess_order", "POST", "/api/orders/assess", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422,
                                                         REVOKED: 401}),
    ("api.workers", "GET", "/api/workers", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.orders", "GET", "/api/orders", {ANON: 401, WORKER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.order", "GET", "/api/orders/{order}", {ANON: 401, WORKER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.order_create", "POST", "/api/orders", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422, REVOKED: 401}),
    ("api.products", "GET", "/api/products", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.scans", "POST", "/api/scans", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422, REVOKED: 401}),
    ("api.scan_reverse", "POST", "/api/scans/no-such-scan/reverse", {ANON: 401, WORKER: 401, OWNER: 401,
                                                                      TOKEN: 422, REVOKED: 401}),
    ("api.payroll", "GET", "/api/payroll/2026-11", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.payroll_close", "POST", "/api/payroll/2099-12/close",
     {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 409, REVOKED: 401}),
    ("api.payroll_reopen", "POST", "/api/payroll/2099-12/reopen",
     {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 409, REVOKED: 401}),
    ("api.payroll_adjustment", "POST", "/api/payroll/2099-12/adjustments",
     {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422, REVOKED: 401}),
    ("api.operation_rate", "PUT", "/api/products/{product}/operations/knitting/rate",
     {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422, REVOKED: 401}),
    ("api.product_rates", "GET", "/api/products/{product}/rates",
     {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.promises", "GET", "/api/promises", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    # The table's workshop has no scan yet: nothing to replay (422, naming as_of), but let in.
    ("api.promises_replay", "GET", "/api/promises/replay", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 422,
                                                             REVOKED: 401}),

    ("api.floor", "GET", "/api/floor", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200, REVOKED: 401}),
    ("api.worker_queue", "GET", "/api/workers/{worker}/queue", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200,
                                                               REVOKED: 401}),
    ("api.board_summary", "GET", "/api/board/summary", {ANON: 401, WORKER: 401, OWNER: 401, TOKEN: 200,
                                                         REVOKED: 401}),
    ("api.openapi", "GET", "/api/openapi.json", {ANON: 200, WORKER: 200, OWNER: 200, TOKEN: 200, REVOKED: 200}),
]


def fill(url: str, workshop) -> str:
    return url.format(badge=workshop.knitter.badge_token, ticket=workshop.tickets[0].token,
                      order=workshop.order.number, order_token=workshop.order.token,
                      worker=workshop.knitter.code, product=workshop.product.code)


@dataclass
class Table:
    """One app, one workshop, the signed-in cookies and API tokens for the whole table: built once,
    and every row starts from the same database rows (restored) and the same cookies."""
    app: Flask
    workshop: Workshop
    rows: Snapshot
    cookies: dict[str, dict[str, str]]
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def table(database_template, tmp_path_factory) -> Table:
    from factory.web.access import issue_api_token, revoke_api_token
    app = make_app(empty_database(database_template, tmp_path_factory.mktemp("access")))
    engine = app.extensions["engine"]
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session=session, today=date.today())
        owner = create_owner(session=session, username="boss", password="boss-password")
        revoked = issue_api_token(session=session, user=owner)
        revoke_api_token(session=session, token=revoked)
        valid = issue_api_token(session=session, user=owner)
        session.commit()
    worker = app.test_client()
    assert worker.get(f"/w/{workshop.knitter.badge_token}").status_code == 302
    owner_c = app.test_client()
    assert owner_c.post("/login", data={"username": "boss", "password": "boss-password",
                                        "csrf_token": csrf_token(owner_c)}).status_code == 302
    signed_in = {WORKER: worker, OWNER: owner_c}
    names = (app.config["SESSION_COOKIE_NAME"], LANGUAGE_COOKIE)
    cookies = {role: {n: c.get_cookie(n).value for n in names if c.get_cookie(n)} for role, c in signed_in.items()}
    headers = {TOKEN: {"Authorization": f"Bearer {valid}"}, REVOKED: {"Authorization": f"Bearer {revoked}"}}
    yield Table(app, workshop, snapshot_rows(engine), cookies, headers)
    engine.dispose()


@pytest.fixture
def clients(table):
    """A client per role, from the table's rows and cookies (a row may sign out or void a ticket)."""
    restore_rows(table.app.extensions["engine"], table.rows)
    out = {}
    for role in (ANON, WORKER, OWNER, TOKEN, REVOKED):
        client = table.app.test_client()
        for name, value in table.cookies.get(role, {}).items():
            client.set_cookie(name, value)
        out[role] = (client, table.headers.get(role, {}))
    return out


def test_every_route_is_in_the_table(table):
    listed = {row[0] for row in ACCESS}
    routes = {rule.endpoint for rule in table.app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - listed == set(), "routes without an access row"
    assert listed - routes == set(), "rows for routes that do not exist"


@pytest.mark.parametrize("endpoint,method,url,expected", ACCESS, ids=[f"{r[1]} {r[2]}" for r in ACCESS])
def test_access(clients, table, endpoint, method, url, expected):
    for role, status in expected.items():
        client, headers = clients[role]
        target = fill(url, table.workshop)
        if method == "GET":
            response = client.get(target, headers=headers)
        else:
            data = {} if role == ANON else {"csrf_token": csrf_token(client)}
            response = client.open(target, method=method, data=data, headers=headers)
        assert response.status_code == status, f"{role} {method} {target}: {response.status_code}"
        if role == ANON and status == 302 and endpoint.startswith("desk."):
            assert "/login" in response.headers["Location"]


def test_each_row_starts_from_the_same_rows_and_cookies(table, clients):
    """What one row changes (a voided ticket, an audit entry, a sign-out) is gone for the next."""
    engine = table.app.extensions["engine"]
    owner, _ = clients[OWNER]
    ticket = table.workshop.tickets[0]
    assert owner.post(f"/tickets/{ticket.token}/void", data={"csrf_token": csrf_token(owner)}).status_code == 302
    assert owner.post("/logout", data={"csrf_token": csrf_token(owner)}).status_code == 302
    assert owner.get("/").status_code == 302
    assert snapshot_rows(engine) != table.rows
    restore_rows(engine, table.rows)
    assert snapshot_rows(engine) == table.rows
    again = table.app.test_client()
    for name, value in table.cookies[OWNER].items():
        again.set_cookie(name, value)
    assert again.get("/").status_code == 200
