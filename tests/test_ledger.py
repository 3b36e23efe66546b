"""The ledger around the scans: a reissued ticket is the same bundle, the office corrects scans in
the open, a scan belongs to the worker who tapped, refused queued scans are kept, creates happen
once, and the work time of a scan."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from factory.data.models import Scan, Ticket
from factory.data.orders import order_view
from factory.data.scans import ScanRequest, pieces_by_operation, record_scan
from factory.data.wip import waiting_by_work_center
from tests.conftest import csrf_token

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=timezone.utc)


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
    assert f"#{new.bundle_no}" in page.get_json()["error"]
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
    day = (T0 - timedelta(hours=9), T0 + timedelta(hours=9))
    lines = pieces_by_operation(session=session, worker_id=workshop.linker.id, start=day[0], end=day[1])
    assert [(line.operation, line.good) for line in lines] == [("套口", 40)]


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
