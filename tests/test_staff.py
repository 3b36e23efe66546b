"""Workers and their badges (a lost phone signed out, a worker who left), API tokens revoked,
and the audit log of the owner's changes."""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import select

from factory.data.models import ApiToken, AuditEntry, Worker, WorkerWorkCenter
from tests.conftest import csrf_token, fresh, post_form, soup


def test_the_owner_adds_a_worker_with_work_centers(owner_client, session, workshop):
    response = post_form(owner_client, "/workers", {"code": "W9", "name": "赵红", "work_centers": ["knitting", "linking"]})
    assert response.status_code == 302
    worker = fresh(session).exec(select(Worker).where(Worker.code == "W9")).one()
    centers = {link.work_center_id for link in session.exec(
        select(WorkerWorkCenter).where(WorkerWorkCenter.worker_id == worker.id))}
    assert centers == {workshop.knitting.id, workshop.linking.id}
    page = owner_client.get("/workers").get_data(as_text=True)
    assert "赵红" in page and f"/w/{worker.badge_token}" in page


def test_a_bad_worker_is_refused_by_field_and_nothing_is_saved(owner_client, session, workshop):
    before = fresh(session).exec(select(Worker)).all()
    response = post_form(owner_client, "/workers", {"code": workshop.knitter.code, "name": "", "work_centers": ["nope"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="name"' in html
    response = post_form(owner_client, "/workers", {"code": workshop.knitter.code, "name": "重名", "work_centers": ["nope"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="code"' in html and 'data-field="work_centers"' in html and "nope" in html
    assert len(fresh(session).exec(select(Worker)).all()) == len(before)


def test_a_new_badge_signs_the_lost_phone_out_and_the_old_link_stops_working(
        owner_client, worker_client, session, workshop):
    old = workshop.knitter.badge_token
    assert worker_client.get("/me").status_code == 200
    assert post_form(owner_client, f"/workers/{workshop.knitter.id}/badge").status_code == 302
    new = fresh(session).get(Worker, workshop.knitter.id).badge_token
    assert new != old and len(new) >= 22
    assert worker_client.get("/me").status_code == 401  # the lost phone is signed out
    assert worker_client.get(f"/w/{old}").status_code == 404
    assert worker_client.get(f"/w/{new}").status_code == 302
    assert worker_client.get("/me").status_code == 200


def test_a_worker_who_left_is_signed_out_everywhere_and_can_come_back(owner_client, worker_client, session,
                                                                       workshop):
    ticket = workshop.tickets[0]
    assert post_form(owner_client, f"/workers/{workshop.knitter.id}/active", {"active": "0"}).status_code == 302
    assert worker_client.get("/me").status_code == 401
    assert worker_client.get(f"/w/{workshop.knitter.badge_token}").status_code == 404
    response = worker_client.post(f"/t/{ticket.token}/scans", data={
        "operation": "knitting", "good": "5", "client_id": "left-1", "csrf_token": csrf_token(worker_client)})
    assert response.status_code == 401
    assert "已签退" in owner_client.get("/workers").get_data(as_text=True)
    assert post_form(owner_client, f"/workers/{workshop.knitter.id}/active", {"active": "1"}).status_code == 302
    assert worker_client.get(f"/w/{workshop.knitter.badge_token}").status_code == 302
    assert worker_client.get("/me").status_code == 200


def test_api_tokens_are_shown_once_and_a_revoked_one_is_refused(owner_client, client, session, owner):
    response = post_form(owner_client, "/api-tokens")
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = html.split('<code class="new-token">')[1].split("</code>")[0]
    assert client.get("/api/products", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in owner_client.get("/workers").get_data(as_text=True)  # shown once
    row = fresh(session).exec(select(ApiToken)).one()
    assert post_form(owner_client, f"/api-tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/products", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def audit_rows(session) -> list[AuditEntry]:
    return list(fresh(session).exec(select(AuditEntry).order_by(AuditEntry.id)))


def test_owner_changes_are_in_the_audit_log_with_who_what_and_when(owner_client, client, session, workshop,
                                                                    api_headers):
    login = audit_rows(session)
    assert [(e.action, e.username, e.status) for e in login] == [("auth.login", "boss", 302)]
    assert "password" not in login[0].detail and "boss-password" not in login[0].detail
    post_form(owner_client, f"/orders/{workshop.order.number}/status", {"status": "cancelled"})
    due = (date.today() + timedelta(days=20)).isoformat()
    assert client.post("/api/orders", headers=api_headers, json={
        "customer": "接口客户", "product": "SCARF", "quantity": 30, "due": due}).status_code == 201
    post_form(owner_client, "/workers", {"code": "", "name": ""})  # refused: not a change, not logged
    rows = audit_rows(session)[1:]
    assert [(e.action, e.username, e.via) for e in rows] == [("desk.order_status", "boss", "web"),
                                                             ("api.order_create", "boss", "api")]
    assert json.loads(rows[0].detail) == {"status": "cancelled"}
    assert rows[0].path == f"/orders/{workshop.order.number}/status"
    assert json.loads(rows[1].detail)["customer"] == "接口客户"
    page = owner_client.get("/audit").get_data(as_text=True)
    assert "改了订单状态" in page and "接口客户" in page


def test_failed_sign_ins_are_logged_and_scans_are_not(client, session, workshop, owner, api_headers):
    client.post("/login", data={"username": "boss", "password": "wrong", "csrf_token": csrf_token(client)})
    client.post("/login", data={"username": "boss", "password": "no-csrf-token"})  # refused before any check
    # A scan posted with the owner's API token is a scan (its own ledger), not an owner change.
    response = client.post("/api/scans", headers=api_headers, json={
        "id": "audit-scan-0001", "ticket": workshop.tickets[0].token, "operation": "knitting",
        "worker": workshop.knitter.code, "good": 5, "defects": 0})
    assert response.status_code == 201
    rows = audit_rows(session)
    assert [(e.action, e.username, e.status) for e in rows] == [("auth.login", "boss", 422)]
    assert "wrong" not in rows[0].detail


def test_the_audit_filter_is_exact_and_paging_survives_any_number(owner_client, session, workshop):
    post_form(owner_client, "/products", {"code": "NEWCAP", "name": "新帽子"})
    post_form(owner_client, "/products/NEWCAP", {"name": "新帽子二"})
    assert [e.action for e in audit_rows(session)][-2:] == ["desk.product_new", "desk.product"]
    page = owner_client.get("/audit?action=desk.product").get_data(as_text=True)
    assert 'data-action="desk.product"' in page and 'data-action="desk.product_new"' not in page
    assert owner_client.get("/audit?before=99999999999999").status_code == 200


def test_sign_out_takes_only_zero_or_one(owner_client, session, workshop):
    response = post_form(owner_client, f"/workers/{workshop.knitter.id}/active", {"active": "yes"})
    assert response.status_code == 422
    assert fresh(session).get(Worker, workshop.knitter.id).active is True


def test_owner_pages_are_not_kept_in_caches(owner_client, workshop):
    for path in ("/workers", "/audit", "/", f"/orders/{workshop.order.number}"):
        assert owner_client.get(path).headers.get("Cache-Control") == "no-store", path


def test_behind_a_trusted_proxy_each_phone_has_its_own_address(database_url, session, owner, monkeypatch):
    """Behind Caddy every request comes from 127.0.0.1: with TRUSTED_PROXIES=1 the sign-in limit
    and the audit log use the phone's address from X-Forwarded-For."""
    from factory import create_app
    from tests.conftest import app_config
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app(app_config(database_url))
    client = app.test_client()
    token = csrf_token(client)

    def attempt(address: str) -> int:
        return client.post("/login", data={"username": "boss", "password": "guess", "csrf_token": token},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("192.168.1.31") for _ in range(11)][-1] == 429
    assert attempt("192.168.1.32") == 422  # another phone is not locked out with the first
    addresses = {e.remote_addr for e in audit_rows(session)}
    assert addresses == {"192.168.1.31", "192.168.1.32"}
    app.extensions["engine"].dispose()


def test_ids_beyond_the_database_integer_are_not_found(owner_client, workshop):
    token = csrf_token(owner_client)
    huge = "99999999999999999999"
    for url in (f"/workers/{huge}/badge", f"/workers/{huge}/active", f"/workers/{huge}",
                f"/api-tokens/{huge}/revoke", f"/settings/work-centers/{huge}"):
        assert owner_client.post(url, data={"csrf_token": token, "code": "A", "name": "b"}).status_code == 404, url


# Changing routes whose requests are not in the audit log, and why. Every other changing route must
# have words in ACTIONS (what the owner reads in the log), so a new route fails here until it has.
NOT_AUDITED = {
    "floor.log": "a worker's scan: its own ledger", "floor.undo": "a worker's undo: a scan too",
    "api.scans": "scans through the API: their own ledger",
    "api.feasibility": "asks, changes nothing", "api.assess_order": "asks, changes nothing",
    "desk.order_import": "checks an upload, changes nothing (the confirm does)",
    "auth.badge": "a worker signs in on a phone (confirming a switch): no owner's change",
}


def test_every_changing_route_has_words_in_the_audit_log_or_a_reason_not_to(app):
    from factory.staff.views import ACTIONS
    from factory.web.audit import CHANGING, should_record
    changing = {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & CHANGING}
    assert set(ACTIONS) & set(NOT_AUDITED) == set()
    assert changing - set(ACTIONS) - set(NOT_AUDITED) == set(), "changing routes missing from ACTIONS"
    assert set(ACTIONS) - changing == set(), "ACTIONS for routes that do not exist or change nothing"
    assert set(NOT_AUDITED) - changing == set(), "reasons for routes that do not exist"
    # The log's rules agree: the ACTIONS routes are recorded when the owner succeeds, the others never.
    for endpoint in ACTIONS:
        owner_signs_in = endpoint == "auth.login"
        assert should_record(method="POST", endpoint=endpoint, status=302, is_owner=not owner_signs_in), endpoint
    for endpoint in NOT_AUDITED:
        assert not should_record(method="POST", endpoint=endpoint, status=201, is_owner=True), endpoint


def test_new_badge_and_worker_left_ask_once_then_link_the_badge_to_print(owner_client, session, workshop):
    knitter = workshop.knitter
    old_badge = knitter.badge_token
    page = soup(owner_client.get("/workers"))
    row = page.select_one(f"#worker-{knitter.id}")
    assert not row.select(f'form[action="/workers/{knitter.id}/badge"]')  # no one-click new badge
    asked = soup(owner_client.get(row.select_one("a.new-badge")["href"]))
    assert fresh(session).get(Worker, knitter.id).badge_token == old_badge  # asking changed nothing
    words = asked.select_one("#confirm").get_text()
    assert "旧工牌" in words and "打印" in words
    form = asked.select_one("#confirm form")
    response = owner_client.post(form["action"], data={"csrf_token": csrf_token(owner_client)},
                                 follow_redirects=True)
    assert fresh(session).get(Worker, knitter.id).badge_token != old_badge
    link = soup(response).select_one(".flash a")
    assert link["href"] == f"/workers/badges.pdf?workers={knitter.code}"
    assert [e.action for e in audit_rows(session)][-1] == "staff.worker_badge"

    asked = soup(owner_client.get(soup(owner_client.get("/workers")).select_one(
        f"#worker-{knitter.id} a.left")["href"]))
    assert fresh(session).get(Worker, knitter.id).active
    assert "工资" in asked.select_one("#confirm").get_text()
    form = asked.select_one("#confirm form")
    owner_client.post(form["action"], data={i["name"]: i["value"] for i in form.select("input[type=hidden]")})
    assert not fresh(session).get(Worker, knitter.id).active
