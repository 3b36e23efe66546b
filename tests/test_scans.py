"""Scans: the rules (pure and in the database), idempotency, undo, double claims, concurrency from
threads and processes, and the JSON API."""
from __future__ import annotations

import multiprocessing
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from factory.data import db
from factory.data.models import Scan, Ticket, Worker, WorkerWorkCenter
from factory.data.orders import create_order
from factory.data.scans import ScanRequest, record_scan, undo_scan
from factory.domain.progress import Count, open_pieces
from factory.domain.scan_rules import Refusal, check_scan, check_undo, suggest
from factory.inputs import OrderIn

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def scan(engine, ticket, operation, worker, good, defects=0, *, client_id=None, now=T0, confirm=True):
    return record_scan(engine=engine, now=now, request=ScanRequest(
        client_id or str(uuid.uuid4()), ticket.token, operation, worker.code, good, defects, confirm=confirm))


def totals(session: Session, ticket: Ticket) -> dict[int, tuple[int, int]]:
    session.commit()  # end the test session's read transaction: SQLite would show its old snapshot
    rows = session.exec(select(Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
                        .where(Scan.ticket_id == ticket.id).group_by(Scan.operation_id)).all()
    return {op: (int(g), int(d)) for op, g, d in rows}


def scan_count(session: Session) -> int:
    session.commit()
    return session.exec(select(func.count()).select_from(Scan)).one()


@pytest.fixture
def engine(app):
    return app.extensions["engine"]


@pytest.fixture
def all_rounder(session, workshop) -> Worker:
    """A worker at every work center, so sequences can use the whole route."""
    worker = Worker(code="W9", name="全能")
    session.add(worker)
    session.flush()
    session.add_all(WorkerWorkCenter(worker_id=worker.id, work_center_id=wc.id)
                    for wc in (workshop.knitting, workshop.linking, workshop.packing))
    session.commit()
    return worker


# --- the rules, pure --------------------------------------------------------------------------------

def test_a_scan_never_logs_more_than_has_reached_the_operation():
    counts = [Count(30, 2), Count(10, 0), Count()]
    assert check_scan(quantity=40, counts=counts, position=0, good=8, defects=0) is None
    refusal = check_scan(quantity=40, counts=counts, position=0, good=9, defects=0, operation="织片")
    assert refusal == Refusal("over_open", "good", {"open": 8, "operation": "织片", "asked": 9, "quantity": 40,
                                                    "reached": 40, "previous": ""})
    # Linking has received the 30 good knitted pieces, 10 are logged: 20 open.
    assert check_scan(quantity=40, counts=counts, position=1, good=20, defects=0) is None
    assert check_scan(quantity=40, counts=counts, position=1, good=19, defects=2).numbers["open"] == 20
    assert check_scan(quantity=40, counts=counts, position=2, good=11, defects=0).numbers["open"] == 10
    assert check_scan(quantity=40, counts=counts, position=0, good=0, defects=0).code == "empty"
    assert check_scan(quantity=40, counts=counts, position=0, good=-1, defects=0).code == "negative"


def test_an_undo_keeps_the_flow():
    counts = [Count(30, 0), Count(25, 0), Count()]
    common = dict(quantity=40, counts=counts, position=0, age_seconds=10, same_worker=True, is_reversal=False,
                  already_undone=False, next_operation="套口")
    assert check_undo(good=5, defects=0, **common) is None
    refusal = check_undo(good=6, defects=0, **common)
    assert refusal.code == "used_downstream" and refusal.numbers == {"next": "套口", "logged": 25, "undoable": 5}
    assert check_undo(good=5, defects=0, **{**common, "age_seconds": 121}).code == "undo_too_late"
    assert check_undo(good=5, defects=0, **{**common, "same_worker": False}).code == "not_yours"
    assert check_undo(good=5, defects=0, **{**common, "already_undone": True}).code == "already_undone"
    assert check_undo(good=-5, defects=0, **{**common, "is_reversal": True}).code == "undo_of_undo"


def test_the_suggested_operation_is_the_first_of_the_workers_with_open_pieces():
    assert suggest(open_by_position=[0, 12, 5], own_positions=[0, 2]) == 2
    assert suggest(open_by_position=[0, 12, 0], own_positions=[0, 2]) == 0
    assert suggest(open_by_position=[3, 12, 0], own_positions=[]) is None


steps = st.lists(st.tuples(st.sampled_from(["scan", "undo"]), st.integers(0, 3), st.integers(0, 60),
                           st.integers(0, 5)), max_size=40)


def _invariants(quantity: int, counts: list[Count]) -> None:
    for k, c in enumerate(counts):
        reached = quantity if k == 0 else counts[k - 1].good
        assert 0 <= c.good and 0 <= c.defects
        assert c.logged <= reached <= quantity


@settings(max_examples=300, deadline=None)
@given(quantity=st.integers(1, 50), sequence=steps)
def test_any_sequence_the_rules_accept_keeps_every_total_within_bounds(quantity, sequence):
    counts = [Count()] * 4
    accepted: list[tuple[int, int, int]] = []
    for kind, position, good, defects in sequence:
        if kind == "scan":
            if check_scan(quantity=quantity, counts=counts, position=position, good=good, defects=defects) is None:
                counts[position] = Count(counts[position].good + good, counts[position].defects + defects)
                accepted.append((position, good, defects))
        elif accepted:
            position, good, defects = accepted[-1]
            if check_undo(quantity=quantity, counts=counts, position=position, good=good, defects=defects,
                          age_seconds=0, same_worker=True, is_reversal=False, already_undone=False) is None:
                counts[position] = Count(counts[position].good - good, counts[position].defects - defects)
                accepted.pop()
        _invariants(quantity, counts)
    assert all(n >= 0 for n in open_pieces(quantity, counts))


# --- recording in the database -------------------------------------------------------------------------

def test_a_scan_is_recorded_with_the_tickets_progress_and_starts_the_order(engine, session, workshop):
    ticket = workshop.tickets[0]
    outcome = scan(engine, ticket, "knitting", workshop.knitter, 38, 2)
    assert outcome.status == 201
    body = outcome.json()
    assert body["good"] == 38 and body["defects"] == 2 and body["worker"] == "W1" and body["undoes"] is None
    assert [(p["operation"], p["good"], p["defects"], p["open"]) for p in body["progress"]["operations"]] == [
        ("knitting", 38, 2, 0), ("linking", 0, 0, 38), ("packing", 0, 0, 0)]
    session.commit()
    session.refresh(workshop.order)
    assert workshop.order.status == "in_production"
    assert totals(session, ticket) == {workshop.operations[0].id: (38, 2)}


def test_the_same_id_again_returns_the_first_answer_and_records_nothing(engine, session, workshop):
    ticket = workshop.tickets[0]
    first = scan(engine, ticket, "knitting", workshop.knitter, 10, client_id="retry-0001")
    scan(engine, ticket, "knitting", workshop.knitter, 5)  # progress moves on in between
    again = scan(engine, ticket, "knitting", workshop.knitter, 10, client_id="retry-0001")
    assert (first.status, again.status) == (201, 200)
    assert again.json() == first.json()
    assert scan_count(session) == 2
    different = scan(engine, ticket, "knitting", workshop.knitter, 11, client_id="retry-0001")
    assert different.status == 409 and different.refusal.code == "id_reused"


def test_over_the_open_quantity_is_refused_with_the_numbers(engine, session, workshop):
    ticket = workshop.tickets[0]
    scan(engine, ticket, "knitting", workshop.knitter, 30)
    refused = scan(engine, ticket, "linking", workshop.linker, 31)
    assert refused.status == 409 and refused.refusal.code == "over_open"
    assert refused.refusal.numbers["open"] == 30 and refused.refusal.numbers["operation"] == "套口"
    assert scan(engine, ticket, "knitting", workshop.knitter, 11).refusal.numbers["open"] == 10
    assert totals(session, ticket) == {workshop.operations[0].id: (30, 0)}


def test_a_worker_logs_only_at_their_work_centers(engine, session, workshop):
    refused = scan(engine, workshop.tickets[0], "linking", workshop.knitter, 1)
    assert refused.status == 403 and refused.refusal.numbers == {"operation": "套口", "work_center": "套口"}
    assert scan_count(session) == 0


@pytest.mark.parametrize("status", ["cancelled", "shipped", "draft"])
def test_closed_orders_take_no_scans(engine, session, workshop, status):
    workshop.order.status = status
    session.add(workshop.order)
    session.commit()
    refused = scan(engine, workshop.tickets[0], "knitting", workshop.knitter, 1)
    assert refused.status == 409 and refused.refusal.code == "order_closed"
    assert scan_count(session) == 0


def test_voided_tickets_take_no_scans(engine, session, workshop):
    ticket = workshop.tickets[1]
    ticket.voided_at = T0
    session.add(ticket)
    session.commit()
    assert scan(engine, ticket, "knitting", workshop.knitter, 1).refusal.code == "ticket_voided"


def test_unknown_operation_and_worker_name_the_field(engine, workshop):
    assert scan(engine, workshop.tickets[0], "dyeing", workshop.knitter, 1).refusal == Refusal(
        "unknown_operation", "operation", {"code": "dyeing"})
    ghost = Worker(code="NOBODY", name="x")
    assert scan(engine, workshop.tickets[0], "knitting", ghost, 1).refusal.field == "worker"


def test_undo_within_two_minutes_by_the_same_worker_once(engine, session, workshop):
    ticket = workshop.tickets[0]
    first = scan(engine, ticket, "knitting", workshop.knitter, 20, client_id="undo-me-01")
    assert undo_scan(engine=engine, client_id="undo-me-01", worker="W2", now=T0).refusal.code == "not_yours"
    undone = undo_scan(engine=engine, client_id="undo-me-01", worker="W1", now=T0 + timedelta(seconds=119))
    assert undone.status == 201 and undone.scan.good == -20 and undone.undoes.id == first.scan.id
    assert undone.json()["progress"]["operations"][0]["good"] == 0
    again = undo_scan(engine=engine, client_id="undo-me-01", worker="W1", now=T0 + timedelta(seconds=130))
    assert again.status == 200 and again.json() == undone.json()
    assert undo_scan(engine=engine, client_id=undone.scan.client_id, worker="W1", now=T0).refusal.code == "undo_of_undo"
    late = scan(engine, ticket, "knitting", workshop.knitter, 5, client_id="undo-late-1")
    assert undo_scan(engine=engine, client_id="undo-late-1", worker="W1",
                     now=T0 + timedelta(seconds=121)).refusal.code == "undo_too_late"
    assert totals(session, ticket) == {workshop.operations[0].id: (5, 0)}
    assert late.status == 201


def test_undo_is_refused_once_the_next_operation_used_the_pieces(engine, session, workshop):
    ticket = workshop.tickets[0]
    scan(engine, ticket, "knitting", workshop.knitter, 20, client_id="knit-a-001")
    scan(engine, ticket, "knitting", workshop.knitter, 20, client_id="knit-b-001")
    scan(engine, ticket, "linking", workshop.linker, 25)
    refused = undo_scan(engine=engine, client_id="knit-b-001", worker="W1", now=T0)
    assert refused.status == 409 and refused.refusal.numbers["logged"] == 25
    assert totals(session, ticket)[workshop.operations[0].id] == (40, 0)


def test_a_quick_second_claim_needs_confirming(engine, session, workshop):
    ticket = workshop.tickets[0]
    assert scan(engine, ticket, "knitting", workshop.knitter, 10, confirm=False).status == 201
    # 10 pieces × 6 minutes = 60 standard minutes; 3 minutes × 3 (tolerance) + 5 (grace) = 14 fit.
    warned = scan(engine, ticket, "knitting", workshop.knitter, 10, now=T0 + timedelta(minutes=3), confirm=False)
    assert warned.status == 409 and warned.refusal.code == "implausible"
    assert (warned.refusal.numbers["minutes"], warned.refusal.numbers["working"]) == (60, 3)
    assert scan(engine, ticket, "knitting", workshop.knitter, 10, now=T0 + timedelta(minutes=19),
                confirm=False).status == 201
    assert scan(engine, ticket, "knitting", workshop.knitter, 10, now=T0 + timedelta(minutes=20)).status == 201
    assert totals(session, ticket) == {workshop.operations[0].id: (30, 0)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quantity=st.integers(1, 30), sequence=steps)
def test_random_scan_sequences_in_the_database_match_the_rules(engine, session, workshop, all_rounder,
                                                                quantity, sequence):
    order = create_order(session=session, order_in=OrderIn(customer="prop", product="SCARF", quantity=quantity,
                                                               due=date(2030, 1, 1)))
    session.commit()
    ticket = session.exec(select(Ticket).where(Ticket.order_id == order.id)).one()
    codes = ["knitting", "linking", "packing"]
    counts = [Count()] * 3
    mine: list[tuple[str, int, int, int]] = []
    for i, (kind, position, good, defects) in enumerate(sequence):
        now = T0 + timedelta(seconds=i)
        position %= 3
        if kind == "scan":
            expected = check_scan(quantity=quantity, counts=counts, position=position, good=good, defects=defects)
            outcome = scan(engine, ticket, codes[position], all_rounder, good, defects, now=now)
            assert outcome.ok == (expected is None), (expected, outcome.refusal)
            if outcome.ok:
                counts[position] = Count(counts[position].good + good, counts[position].defects + defects)
                mine.append((outcome.scan.client_id, position, good, defects))
                # A retry of the same id changes nothing.
                assert scan(engine, ticket, codes[position], all_rounder, good, defects,
                            client_id=outcome.scan.client_id, now=now).status == 200
        elif mine:
            client_id, position, good, defects = mine[-1]
            expected = check_undo(quantity=quantity, counts=counts, position=position, good=good, defects=defects,
                                  age_seconds=0, same_worker=True, is_reversal=False, already_undone=False)
            outcome = undo_scan(engine=engine, client_id=client_id, worker="W9", now=now)
            assert outcome.ok == (expected is None)
            if outcome.ok:
                counts[position] = Count(counts[position].good - good, counts[position].defects - defects)
                mine.pop()
        _invariants(quantity, counts)
    stored = totals(session, ticket)
    assert [stored.get(op.id, (0, 0)) for op in workshop.operations] == [(c.good, c.defects) for c in counts]


# --- concurrency -------------------------------------------------------------------------------------

def test_parallel_scans_from_threads_keep_the_exact_total(engine, session, workshop):
    ticket = workshop.tickets[0]  # 40 pieces
    results: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(10):
            # Every second request is a retry of the one before: it must not count twice.
            client_id = f"thread-{n}-{i - i % 2}"
            status = scan(engine, ticket, "knitting", workshop.knitter, 1, client_id=client_id).status
            with lock:
                results.append(status)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80
    stored = totals(session, ticket)[workshop.operations[0].id]
    assert stored == (40, 0)
    assert scan_count(session) == 40 == results.count(201)
    assert set(results) <= {200, 201, 409}


def scan_from_another_process(url: str, token: str, worker: str, prefix: str, n: int) -> list[int]:
    engine = db.make_engine(url)
    try:
        return [record_scan(engine=engine, now=datetime.now(UTC), request=ScanRequest(
            f"{prefix}-{i}", token, "knitting", worker, 1)).status for i in range(n)]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_parallel_scans_from_processes_keep_the_exact_total(database_url, session, workshop):
    ticket = workshop.tickets[2]  # 20 pieces
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        answers = pool.starmap(scan_from_another_process,
                               [(database_url, ticket.token, "W1", f"proc-{p}", 12) for p in range(3)])
    statuses = [s for batch in answers for s in batch]
    assert statuses.count(201) == 20 and statuses.count(409) == 16
    assert totals(session, ticket)[workshop.operations[0].id] == (20, 0)


# --- the API -------------------------------------------------------------------------------------------

def body(workshop, **changes) -> dict:
    return {"id": str(uuid.uuid4()), "ticket": workshop.tickets[0].token, "operation": "knitting",
            "worker": "W1", "good": 40, "defects": 0} | changes


def test_api_records_a_scan_and_answers_a_retry_with_the_same_body(client, api_headers, session, workshop):
    sent = body(workshop, good=30)
    first = client.post("/api/scans", json=sent, headers=api_headers)
    assert first.status_code == 201
    assert first.json["progress"]["operations"][0] == {"operation": "knitting", "name": "织片", "reached": 40,
                                                       "good": 30, "defects": 0, "open": 10}
    again = client.post("/api/scans", json=sent, headers=api_headers)
    assert again.status_code == 200 and again.json == first.json
    assert scan_count(session) == 1
    order = client.get(f"/api/orders/{workshop.order.number}", headers=api_headers).json
    assert order["operations"][0]["done"] == 30
    assert order["tickets"][0]["done"] == {"knitting": 30, "linking": 0, "packing": 0}


def test_api_refuses_over_the_open_quantity_with_409_and_a_message(client, api_headers, session, workshop):
    response = client.post("/api/scans", json=body(workshop, good=41), headers=api_headers)
    assert response.status_code == 409
    assert response.json["reason"] == "over_open"
    assert "40" in response.json["error"] and "织片" in response.json["error"]
    client.set_cookie("lang", "en")
    english = client.post("/api/scans", json=body(workshop, good=41), headers=api_headers)
    assert english.json["error"] == "Only 40 pieces are open at 织片 for this bundle."
    assert scan_count(session) == 0


def test_api_names_each_invalid_field(client, api_headers, session, workshop):
    response = client.post("/api/scans", headers=api_headers, json={
        "id": "x", "ticket": "", "operation": "no spaces", "good": -1, "defects": "many", "colour": "red"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"id", "ticket", "operation", "worker", "good", "defects", "colour"}
    empty = client.post("/api/scans", json=body(workshop, good=0), headers=api_headers)
    assert empty.status_code == 422 and set(empty.json["errors"]) == {"good"}
    unknown_op = client.post("/api/scans", json=body(workshop, operation="dyeing"), headers=api_headers)
    assert unknown_op.status_code == 422 and "dyeing" in unknown_op.json["errors"]["operation"]
    assert client.post("/api/scans", data="not json", headers=api_headers).status_code == 422
    assert scan_count(session) == 0


def test_api_unknown_ticket_is_404_and_cookies_are_not_enough(client, worker_client, api_headers, workshop):
    assert client.post("/api/scans", json=body(workshop, ticket="nope"), headers=api_headers).status_code == 404
    assert client.post("/api/scans", json=body(workshop)).status_code == 401
    assert worker_client.post("/api/scans", json=body(workshop)).status_code == 401
