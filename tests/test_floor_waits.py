"""Where pieces wait, as the database counts it (`factory.data.floor.bundle_waits`, one SQL query)
against the rule itself (`factory.domain.stuck.waits`) recounted here from every scan row: the
demo workshop, then more scans, undos (negative pieces), a reissued ticket (one bundle on two
papers), a voided ticket, a second order with nothing scanned, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from factory.data.floor import bundle_waits
from factory.data.models import OPEN_STATUSES, BundleProgress, Operation, Order, Scan, Ticket, Worker
from factory.domain.stuck import StepCount, waits
from factory.printing.tickets import reissue_ticket, void_ticket
from tests.conftest import api_scan, fresh

ZONE = ZoneInfo("Asia/Shanghai")


def _utc(moment):
    return None if moment is None else (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)


def scan_rows(session):
    """Every scan row's columns the recounts read, as stored (plain rows: the demo's thousands of
    scans as ORM objects, recounted a dozen times, were most of this module's time)."""
    return session.exec(select(Scan.ticket_id, Scan.operation_id, Scan.good, Scan.defects, Scan.worked_at)).all()


def recount(session, centers: set[int] | None = None) -> list[tuple]:
    """Every waiting place from the rows themselves: (ticket, operation, previous, pieces, since, started)."""
    session = fresh(session)
    wanted = {s.value for s in OPEN_STATUSES}
    orders = {o.id: o for o in session.exec(select(Order)) if o.status in wanted}
    tickets = [t for t in session.exec(select(Ticket)) if t.order_id in orders]
    key_of = {t.id: t.bundle_key for t in tickets}
    routes = defaultdict(list)
    for op in session.exec(select(Operation).order_by(Operation.product_id, Operation.position)):
        routes[op.product_id].append(op)
    order_of = {t.id: t.order_id for t in tickets}
    good, logged, last, started = defaultdict(int), defaultdict(int), {}, set()
    for scan in scan_rows(session):
        if scan.ticket_id not in key_of:
            continue
        at = (key_of[scan.ticket_id], scan.operation_id)
        good[at] += scan.good
        logged[at] += scan.good + scan.defects
        moment = _utc(scan.worked_at)
        last[at] = moment if at not in last else max(last[at], moment)
        started.add(order_of[scan.ticket_id])
    out = []
    for ticket in tickets:
        if ticket.voided_at is not None:
            continue
        route = routes[orders[ticket.order_id].product_id]
        steps = [StepCount(good[(ticket.bundle_key, op.id)], logged[(ticket.bundle_key, op.id)],
                           last.get((ticket.bundle_key, op.id))) for op in route]
        for wait in waits(ticket.quantity, steps):
            op = route[wait.position]
            if centers is not None and op.work_center_id not in centers:
                continue
            out.append((ticket.id, op.id, route[wait.position - 1].id if wait.position else None, wait.pieces,
                        wait.since, ticket.order_id in started))
    return sorted(out, key=repr)


def progress_from_scans(session) -> dict:
    """(bundle, operation) → (good, defects, last work time), summed here from every scan row."""
    session = fresh(session)
    key_of = {t.id: t.bundle_key for t in session.exec(select(Ticket))}
    sums: dict = {}
    for row in scan_rows(session):
        at = (key_of[row.ticket_id], row.operation_id)
        good, defects, last = sums.get(at, (0, 0, None))
        moment = _utc(row.worked_at)
        sums[at] = (good + row.good, defects + row.defects, moment if last is None else max(last, moment))
    return sums


def kept_progress(session) -> dict:
    """The same, as the database keeps it (the trigger on scan inserts)."""
    return {(p.bundle_id, p.operation_id): (p.good, p.defects, _utc(p.last_worked_at))
            for p in fresh(session).exec(select(BundleProgress))}


def counted(session, centers: set[int] | None = None) -> list[tuple]:
    found = bundle_waits(session=fresh(session), zone=ZONE, centers=centers)
    return sorted(((w.ticket.id, w.operation.id, w.previous.id if w.previous else None, w.pieces, w.since, w.started)
                   for w in found), key=repr)


def scan(session, ticket, operation, worker, good, defects=0, at=None, reverses=None):
    session.add(Scan(client_id=str(uuid.uuid4()), ticket_id=ticket.id, operation_id=operation.id,
                     worker_id=worker.id, good=good, defects=defects, created_at=at or datetime.now(UTC),
                     reverses_id=reverses))
    session.commit()


def test_the_database_counts_waiting_pieces_as_the_rule_does(demo, session):
    assert counted(session) == recount(session)
    rng = random.Random(15)
    wanted = [s.value for s in OPEN_STATUSES]
    orders = list(session.exec(select(Order).where(Order.status.in_(wanted)).order_by(Order.id)))
    workers = list(session.exec(select(Worker)))
    now = datetime.now(UTC)
    for _ in range(60):  # more scans, some with defects, some far back in time, some undone
        order = rng.choice(orders)
        ticket = rng.choice(list(session.exec(select(Ticket).where(Ticket.order_id == order.id))))
        route = list(session.exec(select(Operation).where(Operation.product_id == order.product_id)
                                  .order_by(Operation.position)))
        if not route:
            continue
        scan(session, ticket, rng.choice(route), rng.choice(workers), rng.randint(1, 20), rng.choice([0, 0, 1]),
             now - timedelta(hours=rng.randint(0, 300)))
        if rng.random() < 0.2:
            last = session.exec(select(Scan).order_by(Scan.id.desc()).limit(1)).one()
            scan(session, ticket, session.get(Operation, last.operation_id), rng.choice(workers), -last.good,
                 -last.defects, now, reverses=last.id)
        if rng.random() < 0.2:
            assert counted(session) == recount(session)
    # One bundle on two papers: the reissue counts with the scans of the voided first paper.
    ticket = session.exec(select(Ticket).join(Scan, Scan.ticket_id == Ticket.id)
                          .where(Ticket.order_id.in_([o.id for o in orders]))).first()
    replacement = reissue_ticket(session=session, token=ticket.token)
    session.commit()
    route = list(session.exec(select(Operation).where(Operation.product_id == session.get(Order, ticket.order_id)
                                                     .product_id).order_by(Operation.position)))
    scan(session, replacement, route[0], workers[0], 3)
    other = session.exec(select(Ticket).where(Ticket.order_id == orders[-1].id, Ticket.voided_at.is_(None))).first()
    void_ticket(session=session, token=other.token)
    session.commit()
    assert counted(session) == recount(session)
    for center in {op.work_center_id for op in session.exec(select(Operation))}:
        assert counted(session, {center}) == recount(session, {center})
    assert any(w[5] for w in counted(session)) and any(not w[5] for w in counted(session))
    assert kept_progress(session) == progress_from_scans(session)


def test_an_undo_below_zero_and_more_logged_than_arrived(session, workshop):
    """Edge counts: pieces undone below nothing upstream, more logged downstream than arrived."""
    knit, link, pack = workshop.operations
    first, second = workshop.tickets[0], workshop.tickets[1]
    scan(session, first, knit, workshop.knitter, 10)
    scan(session, first, knit, workshop.knitter, -15)
    scan(session, first, link, workshop.linker, -3)  # pieces wait at linking: 0 arrived, 3 undone
    scan(session, second, knit, workshop.knitter, 30, 2)
    scan(session, second, link, workshop.linker, 35)
    scan(session, second, pack, workshop.packer, 1, 1)
    assert counted(session) == recount(session)
    assert counted(session, {workshop.linking.id}) == recount(session, {workshop.linking.id})
    assert kept_progress(session) == progress_from_scans(session)


def test_every_scan_path_keeps_the_bundle_sums(session, client, api_headers, workshop):
    """The sums the floor reads grow with every scan, whichever way it is written: the API's scan
    path (Core), an undo and an office correction (ORM), a scan on a reissued ticket."""
    knit, link, _pack = workshop.operations
    first = workshop.tickets[0]
    assert kept_progress(session) == {}
    done = api_scan(client, api_headers, first, knit, workshop.knitter, 12, 1).get_json()
    api_scan(client, api_headers, first, link, workshop.linker, 5)
    fixed = client.post(f"/api/scans/{done['id']}/reverse", headers=api_headers, json={
        "reason": "数错了", "worker": workshop.knitter.code, "good": 10, "defects": 2})
    assert fixed.status_code == 201, fixed.get_json()
    api_scan(client, api_headers, first, knit, workshop.knitter, 3, 1)
    session.rollback()  # the test's read snapshot ends before it writes
    replacement = reissue_ticket(session=session, token=first.token)
    session.commit()
    api_scan(client, api_headers, replacement, link, workshop.linker, 2)
    kept = kept_progress(session)
    assert kept == progress_from_scans(session)
    assert kept[(first.id, knit.id)][:2] == (13, 3) and kept[(first.id, link.id)][:2] == (7, 0)


def test_recount_rebuilds_the_bundle_sums_from_the_scans(app, session, client, api_headers, workshop):
    """After a restore of data only or a hand edit, `flask --app app recount` makes the sums the
    scans' own again; the scans and pay are not touched."""
    knit, link, _pack = workshop.operations
    api_scan(client, api_headers, workshop.tickets[0], knit, workshop.knitter, 12, 1)
    api_scan(client, api_headers, workshop.tickets[0], link, workshop.linker, 5)
    right = progress_from_scans(session)
    engine = app.extensions["engine"]
    with engine.begin() as conn:  # the sums drift (a hand edit)
        conn.execute(BundleProgress.__table__.update().values(good=BundleProgress.good + 7))
        conn.execute(BundleProgress.__table__.delete().where(BundleProgress.operation_id == link.id))
    assert kept_progress(session) != right
    scans_before = [(s.id, s.good, s.defects) for s in fresh(session).exec(select(Scan).order_by(Scan.id))]
    result = app.test_cli_runner().invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.output
    assert kept_progress(session) == right
    assert [(s.id, s.good, s.defects) for s in fresh(session).exec(select(Scan).order_by(Scan.id))] == scans_before
