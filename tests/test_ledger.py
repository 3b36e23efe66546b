"""The ledger around the scans: a reissued ticket is the same bundle, the office corrects scans in
the open, a scan belongs to the worker who tapped, refused queued scans are kept, creates happen
once, and the work time of a scan."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from factory.data.models import Scan, Ticket
from factory.data.orders import order_view
from factory.data.pay import work_lines
from factory.data.scans import ScanRequest, record_scan
from factory.data.wip import waiting_by_work_center
from tests.conftest import csrf_token

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(app):
    return app.extensions["engine"]


def scan(engine, ticket, operation, worker, good, defects=0, *, now=T0, client_id=None):
    return record_scan(engine=engine, now=now, request=ScanRequest(
        client_id or str(uuid.uuid4()), ticket.token, operation, worker.code, good, defects))


def fresh(session: Session) -> Session:
    session.commit()  # end the test's read transaction: see what the app wrote since
    session.expire_all()
    return session


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def reissue(owner_client, session, ticket: Ticket) -> Ticket:
    response = owner_client.post(f"/tickets/{ticket.token}/replace",
                                 data={"csrf_token": csrf_token(owner_client, "/print")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return fresh(session).exec(select(Ticket).where(Ticket.replaces_id == ticket.id)).one()


# --- 1. a reissued ticket is the same bundle ------------------------------------------------------

def test_a_ticket_reissued_before_any_scan_takes_the_whole_bundle_once(engine, owner_client, session, workshop):
    old = workshop.tickets[0]  # 40 pieces
    new = reissue(owner_client, session, old)
    assert scan(engine, new, "knitting", workshop.knitter, 41).refusal.code == "over_open"
    assert scan(engine, new, "knitting", workshop.knitter, 40).status == 201
    assert scan(engine, new, "knitting", workshop.knitter, 1).refusal.code == "over_open"


def test_a_ticket_reissued_mid_route_carries_on_where_the_lost_one_stopped(engine, owner_client, worker_client,
                                                                          client, api_headers, session, workshop):
    old = workshop.tickets[0]  # 40 pieces
    assert scan(engine, old, "knitting", workshop.knitter, 40).status == 201
    assert scan(engine, old, "linking", workshop.linker, 25).status == 201
    new = reissue(owner_client, session, old)
    # The linker on the replacement is not told knitting is at 0, and gets 15, not 40.
    refused = scan(engine, new, "linking", workshop.linker, 16)
    assert refused.refusal.code == "over_open" and refused.refusal.numbers["open"] == 15
    assert scan(engine, new, "knitting", workshop.knitter, 1).refusal.code == "over_open"
    done = scan(engine, new, "linking", workshop.linker, 15)
    assert done.status == 201
    assert [(p.code, p.good, p.open) for p in done.progress.operations] == [
        ("knitting", 40, 0), ("linking", 40, 0), ("packing", 0, 40)]
    # The old paper is refused, and the words point at the new ticket.
    voided = scan(engine, old, "packing", workshop.packer, 1)
    assert voided.status == 409 and voided.refusal.code == "ticket_voided"
    assert voided.refusal.numbers["replacement"] == new.bundle_no
    page = worker_client.post(f"/t/{old.token}/scans", json={"id": str(uuid.uuid4()), "operation": "knitting",
                                                              "good": 1},
                              headers={"X-CSRFToken": csrf_token(worker_client, f"/t/{new.token}")})
    assert page.status_code == 409
    assert f"第 {new.bundle_no} 扎" in page.get_json()["error"]
    old_page = soup(worker_client.get(f"/t/{old.token}"))
    assert old_page.select_one(f'a[href="/t/{new.token}"]') is not None
    # The replacement's page shows the bundle's progress; the order counts each piece once.
    new_page = soup(worker_client.get(f"/t/{new.token}")).select_one("ol.progress").get_text(" ", strip=True)
    assert "40 / 40" in new_page and "0 / 40" in new_page
    view = order_view(session=fresh(session), order=workshop.order)
    assert [view.done(op) for op in view.operations] == [40, 40, 0]
    api = client.get(f"/api/orders/{workshop.order.number}", headers=api_headers).get_json()
    assert [op["done"] for op in api["operations"]] == [40, 40, 0]
    assert [t["done"]["linking"] for t in api["tickets"] if t["token"] in (old.token, new.token)] == [40, 40]
    sheet = soup(owner_client.get(f"/o/{workshop.order.token}"))
    assert "40 / 100" in sheet.select_one("ol.order-progress").get_text(" ", strip=True)
    waiting = {w.center.code: w.pieces for w in waiting_by_work_center(session=session)}
    assert waiting == {"knitting": 60, "linking": 0, "packing": 40}
    # Pay: the linker is paid for 40 pieces of a 40-piece bundle, not more.
    from zoneinfo import ZoneInfo
    lines = work_lines(session=session, first=T0.date() - timedelta(days=1), last=T0.date() + timedelta(days=1),
                       zone=ZoneInfo("Asia/Shanghai"), worker_id=workshop.linker.id)
    assert sum(line.good for line in lines) == 40 and {line.operation for line in lines} == {"套口"}


def test_a_ticket_reissued_after_the_last_operation_takes_nothing_more(engine, owner_client, session, workshop):
    old = workshop.tickets[2]  # 20 pieces
    for op, worker in (("knitting", workshop.knitter), ("linking", workshop.linker), ("packing", workshop.packer)):
        assert scan(engine, old, op, worker, 20).status == 201
    new = reissue(owner_client, session, old)
    for op, worker in (("knitting", workshop.knitter), ("linking", workshop.linker), ("packing", workshop.packer)):
        refused = scan(engine, new, op, worker, 20)
        assert refused.refusal.code == "over_open" and refused.refusal.numbers["open"] == 0
    # Reissued again: the third paper is still the same bundle.
    newer = reissue(owner_client, session, new)
    assert newer.bundle_id == old.id
    assert scan(engine, newer, "knitting", workshop.knitter, 1).refusal.code == "over_open"
    view = order_view(session=fresh(session), order=workshop.order)
    assert [view.done(op) for op in view.operations] == [20, 20, 20]
    assert [c.good for c in view.ticket_counts(newer)] == [20, 20, 20]
    assert fresh(session).exec(select(Scan)).all().__len__() == 3


# --- 2. corrections in the open ---------------------------------------------------------------------

def now_scan(engine, ticket, operation, worker, good, defects=0):
    """A scan logged now (so it shows on today's pages)."""
    outcome = scan(engine, ticket, operation, worker, good, defects, now=datetime.now(UTC))
    assert outcome.status == 201, outcome.refusal
    return outcome.scan


def rows(session) -> list[tuple]:
    return [(s.worker_id, s.good, s.defects, s.reason, s.user_id is not None, s.reverses_id is not None)
            for s in fresh(session).exec(select(Scan).order_by(Scan.id))]


def test_the_api_reverses_a_scan_with_a_reason_once(engine, client, api_headers, session, workshop, owner):
    from factory.data.models import AuditEntry
    ticket = workshop.tickets[0]
    first = now_scan(engine, ticket, "knitting", workshop.knitter, 40)
    url = f"/api/scans/{first.client_id}/reverse"
    empty = client.post(url, json={"reason": "  "}, headers=api_headers)
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]
    assert client.post("/api/scans/no-such-scan-id/reverse", json={"reason": "x"},
                       headers=api_headers).status_code == 404
    answer = client.post(url, json={"reason": "数错了"}, headers=api_headers)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["reverses"] == first.client_id and body["reason"] == "数错了" and body["correction"] is None
    assert (body["good"], body["worker"]) == (-40, "W1")
    assert body["progress"]["operations"][0]["open"] == 40
    again = client.post(url, json={"reason": "数错了"}, headers=api_headers)
    assert again.status_code == 200 and again.get_json() == body
    conflict = client.post(url, json={"reason": "another reason"}, headers=api_headers)
    assert conflict.status_code == 409 and conflict.get_json()["reason"] == "already_corrected"
    assert rows(session) == [(workshop.knitter.id, 40, 0, "", False, False),
                             (workshop.knitter.id, -40, 0, "数错了", True, True)]
    # The worker cannot undo what the office reversed; the audit log has the office's calls.
    from factory.data.scans import undo_scan
    undo = undo_scan(engine=engine, client_id=first.client_id, worker="W1", now=datetime.now(UTC))
    assert undo.refusal.code == "already_undone"
    audited = [(e.action, e.status) for e in fresh(session).exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert audited == [("api.scan_reverse", 201), ("api.scan_reverse", 200)]


def test_a_correction_is_a_reversal_and_a_new_scan_in_one_transaction(engine, client, api_headers, session,
                                                                       workshop):
    ticket = workshop.tickets[0]
    first = now_scan(engine, ticket, "knitting", workshop.knitter, 40)
    url = f"/api/scans/{first.client_id}/reverse"
    # More than the bundle: refused, and the reversal is not written either.
    over = client.post(url, json={"reason": "记错人", "worker": "W2", "good": 41}, headers=api_headers)
    assert over.status_code == 409 and over.get_json()["reason"] == "over_open"
    assert len(rows(session)) == 1
    answer = client.post(url, json={"reason": "记错人", "worker": "W2", "good": 38, "defects": 2},
                         headers=api_headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["correction"]["worker"] == "W2"
    assert rows(session) == [(workshop.knitter.id, 40, 0, "", False, False),
                             (workshop.knitter.id, -40, 0, "记错人", True, True),
                             (workshop.linker.id, 38, 2, "记错人", True, False)]
    again = client.post(url, json={"reason": "记错人", "worker": "W2", "good": 38, "defects": 2},
                        headers=api_headers)
    assert again.status_code == 200 and again.get_json() == answer.get_json()


def test_a_reversal_that_leaves_downstream_with_more_is_refused_naming_it(engine, client, api_headers, session,
                                                                          workshop):
    ticket = workshop.tickets[0]
    knitted = now_scan(engine, ticket, "knitting", workshop.knitter, 40)
    now_scan(engine, ticket, "linking", workshop.linker, 30)
    url = f"/api/scans/{knitted.client_id}/reverse"
    refused = client.post(url, json={"reason": "x"}, headers=api_headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "downstream_has_more"
    assert "套口" in refused.get_json()["error"] and "30" in refused.get_json()["error"]
    assert client.post(url, json={"reason": "x", "good": 29}, headers=api_headers).status_code == 409
    assert client.post(url, json={"reason": "少织了 5 件", "good": 35}, headers=api_headers).status_code == 201
    assert len(rows(session)) == 4


def test_the_owner_corrects_from_the_order_page_and_the_worker_reads_why(engine, owner_client, worker_client,
                                                                        session, workshop):
    from factory.data.models import AuditEntry
    ticket = workshop.tickets[0]
    first = now_scan(engine, ticket, "knitting", workshop.knitter, 40)
    order_page = soup(owner_client.get(f"/orders/{workshop.order.number}"))
    link = order_page.select_one(f'li[data-scan="{first.client_id}"] a')["href"]
    form = owner_client.get(link)
    assert form.status_code == 200
    token = soup(form).select_one("input[name=csrf_token]")["value"]
    missing = owner_client.post(link, data={"csrf_token": token, "action": "reverse", "reason": ""})
    assert missing.status_code == 422
    assert soup(missing).select_one('.field-error[data-field="reason"]') is not None
    assert len(rows(session)) == 1
    done = owner_client.post(link, data={"csrf_token": token, "action": "correct", "reason": "其实是 36 件",
                                         "worker": "W1", "good": "36", "defects": "0"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/orders/{workshop.order.number}")
    assert rows(session)[1:] == [(workshop.knitter.id, -40, 0, "其实是 36 件", True, True),
                                 (workshop.knitter.id, 36, 0, "其实是 36 件", True, False)]
    timeline = soup(owner_client.get(f"/orders/{workshop.order.number}")).select_one("ul.timeline").get_text(" ")
    assert "其实是 36 件" in timeline
    me = soup(worker_client.get("/me"))
    assert "其实是 36 件" in me.select_one(".scan-list").get_text(" ")
    assert me.select_one("#today .pieces").get_text() == "36"
    assert "desk.scan_correct" in [e.action for e in fresh(session).exec(select(AuditEntry))]


def test_the_workers_page_lists_their_scans_to_correct(engine, owner_client, session, workshop):
    first = now_scan(engine, workshop.tickets[0], "knitting", workshop.knitter, 12)
    page = soup(owner_client.get(f"/workers/{workshop.knitter.id}/scans"))
    row = page.select_one(f'tr[data-scan="{first.client_id}"]')
    assert row is not None and "12" in row.get_text(" ")
    link = row.select_one("a")["href"]
    assert owner_client.get(link).status_code == 200


# --- 3 and 4. the queue: the worker who tapped, refused scans kept ------------------------------------

def queue_post(worker_client, ticket, **body):
    token = csrf_token(worker_client, f"/t/{ticket.token}")
    return worker_client.post(f"/t/{ticket.token}/scans", json={"id": str(uuid.uuid4()), "operation": "knitting",
                                                                 **body}, headers={"X-CSRFToken": token})


def test_the_server_refuses_a_queued_scan_of_another_worker_and_keeps_nothing(worker_client, session, workshop):
    from factory.data.models import RefusedScan
    answer = queue_post(worker_client, workshop.tickets[0], good=12, worker="W2")
    assert answer.status_code == 403 and answer.get_json()["reason"] == "other_worker"
    assert "kept" not in answer.get_json()
    assert fresh(session).exec(select(Scan)).all() == [] and session.exec(select(RefusedScan)).all() == []
    mine = queue_post(worker_client, workshop.tickets[0], good=12, worker="W1")
    assert mine.status_code == 201 and mine.get_json()["worker"] == "W1"


def test_a_refused_queued_scan_is_kept_once_and_listed_for_worker_and_office(worker_client, owner_client, session,
                                                                            workshop):
    from factory.data.models import RefusedScan
    ticket = workshop.tickets[0]
    scan_id = str(uuid.uuid4())
    for _ in range(2):
        answer = queue_post(worker_client, ticket, good=41, id=scan_id)
        assert answer.status_code == 409 and answer.get_json()["kept"] is True
    bad = queue_post(worker_client, ticket, good=-1)
    assert bad.status_code == 422 and bad.get_json()["kept"] is True
    kept = fresh(session).exec(select(RefusedScan).order_by(RefusedScan.id)).all()
    assert [(k.client_id, k.good, k.code, k.status) for k in kept][0] == (scan_id, 41, "over_open", 409)
    assert len(kept) == 2 and fresh(session).exec(select(Scan)).all() == []
    me = soup(worker_client.get("/me")).select_one("#attention")
    assert me is not None and me.select_one(f'li[data-scan="{scan_id}"]') is not None
    assert "40" in me.select_one(f'li[data-scan="{scan_id}"] .reason').get_text()
    # The operation by its name, as everywhere on the worker's pages (it showed the code "knitting").
    assert "织片" in me.select_one(f'li[data-scan="{scan_id}"]').get_text() and "knitting" not in me.get_text()
    office = soup(owner_client.get(f"/workers/{workshop.knitter.id}/scans")).select_one("#attention")
    assert office is not None and scan_id in str(office) and "织片" in office.get_text()


def test_a_queued_claim_refused_as_implausible_says_it_was_not_counted_and_asks_nothing(worker_client, session,
                                                                                       workshop):
    """Found by an outside try: "needs attention" repeated the phone's question ("Log 1 pieces anyway?")
    with no button to answer it."""
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    set_shifts(session)  # began 8 hours ago
    order = create_order(session=session, order_in=OrderIn(customer="大单", product="SCARF", quantity=1500,
                                                               due=date.today() + timedelta(days=30)))
    session.commit()
    ticket = fresh(session).exec(select(Ticket).where(Ticket.order_id == order.id)).one()
    answer = queue_post(worker_client, ticket, good=1500)  # 9,000 standard minutes in 480
    assert answer.status_code == 409 and answer.get_json()["reason"] == "implausible"
    reason = soup(worker_client.get("/me")).select_one("#attention .reason").get_text()
    assert "没有计入" in reason and "吗" not in reason, reason


# --- 6. when the work happened ------------------------------------------------------------------------

def test_the_work_time_is_the_tap_bounded_by_arrival_sync_and_the_limit():
    from factory.domain.scan_rules import TAP_TIME_LIMIT, work_time
    now = T0
    assert work_time(now=now, tapped=None, synced=None) == now
    assert work_time(now=now, tapped=now - timedelta(minutes=50), synced=now - timedelta(hours=1)) == \
        now - timedelta(minutes=50)
    assert work_time(now=now, tapped=now + timedelta(minutes=5), synced=now - timedelta(hours=1)) == now  # never after arrival
    assert work_time(now=now, tapped=now - timedelta(hours=2), synced=now - timedelta(hours=1)) == \
        now - timedelta(hours=1)  # never before the phone's previous sync
    # Without a known contact with the server (the signed time the page was served) a tap time
    # cannot be bounded: the scan was worked when it arrived.
    assert work_time(now=now, tapped=now - timedelta(minutes=50), synced=None) == now
    assert work_time(now=now, tapped=now - timedelta(days=3), synced=now - timedelta(days=3)) == now
    assert work_time(now=now, tapped=now - TAP_TIME_LIMIT, synced=now - TAP_TIME_LIMIT) == now - TAP_TIME_LIMIT


def served_seal(worker_client, ticket) -> tuple[int, str]:
    """The served time and its seal, as the ticket page gives them to the phone's queue."""
    box = soup(worker_client.get(f"/t/{ticket.token}")).select_one("#queue")
    return int(box["data-now"]), box["data-seal"]


def test_a_queued_scan_counts_on_the_day_it_was_worked(app, worker_client, session, workshop):
    from factory.web.served import seal
    tapped = datetime.now(UTC) - timedelta(minutes=30)
    ms = int(tapped.timestamp() * 1000)
    with app.test_request_context():  # a page served an hour ago carried this seal
        signature = seal(worker="W1", ms=ms - 60_000)
    answer = queue_post(worker_client, workshop.tickets[0], good=5, tapped_at=ms, synced_at=ms - 60_000,
                        synced_seal=signature)
    assert answer.status_code == 201
    stored = fresh(session).exec(select(Scan)).one()
    assert abs((stored.worked_at.replace(tzinfo=UTC) - tapped).total_seconds()) < 1
    assert stored.created_at.replace(tzinfo=UTC) - stored.worked_at.replace(tzinfo=UTC) \
        >= timedelta(minutes=29)


def test_a_tap_time_cannot_be_moved_before_the_page_was_served(app, worker_client, session, workshop):
    """The served time comes signed: edited, missing, or another worker's, it bounds nothing and the
    scan counts when it arrived; signed, it is the earliest the tap can be."""
    from factory.web.served import seal
    served_ms, signature = served_seal(worker_client, workshop.tickets[0])
    assert signature
    ten_hours_ago = served_ms - 10 * 3600 * 1000
    with app.test_request_context():
        other = seal(worker="W2", ms=ten_hours_ago)
    attempts = [dict(synced_at=ten_hours_ago, synced_seal=signature),  # the time edited, the seal kept
                dict(synced_at=ten_hours_ago),  # no seal
                dict(synced_at=ten_hours_ago, synced_seal=other),  # sealed for another worker
                dict(synced_at=served_ms, synced_seal=signature)]  # the real one: the tap is moved up to it
    for attempt in attempts:
        assert queue_post(worker_client, workshop.tickets[0], good=1, tapped_at=ten_hours_ago, confirm=True,
                          **attempt).status_code == 201
    stored = fresh(session).exec(select(Scan).order_by(Scan.id)).all()
    served = datetime.fromtimestamp(served_ms / 1000, UTC)
    for scan_row in stored[:3]:
        assert scan_row.worked_at == scan_row.created_at  # worked when it arrived
    assert abs((stored[3].worked_at.replace(tzinfo=UTC) - served).total_seconds()) < 0.01


# --- 5. every create happens once ---------------------------------------------------------------------

def signed_in_owners(app, owner, n: int) -> list:
    clients = []
    for _ in range(n):
        c = app.test_client()
        assert c.post("/login", data={"username": "boss", "password": "boss-password",
                                      "csrf_token": csrf_token(c)}).status_code == 302
        clients.append(c)
    return clients


def in_parallel(calls) -> list:
    """Run the calls at the same moment from threads; their answers in order."""
    import threading
    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(k):
        barrier.wait()
        answers[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def count(session, model) -> int:
    from sqlmodel import func
    return fresh(session).exec(select(func.count()).select_from(model)).one()


def test_a_double_submitted_order_form_creates_one_order(app, owner, owner_client, session, workshop):
    from factory.data.models import Order
    page = soup(owner_client.get("/orders/new"))
    once = page.select_one("input[name=once]")["value"]
    form = {"customer": "双击客户", "product": "SCARF", "quantity": "60", "due": "2030-06-01", "priority": "0",
            "bundle_size": "30", "once": once}
    first = owner_client.post("/orders/new", data={**form, "csrf_token": csrf_token(owner_client, "/orders/new")})
    again = owner_client.post("/orders/new", data={**form, "csrf_token": csrf_token(owner_client, "/orders/new")})
    assert first.status_code == again.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    assert count(session, Order) == 2
    # Parallel submits of one form (four clicks at once): one order, every answer the same.
    once = soup(owner_client.get("/orders/new")).select_one("input[name=once]")["value"]
    clients = signed_in_owners(app, owner, 4)
    tokens = [csrf_token(c, "/orders/new") for c in clients]
    answers = in_parallel([lambda c=c, t=t: c.post("/orders/new", data={**form, "once": once, "csrf_token": t})
                           for c, t in zip(clients, tokens)])
    assert {a.status_code for a in answers} == {302} and len({a.headers["Location"] for a in answers}) == 1
    assert count(session, Order) == 3
    # A refused form claims nothing: corrected and sent again with its key, it creates.
    bad = owner_client.post("/orders/new", data={**form, "quantity": "0", "once": "fresh-key-123",
                                                 "csrf_token": csrf_token(owner_client, "/orders/new")})
    assert bad.status_code == 422 and count(session, Order) == 3
    good = owner_client.post("/orders/new", data={**form, "once": "fresh-key-123",
                                                  "csrf_token": csrf_token(owner_client, "/orders/new")})
    assert good.status_code == 302 and count(session, Order) == 4


def test_two_quick_clicks_on_save_n_orders_create_them_once(app, owner, owner_client, session, workshop):
    import io

    from factory.data.models import Order
    data = b"customer,product,quantity,due\nA,SCARF,10,2030-06-01\nB,SCARF,20,2030-06-02\n"
    preview = owner_client.post("/orders/import", data={"file": (io.BytesIO(data), "o.csv"),
                                                        "csrf_token": csrf_token(owner_client, "/orders/import")},
                                content_type="multipart/form-data")
    token = soup(preview).select_one("input[name=token]")["value"]
    clients = [owner_client] + signed_in_owners(app, owner, 3)
    tokens = [csrf_token(c, "/orders/import") for c in clients]
    answers = in_parallel([lambda c=c, t=t: c.post("/orders/import/confirm", data={"token": token, "csrf_token": t})
                           for c, t in zip(clients, tokens)])
    assert [a.status_code for a in answers] == [302] * 4
    assert count(session, Order) == 3


@pytest.mark.parametrize("what", ["product", "worker", "reissue", "inquiry"])
def test_every_other_create_form_creates_once(app, owner, owner_client, session, workshop, what):
    from factory.data.models import Inquiry, Order, Product, Worker
    if what == "product":
        url, page, model = "/products", "/products", Product
        form = {"code": "HAT", "name": "帽子"}
    elif what == "worker":
        url, page, model = "/workers", "/workers", Worker
        form = {"code": "W7", "name": "新工人", "work_centers": "knitting"}
    elif what == "reissue":
        url, page, model = f"/tickets/{workshop.tickets[0].token}/replace", \
            f"/orders/{workshop.order.number}/print", Ticket
        form = {}
    else:
        url, page, model = "/assess/accept", "/assess?product=SCARF&quantity=60&due=2030-06-01&customer=X", Order
        form = {"product": "SCARF", "quantity": "60", "due": "2030-06-01", "customer": "双击客户",
                "assessed": "SCARF|60|2030-06-01"}
    html = owner_client.get(page).get_data(as_text=True)
    field = "request_id" if what == "inquiry" else "once"
    form[field] = soup(owner_client.get(page)).select_one(f"input[name={field}]")["value"]
    assert html
    before = count(session, model)
    clients = [owner_client] + signed_in_owners(app, owner, 2)
    tokens = [csrf_token(c, page) for c in clients]
    answers = in_parallel([lambda c=c, t=t: c.post(url, data={**form, "csrf_token": t})
                           for c, t in zip(clients, tokens)])
    assert [a.status_code for a in answers] == [302] * 3, [a.get_data(as_text=True)[:300] for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1
    assert count(session, model) == before + 1
    if what == "inquiry":
        assert count(session, Inquiry) == 1


def test_orders_take_the_products_bundle_size_also_when_accepted_from_an_inquiry(owner_client, session,
                                                                                  workshop):
    from factory.data.models import Order, Product
    page = soup(owner_client.get("/products/SCARF"))
    token = page.select_one("input[name=csrf_token]")["value"]
    form = {"csrf_token": token, "name": "测试围巾", "bundle_size": "25"}
    assert owner_client.post("/products/SCARF", data=form).status_code == 302
    assert fresh(session).exec(select(Product)).one().bundle_size == 25
    bad = owner_client.post("/products/SCARF", data={**form, "bundle_size": "0"})
    assert bad.status_code == 422 and soup(bad).select_one('[aria-invalid="true"]#bundle_size') is not None
    accept = soup(owner_client.get("/assess?product=SCARF&quantity=60&due=2030-06-01&customer=X"))
    answer = owner_client.post("/assess/accept", data={
        "product": "SCARF", "quantity": "60", "due": "2030-06-01", "customer": "询价客户",
        "assessed": "SCARF|60|2030-06-01", "request_id": accept.select_one("input[name=request_id]")["value"],
        "csrf_token": accept.select_one("input[name=csrf_token]")["value"]})
    assert answer.status_code == 302
    order = fresh(session).exec(select(Order).where(Order.customer == "询价客户")).one()
    tickets = session.exec(select(Ticket).where(Ticket.order_id == order.id)).all()
    assert order.bundle_size == 25 and sorted(t.quantity for t in tickets) == [10, 25, 25]


# --- 6. plausible claims over the shift hours -----------------------------------------------------

def test_working_minutes_follow_the_shifts_breaks_and_night_shifts():
    from factory.domain.plausibility import ShiftHours, parse_breaks, shift_errors, shift_start, working_minutes
    day = ShiftHours(0, 7 * 60 + 30, 18 * 60 + 30, tuple(parse_breaks("11:30-12:30, 15:30-16:00")))
    night = ShiftHours(1, 20 * 60, 6 * 60, tuple(parse_breaks("00:00-00:30")))
    shifts = {0: day, 1: night}
    monday = datetime(2025, 3, 3)
    assert working_minutes(shifts, monday.replace(hour=7, minute=30), monday.replace(hour=16)) == 510 - 90
    assert shift_start(shifts, monday.replace(hour=12)) == monday.replace(hour=7, minute=30)
    assert shift_start(shifts, monday.replace(hour=19)) is None
    # Tuesday 20:00 to Wednesday 06:00, half an hour's break after midnight.
    wednesday_5 = datetime(2025, 3, 5, 5, 0)
    assert shift_start(shifts, wednesday_5) == datetime(2025, 3, 4, 20, 0)
    assert working_minutes(shifts, datetime(2025, 3, 4, 20, 0), wednesday_5) == 9 * 60 - 30
    assert parse_breaks("12:00-13:00，17:30 - 18:00") == [(720, 780), (1050, 1080)] and parse_breaks("noon") is None
    assert shift_errors(450, 1110, [(300, 360)]) == "break_outside" and shift_errors(450, 450, []) == "shift_empty"
    assert shift_errors(1200, 360, [(0, 30)]) is None


def set_shifts(session, starts=None, ends=None, breaks=""):
    """Shift hours every day. Without times: a shift of 23 h 59 min that began 8 hours ago in the
    workshop's zone, so the tests that claim a few hours' work first thing pass at any hour of the
    day (a fixed 00:00 start made the first claim implausible just after midnight in Shanghai)."""
    from zoneinfo import ZoneInfo

    from factory.data.models import Shift
    from factory.domain.plausibility import minute_of
    if starts is None:
        local = datetime.now(ZoneInfo("Asia/Shanghai"))
        first = (local.hour * 60 + local.minute - 8 * 60) % 1440
        start_minute, end_minute = first, (first - 1) % 1440
    else:
        start_minute, end_minute = minute_of(starts), minute_of(ends)
    for d in range(7):
        session.add(Shift(weekday=d, starts=start_minute, ends=end_minute, breaks=breaks))
    session.commit()


def test_one_tap_cannot_credit_a_whole_order_without_confirming(worker_client, session, workshop):
    """The issue's case: an order without a bundle size is one ticket of 1,500 pieces."""
    from factory.data.models import Order
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    set_shifts(session)
    order = create_order(session=session, order_in=OrderIn(customer="大单", product="SCARF", quantity=1500,
                                                               due=date.today() + timedelta(days=30)))
    ticket = fresh(session).exec(select(Ticket).where(Ticket.order_id == order.id)).one()
    page = soup(worker_client.get(f"/t/{ticket.token}"))
    assert page.select_one("#good")["value"] == "1500"
    form = {"csrf_token": page.select_one("input[name=csrf_token]")["value"],
            "worker": page.select_one("#log-form input[name=worker]")["value"],
            "id": page.select_one("input[name=id]")["value"], "operation": "knitting", "good": "1500",
            "defects": "0"}
    asked = worker_client.post(f"/t/{ticket.token}/scans", data=form)
    assert asked.status_code == 409
    asked_page = soup(asked)
    assert "9000" in asked_page.select_one("p.result.error").get_text() or \
        "9,000" in asked_page.select_one("p.result.error").get_text()
    assert asked_page.select_one("input[name=confirm]")["value"] == "1"
    assert fresh(session).exec(select(Scan)).all() == []
    confirmed = worker_client.post(f"/t/{ticket.token}/scans", data={**form, "confirm": "1"})
    assert confirmed.status_code == 303
    stored = fresh(session).exec(select(Scan)).one()
    assert stored.good == 1500 and stored.implausible is True
    assert order.id == session.get(Order, order.id).id


def test_the_api_answers_implausible_unless_confirmed(engine, client, api_headers, session, workshop):
    set_shifts(session)
    body = {"ticket": workshop.tickets[0].token, "operation": "knitting", "worker": "W1", "good": 40}
    assert client.post("/api/scans", json={**body, "id": "plausible-1"}, headers=api_headers).status_code == 201
    # 40 more pieces (240 standard minutes) a moment after the first claim: not plausible.
    body["ticket"] = workshop.tickets[1].token
    refused = client.post("/api/scans", json={**body, "id": "plausible-2"}, headers=api_headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "implausible"
    assert client.post("/api/scans", json={**body, "id": "plausible-2", "confirm": True},
                       headers=api_headers).status_code == 201
    flags = [s.implausible for s in fresh(session).exec(select(Scan).order_by(Scan.id))]
    assert flags == [False, True]


def test_claims_are_measured_against_the_shift_and_its_breaks(engine, session, workshop):
    from zoneinfo import ZoneInfo
    set_shifts(session, "07:30", "18:30", "11:30-12:30, 15:30-16:00")
    shanghai = ZoneInfo("Asia/Shanghai")
    at_16 = datetime(2025, 3, 3, 16, 0, tzinfo=shanghai).astimezone(UTC)  # Monday, 420 working minutes

    def claim(ticket, good, now, confirm=False):
        return record_scan(engine=engine, now=now, request=ScanRequest(
            str(uuid.uuid4()), ticket.token, "knitting", "W1", good, confirm=confirm, zone=shanghai))

    # 40 × 6 = 240 standard minutes since the shift start: fits in 420 × 3.
    assert claim(workshop.tickets[0], 40, at_16).status == 201
    # Ten minutes later, another 40 pieces: 240 minutes in 10 working minutes is not plausible.
    refused = claim(workshop.tickets[1], 40, at_16 + timedelta(minutes=10))
    assert refused.refusal.code == "implausible" and refused.refusal.numbers["working"] == 10
    # 80 minutes later it fits (80 × 3 + 5 = 245 ≥ 240).
    assert claim(workshop.tickets[1], 40, at_16 + timedelta(minutes=80)).status == 201


def test_the_owner_sets_shift_hours_on_the_settings_page(owner_client, session, workshop):
    from factory.data.models import Shift
    token = soup(owner_client.get("/settings")).select_one("#shifts ~ form input[name=csrf_token]")["value"]
    bad = owner_client.post("/settings/shifts", data={"csrf_token": token, "starts_0": "07:30", "ends_0": "18:30",
                                                      "breaks_0": "06:00-07:00"})
    assert bad.status_code == 422 and fresh(session).exec(select(Shift)).all() == []
    assert soup(bad).select_one('[data-field="shift_0"]') is not None
    good = owner_client.post("/settings/shifts", data={"csrf_token": token, "starts_0": "07:30", "ends_0": "18:30",
                                                       "breaks_0": "11:30-12:30", "starts_5": "20:00",
                                                       "ends_5": "06:00"})
    assert good.status_code == 302
    rows = {s.weekday: (s.starts, s.ends, s.breaks) for s in fresh(session).exec(select(Shift))}
    assert rows == {0: (450, 1110, "11:30-12:30"), 5: (1200, 360, "")}
    page = soup(owner_client.get("/settings"))
    assert page.select_one('tr[data-weekday="5"] input[name=starts_5]')["value"] == "20:00"


def _doubted_claim(client, api_headers, session, workshop):
    """A plausible claim, then a confirmed implausible one: the second is to check."""
    set_shifts(session)
    body = {"ticket": workshop.tickets[0].token, "operation": "knitting", "worker": "W1", "good": 40}
    assert client.post("/api/scans", json={**body, "id": "check-one-1"}, headers=api_headers).status_code == 201
    body["ticket"] = workshop.tickets[1].token
    assert client.post("/api/scans", json={**body, "id": "check-one-2", "confirm": True},
                       headers=api_headers).status_code == 201


def test_the_owner_lists_claims_to_check_and_marks_one_right(client, owner_client, api_headers, session, workshop):
    from factory.data.models import AuditEntry, ClaimCheck
    assert "/checks" not in owner_client.get("/orders").get_data(as_text=True)  # nothing to check: no menu entry
    _doubted_claim(client, api_headers, session, workshop)
    menu = soup(owner_client.get("/orders")).select_one("a.to-check")
    assert menu is not None and menu.select_one(".count").get_text() == "1"
    assert "1" in soup(owner_client.get("/")).select_one(".to-check-notice a").get_text()
    listed = soup(owner_client.get("/checks"))
    cards = listed.select("li[data-scan]")
    assert [c["data-scan"] for c in cards] == ["check-one-2"]
    assert "40" in cards[0].get_text() and "240" in cards[0].get_text()  # pieces and standard minutes
    token = cards[0].select_one("input[name=csrf_token]")["value"]
    done = owner_client.post("/checks/check-one-2/right", data={"csrf_token": token})
    assert done.status_code == 303
    check = fresh(session).exec(select(ClaimCheck)).one()
    assert check.scan_id == session.exec(select(Scan.id).where(Scan.client_id == "check-one-2")).one()
    assert soup(owner_client.get("/checks")).select("li[data-scan]") == []
    assert soup(owner_client.get("/orders")).select_one("a.to-check") is None
    assert soup(owner_client.get("/")).select_one(".to-check-notice") is None
    # The worker's scans page no longer marks it, and the audit log says who marked it right.
    worker_page = owner_client.get(f"/workers/{workshop.knitter.id}/scans").get_data(as_text=True)
    assert "check-one-2" in worker_page and 'class="badge risk"' not in worker_page
    assert "desk.claim_right" in [e.action for e in fresh(session).exec(select(AuditEntry))]
    # Pieces are untouched: marking right changes no scan.
    assert [s.good for s in fresh(session).exec(select(Scan).order_by(Scan.id))] == [40, 40]
    # Again: harmless, still one mark.
    assert owner_client.post("/checks/check-one-2/right", data={"csrf_token": token}).status_code == 303
    assert len(fresh(session).exec(select(ClaimCheck)).all()) == 1


def test_a_corrected_claim_leaves_the_list_and_a_plain_one_cannot_be_marked(client, owner_client, api_headers,
                                                                             session, workshop):
    from factory.data.models import ClaimCheck
    _doubted_claim(client, api_headers, session, workshop)
    assert client.post("/api/scans/check-one-2/reverse", json={"reason": "只织了 4 件"},
                       headers=api_headers).status_code == 201
    assert soup(owner_client.get("/checks")).select("li[data-scan]") == []
    token = csrf_token(owner_client, "/checks")
    refused = owner_client.post("/checks/check-one-1/right", data={"csrf_token": token}, follow_redirects=True)
    assert "not waiting to be checked" in refused.get_data(as_text=True) or "不在待核对" in refused.get_data(as_text=True)
    assert fresh(session).exec(select(ClaimCheck)).all() == []
    assert owner_client.post("/checks/no-such-scan-id/right", data={"csrf_token": token}).status_code == 404
