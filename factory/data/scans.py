"""Recording and undoing scans: the one code path behind the ticket page, its offline queue and
the API. Each scan is checked against the rules inside the write transaction that inserts it,
with the ticket locked, so concurrent scans of one ticket keep exact totals on SQLite and
PostgreSQL; a client-generated id makes every retry safe."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import Engine, Row, and_, bindparam, exists, func, insert, or_, true, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, select

from factory.data.db import get_session, write_together, write_transaction
from factory.data.models import (
    CLOSED_TO_SCANS,
    BundleProgress,
    Operation,
    Order,
    OrderStatus,
    Scan,
    Ticket,
    WorkCenter,
    Worker,
    WorkerWorkCenter,
)
from factory.data.orders import lock_order, route_of
from factory.data.shifts import shift_hours
from factory.domain.plausibility import check_plausible, shift_start, working_minutes
from factory.domain.progress import Count, available, open_pieces
from factory.domain.scan_rules import (
    UNDO_SECONDS,
    Correction,
    Refusal,
    check_flow,
    check_reversal,
    check_scan,
    check_undo,
    suggest,
)

# The HTTP status each refusal answers with (pages and API alike).
STATUS = {
    "unknown_ticket": 404, "unknown_scan": 404,
    "unknown_operation": 422, "unknown_worker": 422, "negative": 422, "empty": 422, "too_many": 422,
    "not_your_work_center": 403, "not_yours": 403,
    "ticket_voided": 409, "order_closed": 409, "over_open": 409, "implausible": 409, "id_reused": 409,
    "undo_of_undo": 409, "already_undone": 409, "undo_too_late": 409, "used_downstream": 409,
    "other_worker": 403, "page_of_other_worker": 409, "reason_required": 422, "reversal_of_reversal": 409, "already_corrected": 409, "downstream_has_more": 409,
}
CLOSED_STATUSES = frozenset(s.value for s in CLOSED_TO_SCANS)
UNDO_PREFIX = "undo:"
# The new scan of an office correction (the reversal of the scan takes UNDO_PREFIX, like an undo).
FIX_PREFIX = "fix:"
CLIENT_ID_LENGTH = 64

# A second name for the scan table ("the scan that reverses this one"); built once, not per query.
_UNDO = aliased(Scan)


def derived_id(prefix: str, client_id: str) -> str:
    """The id of a scan made from another (its undo, its correction): the prefix and the id, or a
    digest of the id where that would not fit the column (a correction of a correction)."""
    if len(prefix) + len(client_id) <= CLIENT_ID_LENGTH:
        return prefix + client_id
    return prefix + hashlib.sha256(client_id.encode()).hexdigest()[:CLIENT_ID_LENGTH - len(prefix)]


@dataclass(frozen=True)
class ScanRequest:
    """What a worker logs. `confirm=False` applies the plausibility rule (an implausible claim is
    refused until confirmed); `confirm=True` records it, marked for the office when implausible."""
    client_id: str
    ticket: str
    operation: str
    worker: str
    good: int
    defects: int = 0
    source: str = "web"
    confirm: bool = True
    worked_at: datetime | None = None  # when the work happened (a queued scan's tap time, bounded)
    zone: tzinfo = UTC  # the workshop's time zone, for its shift hours


@dataclass(frozen=True)
class OperationProgress:
    code: str
    name: str
    work_center_id: int
    reached: int
    good: int
    defects: int
    open: int
    minutes_per_piece: float = 0.0


@dataclass(frozen=True)
class TicketProgress:
    token: str
    quantity: int
    operations: list[OperationProgress]

    def json(self) -> dict:
        return {"ticket": self.token, "quantity": self.quantity,
                "operations": [{"operation": p.code, "name": p.name, "reached": p.reached, "good": p.good,
                                "defects": p.defects, "open": p.open} for p in self.operations]}


@dataclass
class ScanOutcome:
    """The answer to a scan or an undo: 201 recorded, 200 the same id again, or a refusal."""
    status: int
    refusal: Refusal | None = None
    # A scan just recorded holds plain values (LoggedScan, the context row, a route row,
    # Performer); an answer given again, an undo or a correction holds the ORM rows.
    scan: Scan | LoggedScan | None = None
    ticket: Ticket | Row | None = None
    operation: Operation | Row | None = None
    worker: Worker | Performer | None = None
    undoes: Scan | None = None
    progress: TicketProgress | None = None
    correction: Scan | None = None  # the new scan of an office correction
    correction_worker: Worker | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def reversal_json(self) -> dict:
        """The body answering an office reversal or correction; a repeat gets exactly this again."""
        fix = self.correction
        return {"id": self.scan.client_id, "reverses": self.undoes.client_id, "reason": self.scan.reason,
                "ticket": self.ticket.token, "operation": self.operation.code, "worker": self.worker.code,
                "good": self.scan.good, "defects": self.scan.defects,
                "correction": {"id": fix.client_id, "worker": self.correction_worker.code, "good": fix.good,
                               "defects": fix.defects} if fix else None,
                "progress": self.progress.json()}

    def json(self) -> dict:
        """The body sent back; a retry of the same id gets exactly this again."""
        return {"id": self.scan.client_id, "ticket": self.ticket.token, "operation": self.operation.code,
                "worker": self.worker.code, "good": self.scan.good, "defects": self.scan.defects,
                "undoes": self.undoes.client_id if self.undoes else None, "progress": self.progress.json()}


def refused(refusal: Refusal) -> ScanOutcome:
    return ScanOutcome(STATUS[refusal.code], refusal)


def as_utc(moment: datetime) -> datetime:
    """Stored times come back without a zone (SQLite, PostgreSQL `timestamp`): they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- recording ----------------------------------------------------------------------------------

def record_scan(*, request: ScanRequest, now: datetime, engine: Engine | None = None) -> ScanOutcome:
    """Record one scan if it keeps every rule; the same client id again returns the first answer.
    Scans arriving together share one commit (`write_together`); this returns after the commit.
    In a request (`engine` None) the request's read snapshot is ended first, so what the request
    reads afterwards includes the scan."""
    if engine is None:
        session = get_session()
        if session.info.get("writing"):  # inside another write: join it
            return _record(session=session, request=request, now=now, memo={})
        session.rollback()
        engine = session.get_bind()
    try:
        return write_together(engine, lambda session: _record(session=session, request=request, now=now,
                                                              memo=_transaction_memo(session)))
    except IntegrityError:
        # Another transaction stored this client id first (the unique index is the last guard).
        with write_transaction(engine) as session:
            stored = _scan_by_client_id(session=session, client_id=request.client_id)
            if stored is None:
                raise
            return _replay(session=session, stored=stored, request=request)


# The scan path's statements, in SQLAlchemy Core and built once (their SQL is compiled once and
# cached): a scan is the one write that arrives many times a minute, so it reads plain rows, not
# ORM objects. The other writes (undo, office corrections) use the ORM below.
_TICKET, _ORDER, _SCAN = Ticket.__table__, Order.__table__, Scan.__table__
_OPERATION, _WORKER, _MEMBER = Operation.__table__, Worker.__table__, WorkerWorkCenter.__table__
_UNDONE = _SCAN.alias("undone")

# A worker's claims that count for plausibility: pieces made, neither a reversal nor reversed.
_CLAIMS = (_SCAN.c.good > 0, _SCAN.c.reverses_id.is_(None), ~exists().where(_UNDONE.c.reverses_id == _SCAN.c.id))
# Everything a scan checks that one row can hold: the ticket and its order, the scan already
# stored under this id (a retry), the worker (NULLs when unknown), whether the worker's work
# centers include the operation's, and the worker's previous claim (the plausibility window).
_SCAN_CONTEXT = (
    core_select(_TICKET.c.id, _TICKET.c.token, _TICKET.c.quantity, _TICKET.c.order_id, _TICKET.c.bundle_no,
                _TICKET.c.voided_at, func.coalesce(_TICKET.c.bundle_id, _TICKET.c.id).label("bundle_key"),
                _ORDER.c.status.label("order_status"), _ORDER.c.product_id,
                core_select(_SCAN.c.id).where(_SCAN.c.client_id == bindparam("client_id"))
                .scalar_subquery().label("stored_id"),
                _WORKER.c.id.label("worker_id"), _WORKER.c.code.label("worker_code"),
                _WORKER.c.name.label("worker_name"),
                exists().where(_MEMBER.c.worker_id == _WORKER.c.id,
                               _MEMBER.c.work_center_id == _OPERATION.c.work_center_id,
                               _OPERATION.c.product_id == _ORDER.c.product_id,
                               _OPERATION.c.code == bindparam("operation")).label("member"),
                core_select(_SCAN.c.worked_at).where(_SCAN.c.worker_id == _WORKER.c.id, *_CLAIMS,
                                                     _SCAN.c.worked_at <= bindparam("at"))
                .order_by(_SCAN.c.worked_at.desc()).limit(1).scalar_subquery().label("previous_claim"))
    .join_from(_TICKET, _ORDER, _ORDER.c.id == _TICKET.c.order_id)
    .outerjoin(_WORKER, and_(_WORKER.c.code == bindparam("worker"), _WORKER.c.active == true()))
    .where(_TICKET.c.token == bindparam("token")))
_LOCK_ORDER = core_select(_ORDER.c.status).where(_ORDER.c.id == bindparam("order_id")).with_for_update()
# Scans of different bundles of one order do not wait for each other: they share the order's lock,
# which still keeps out an edit of the order (it takes the lock for update) until they commit.
# Only a scan that cannot change the order shares it (an accepted order's first scan moves it).
_SHARE_ORDER = core_select(_ORDER.c.status).where(_ORDER.c.id == bindparam("order_id")).with_for_update(read=True)
SHARED_LOCK_STATUSES = frozenset({OrderStatus.in_production.value, OrderStatus.done.value})
_LOCK_TICKET = core_select(_TICKET.c.id).where(_TICKET.c.id == bindparam("ticket_id")).with_for_update()
_ROUTE = (core_select(_OPERATION.c.id, _OPERATION.c.code, _OPERATION.c.name, _OPERATION.c.work_center_id,
                      _OPERATION.c.minutes_per_piece)
          .where(_OPERATION.c.product_id == bindparam("product_id")).order_by(_OPERATION.c.position))
# The bundle's sums per operation as the database keeps them (a trigger adds every scan inserted,
# this transaction's too), instead of adding up the bundle's scans again on every scan.
_PROGRESS = BundleProgress.__table__
_BUNDLE_COUNTS = (core_select(_PROGRESS.c.operation_id, _PROGRESS.c.good, _PROGRESS.c.defects)
                  .where(_PROGRESS.c.bundle_id == bindparam("bundle_key")))
_CLAIMED_SINCE = (core_select(func.sum(_SCAN.c.good * _OPERATION.c.minutes_per_piece))
                  .join_from(_SCAN, _OPERATION, _OPERATION.c.id == _SCAN.c.operation_id)
                  .where(_SCAN.c.worker_id == bindparam("worker_id"), *_CLAIMS, _SCAN.c.worked_at > bindparam("since"), _SCAN.c.worked_at <= bindparam("at")))
_INSERT_SCAN = insert(_SCAN)
_START_ORDER = (update(_ORDER).where(_ORDER.c.id == bindparam("order_id"),
                                     _ORDER.c.status == OrderStatus.accepted.value)
                .values(status=OrderStatus.in_production.value))


@dataclass(frozen=True)
class LoggedScan:
    """A scan just recorded, as the answer needs it (the row is in the database)."""
    id: int
    client_id: str
    good: int
    defects: int
    worked_at: datetime
    implausible: bool


@dataclass(frozen=True)
class Performer:
    """The worker of a scan just recorded, as the answer needs them."""
    id: int
    code: str
    name: str


def _transaction_memo(session: Session) -> dict:
    """What the scans of one write_together transaction read alike (a product's route, the shift
    hours): read once per transaction, so the scans that share a commit share these reads too.
    That transaction holds the write lock and runs only scans, which write neither, so within it
    they cannot change; a new transaction starts with an empty memo."""
    transaction = session.get_transaction()
    memo = session.info.get("scan_memo")
    if memo is None or memo[0] is not transaction:
        memo = session.info["scan_memo"] = (transaction, {})
    return memo[1]


def _record(*, session: Session, request: ScanRequest, now: datetime, memo: dict) -> ScanOutcome:
    connection = session.connection()
    worked_at = min(request.worked_at or now, now)
    asked = {"token": request.ticket, "client_id": request.client_id, "worker": request.worker,
             "operation": request.operation, "at": worked_at}
    found = connection.execute(_SCAN_CONTEXT, asked).first()
    if found is not None and connection.dialect.name != "sqlite":
        # Lock the order, then the ticket (the fixed order of every writer): every scan of this
        # bundle waits here, so the sums below stay true until the insert commits. SQLite's BEGIN
        # IMMEDIATE already holds the whole database. Read again: it may have changed meanwhile.
        # A scan that may move the order into production takes it for update from the start (two
        # sharers that both wanted to update it would deadlock); one whose order was moved back
        # while it waited for the shared lock takes it for update then, still before the ticket.
        sharing = found.order_status in SHARED_LOCK_STATUSES
        status = connection.execute(_SHARE_ORDER if sharing else _LOCK_ORDER, {"order_id": found.order_id}).scalar()
        if sharing and status not in SHARED_LOCK_STATUSES:
            connection.execute(_LOCK_ORDER, {"order_id": found.order_id})
        connection.execute(_LOCK_TICKET, {"ticket_id": found.id})
        # None when an edit of the unscanned order replaced its tickets while this waited.
        found = connection.execute(_SCAN_CONTEXT, asked).first()
    if found is None:
        return refused(Refusal("unknown_ticket", "ticket"))
    if found.stored_id is not None:
        return _replay(session=session, stored=session.get(Scan, found.stored_id), request=request)
    route = memo.get(("route", found.product_id))
    if route is None:
        route = memo[("route", found.product_id)] = connection.execute(_ROUTE, {"product_id": found.product_id}).all()
    operation = next((op for op in route if op.code == request.operation), None)
    if operation is None:
        return refused(Refusal("unknown_operation", "operation", {"code": request.operation}))
    if found.worker_id is None:
        return refused(Refusal("unknown_worker", "worker", {"code": request.worker}))
    if found.voided_at is not None or found.order_status in CLOSED_STATUSES:
        return refused(_closed(session=session, ticket=session.get(Ticket, found.id),
                               order=session.get(Order, found.order_id)))
    if not found.member:
        center = session.get(WorkCenter, operation.work_center_id)
        return refused(Refusal("not_your_work_center", "operation",
                               {"operation": operation.name, "work_center": center.name}))
    sums = {op: Count(int(g or 0), int(d or 0))
            for op, g, d in connection.execute(_BUNDLE_COUNTS, {"bundle_key": found.bundle_key})}
    counts = [sums.get(op.id, Count()) for op in route]
    position = route.index(operation)
    refusal = check_scan(quantity=found.quantity, counts=counts, position=position, good=request.good,
                         defects=request.defects, operation=operation.name,
                         previous=route[position - 1].name if position else "")
    doubt = None
    if refusal is None and request.good > 0:
        doubt = _implausible(session=session, worker_id=found.worker_id, previous=found.previous_claim,
                             operation=operation, good=request.good, at=worked_at, zone=request.zone, memo=memo)
        # An implausible claim needs the worker's explicit confirmation; confirmed, it is marked
        # for the office to check.
        refusal = None if request.confirm else doubt
    if refusal:
        return refused(refusal)
    inserted = connection.execute(_INSERT_SCAN, {
        "client_id": request.client_id, "ticket_id": found.id, "operation_id": operation.id,
        "worker_id": found.worker_id, "good": request.good, "defects": request.defects, "created_at": now,
        "source": request.source, "worked_at": worked_at, "implausible": doubt is not None,
        "reverses_id": None, "user_id": None, "reason": ""})
    session.info["board_changed"] = True  # the commit bumps the board's data version once
    if found.order_status == OrderStatus.accepted.value:
        connection.execute(_START_ORDER, {"order_id": found.order_id})
        stale = session.identity_map.get(identity_key(Order, found.order_id))
        if stale is not None:
            session.expire(stale)
    scan = LoggedScan(inserted.inserted_primary_key[0], request.client_id, request.good, request.defects,
                      worked_at, doubt is not None)
    # Exact without reading again: the lock kept every other scan of the bundle out since the sums.
    counts[position] = Count(counts[position].good + scan.good, counts[position].defects + scan.defects)
    return ScanOutcome(201, None, scan, found, operation, Performer(found.worker_id, found.worker_code,
                                                                   found.worker_name), None,
                       progress_from_counts(ticket=found, route=route, counts=counts))


def _lock_ticket(*, session: Session, token: str | None = None, ticket_id: int | None = None) -> Ticket | None:
    """The ticket, locked after its order (PostgreSQL): the same order as edits, voids and reissues."""
    found = session.exec(select(Ticket).where(Ticket.token == token) if token is not None
                         else select(Ticket).where(Ticket.id == ticket_id)).first()
    if found is None or session.get_bind().dialect.name == "sqlite":
        return found  # SQLite: the write transaction already holds the whole database
    lock_order(session=session, order_id=found.order_id)
    return session.exec(select(Ticket).where(Ticket.id == found.id).with_for_update()
                        .execution_options(populate_existing=True)).one()


def _closed(*, session: Session, ticket: Ticket, order: Order) -> Refusal | None:
    if ticket.voided_at is not None:
        current = ticket_in_force(session=session, ticket=ticket)
        return Refusal("ticket_voided", "ticket", {"bundle": ticket.bundle_no,
                                                   "replacement": current.bundle_no if current else None,
                                                   "replacement_token": current.token if current else None})
    if order.status in CLOSED_STATUSES:
        return Refusal("order_closed", "ticket", {"number": order.number, "status": order.status})
    return None


def _not_their_center(*, session: Session, worker: Worker, operation: Operation) -> Refusal | None:
    if session.get(WorkerWorkCenter, (worker.id, operation.work_center_id)) is not None:
        return None
    center = session.get(WorkCenter, operation.work_center_id)
    return Refusal("not_your_work_center", "operation", {"operation": operation.name, "work_center": center.name})


def _implausible(*, session: Session, worker_id: int, previous: datetime | None, operation, good: int,
                 at: datetime, zone: tzinfo, memo: dict) -> Refusal | None:
    """The plausibility rule: the standard minutes of the worker's claims since the later of their
    previous claim and their shift start, this one included, against the working minutes between
    (docs/worker.md). Without shift hours and without an earlier claim today there is nothing to
    measure against, and the claim passes. `previous`: when the worker's previous claim (up to this
    one) was worked."""
    shifts = memo.get("shifts")
    if shifts is None:
        shifts = memo["shifts"] = shift_hours(session=session)
    local = as_utc(at).astimezone(zone).replace(tzinfo=None)
    opened = shift_start(shifts, local)
    previous_at = as_utc(previous).astimezone(zone).replace(tzinfo=None) if previous else None
    if previous_at is not None and (opened is None and previous_at.date() != local.date()):
        previous_at = None
    starts = max(t for t in (opened, previous_at) if t is not None) if (opened or previous_at) else None
    if starts is None:
        return None
    since = datetime.combine(starts.date(), starts.time(), zone).astimezone(UTC)
    if starts == previous_at:
        # The window opens at the previous claim, the latest up to this one: nothing else is in it.
        return check_plausible(claimed_minutes=good * operation.minutes_per_piece,
                               working=working_minutes(shifts, starts, local), pieces=good, operation=operation.name)
    # One pass over the worker's claims since then (the worker/work-time index bounds it).
    earlier = session.connection().execute(_CLAIMED_SINCE, {"worker_id": worker_id, "since": since, "at": at}).scalar()
    claimed = float(earlier or 0) + good * operation.minutes_per_piece
    return check_plausible(claimed_minutes=claimed, working=working_minutes(shifts, starts, local), pieces=good,
                           operation=operation.name)


def _replay(*, session: Session, stored: Scan, request: ScanRequest | None) -> ScanOutcome:
    """The first answer again for a retried id; a different scan under a used id is refused."""
    ticket = session.get(Ticket, stored.ticket_id)
    operation = session.get(Operation, stored.operation_id)
    worker = session.get(Worker, stored.worker_id)
    if request is not None and (request.ticket, request.operation, request.worker, request.good,
                                request.defects) != (ticket.token, operation.code, worker.code, stored.good,
                                                     stored.defects):
        return refused(Refusal("id_reused", "id", {"id": stored.client_id}))
    order = session.get(Order, ticket.order_id)
    route = route_of(session=session, product_id=order.product_id)
    undoes = session.get(Scan, stored.reverses_id) if stored.reverses_id else None
    return ScanOutcome(200, None, stored, ticket, operation, worker, undoes,
                       progress_of(session=session, ticket=ticket, route=route, up_to=stored.id))


# --- undoing ------------------------------------------------------------------------------------

def undo_scan(*, client_id: str, worker: str, now: datetime, source: str = "web",
              engine: Engine | None = None) -> ScanOutcome:
    """Reverse one scan (a new scan with the opposite pieces) if its worker asks soon enough and
    the next operation has not used the pieces. Undoing twice answers with the first undo."""
    try:
        with write_transaction(engine) as session:
            return _undo(session=session, client_id=client_id, worker_code=worker, now=now, source=source)
    except IntegrityError:
        with write_transaction(engine) as session:
            stored = _scan_by_client_id(session=session, client_id=derived_id(UNDO_PREFIX, client_id))
            if stored is None:
                raise
            return _replay(session=session, stored=stored, request=None)


def _undo(*, session: Session, client_id: str, worker_code: str, now: datetime, source: str) -> ScanOutcome:
    original = _scan_by_client_id(session=session, client_id=client_id)
    if original is None:
        return refused(Refusal("unknown_scan", "id"))
    ticket = _lock_ticket(session=session, ticket_id=original.ticket_id)
    worker = session.exec(select(Worker).where(Worker.code == worker_code)).first()
    if worker is None:
        return refused(Refusal("unknown_worker", "worker", {"code": worker_code}))
    done = session.exec(select(Scan).where(Scan.reverses_id == original.id)).first()
    if done is not None and done.worker_id == worker.id and done.user_id is None:
        return _replay(session=session, stored=done, request=None)
    order = session.get(Order, ticket.order_id)
    refusal = _closed(session=session, ticket=ticket, order=order)
    if refusal:
        return refused(refusal)
    route = route_of(session=session, product_id=order.product_id)
    position = [op.id for op in route].index(original.operation_id)
    refusal = check_undo(quantity=ticket.quantity, counts=ticket_counts(session=session, ticket=ticket, route=route),
                         position=position, good=original.good, defects=original.defects,
                         age_seconds=(now - as_utc(original.created_at)).total_seconds(),
                         same_worker=original.worker_id == worker.id, is_reversal=original.reverses_id is not None,
                         already_undone=done is not None,
                         next_operation=route[position + 1].name if position + 1 < len(route) else "")
    if refusal:
        return refused(refusal)
    reversal = Scan(client_id=derived_id(UNDO_PREFIX, original.client_id), ticket_id=ticket.id, operation_id=original.operation_id,
                    worker_id=worker.id, good=-original.good, defects=-original.defects, created_at=now,
                    reverses_id=original.id, source=source)
    session.add(reversal)
    session.flush()
    return ScanOutcome(201, None, reversal, ticket, route[position], worker, original,
                       progress_of(session=session, ticket=ticket, route=route, up_to=reversal.id))


# --- office corrections -------------------------------------------------------------------------

def reverse_scan(*, client_id: str, reason: str, user_id: int, now: datetime,
                 correction: Correction | None = None, engine: Engine | None = None) -> ScanOutcome:
    """The office reverses a scan (a new reversing scan with the reason and who), at any age and
    for any worker, and with `correction` logs what it should have been, in the same transaction.
    The same request again answers with the first result; a different one is a conflict."""
    try:
        with write_transaction(engine) as session:
            return _reverse(session=session, client_id=client_id, reason=reason, user_id=user_id, now=now,
                            correction=correction)
    except IntegrityError:
        with write_transaction(engine) as session:
            return _reverse(session=session, client_id=client_id, reason=reason, user_id=user_id, now=now,
                            correction=correction)


def _reverse(*, session: Session, client_id: str, reason: str, user_id: int, now: datetime,
             correction: Correction | None) -> ScanOutcome:
    reason = reason.strip()
    if not reason:
        return refused(Refusal("reason_required", "reason"))
    original = _scan_by_client_id(session=session, client_id=client_id)
    if original is None:
        return refused(Refusal("unknown_scan", "id"))
    ticket = _lock_ticket(session=session, ticket_id=original.ticket_id)
    in_force = ticket_in_force(session=session, ticket=ticket)
    if in_force is not None and in_force.id != ticket.id:
        # Scans of the bundle are logged on the ticket in force: hold its lock too.
        session.exec(select(Ticket).where(Ticket.id == in_force.id).with_for_update()).one()
    if correction is not None:
        correction = correction.applied_to(good=original.good, worker_code=session.get(Worker, original.worker_id).code)
    done = session.exec(select(Scan).where(Scan.reverses_id == original.id)).first()
    if done is not None:
        return _replay_reversal(session=session, done=done, reason=reason, correction=correction)
    order = session.get(Order, ticket.order_id)
    route = route_of(session=session, product_id=order.product_id)
    position = [op.id for op in route].index(original.operation_id)
    operation = route[position]
    following = route[position + 1].name if position + 1 < len(route) else ""
    counts, refusal = check_reversal(counts=ticket_counts(session=session, ticket=ticket, route=route),
                                     position=position, good=original.good, defects=original.defects,
                                     is_reversal=original.reverses_id is not None, operation=operation.name,
                                     next_operation=following, correcting=correction is not None)
    new_worker = None
    if refusal is None and correction is not None:
        new_worker = session.exec(select(Worker).where(Worker.code == correction.worker)).first()
        if new_worker is None:
            return refused(Refusal("unknown_worker", "worker", {"code": correction.worker}))
        refusal = check_scan(quantity=ticket.quantity, counts=counts, position=position, good=correction.good,
                             defects=correction.defects, operation=operation.name,
                             previous=route[position - 1].name if position else "")
        if refusal is None:
            counts[position] = Count(counts[position].good + correction.good,
                                     counts[position].defects + correction.defects)
            refusal = check_flow(counts=counts, position=position, operation=operation.name,
                                 next_operation=following)
    if refusal:
        return refused(refusal)
    reversal = Scan(client_id=derived_id(UNDO_PREFIX, original.client_id), ticket_id=original.ticket_id,
                    operation_id=original.operation_id, worker_id=original.worker_id, good=-original.good,
                    defects=-original.defects, created_at=now, worked_at=now, reverses_id=original.id,
                    source="office", user_id=user_id, reason=reason)
    session.add(reversal)
    session.flush()
    fix = None
    if correction is not None:
        fix = Scan(client_id=derived_id(FIX_PREFIX, original.client_id), ticket_id=original.ticket_id,
                   operation_id=original.operation_id, worker_id=new_worker.id, good=correction.good,
                   defects=correction.defects, created_at=now, worked_at=now, source="office", user_id=user_id,
                   reason=reason)
        session.add(fix)
        session.flush()
    return ScanOutcome(201, None, reversal, ticket, operation, session.get(Worker, original.worker_id), original,
                       progress_from_counts(ticket=ticket, route=route, counts=counts), fix, new_worker)


def _replay_reversal(*, session: Session, done: Scan, reason: str, correction: Correction | None) -> ScanOutcome:
    """A scan already reversed: by the office with this same request, the first answer again;
    otherwise a conflict."""
    if done.user_id is None:
        return refused(Refusal("already_undone"))
    original = session.get(Scan, done.reverses_id)
    fix = _scan_by_client_id(session=session, client_id=derived_id(FIX_PREFIX, original.client_id))
    fix_worker = session.get(Worker, fix.worker_id) if fix else None
    asked = (correction.worker, correction.good, correction.defects) if correction else None
    stored = (fix_worker.code, fix.good, fix.defects) if fix else None
    if done.reason != reason or asked != stored:
        return refused(Refusal("already_corrected", numbers={"reason": done.reason}))
    outcome = _replay(session=session, stored=done, request=None)
    ticket = outcome.ticket
    route = route_of(session=session, product_id=session.get(Order, ticket.order_id).product_id)
    outcome.progress = progress_of(session=session, ticket=ticket, route=route, up_to=(fix or done).id)
    outcome.worker = session.get(Worker, outcome.undoes.worker_id)
    outcome.correction, outcome.correction_worker = fix, fix_worker
    return outcome


# --- reading ------------------------------------------------------------------------------------

def _scan_by_client_id(*, session: Session, client_id: str) -> Scan | None:
    return session.exec(select(Scan).where(Scan.client_id == client_id)).first()


def scan_ticket_id(*, session: Session, client_id: str) -> int | None:
    """The ticket a scan was logged on, or None for an unknown id."""
    scan = _scan_by_client_id(session=session, client_id=client_id)
    return scan.ticket_id if scan is not None else None


def scan_by_client_id(*, session: Session, client_id: str) -> Scan | None:
    if not client_id or len(client_id) > CLIENT_ID_LENGTH:
        return None
    return _scan_by_client_id(session=session, client_id=client_id)


def bundle_tickets(ticket: Ticket):
    """The ids of every ticket of this ticket's bundle (the first and its reissues), as a subquery."""
    key = ticket.bundle_key
    return select(Ticket.id).where(or_(Ticket.id == key, Ticket.bundle_id == key))


def ticket_in_force(*, session: Session, ticket: Ticket) -> Ticket | None:
    """The ticket of this bundle that takes scans now (None when the bundle is voided without a reissue)."""
    key = ticket.bundle_key
    return session.exec(select(Ticket).where(or_(Ticket.id == key, Ticket.bundle_id == key),
                                             Ticket.voided_at.is_(None)).order_by(Ticket.id.desc())).first()


def ticket_counts(*, session: Session, ticket: Ticket, route: list[Operation], up_to: int | None = None) -> list[Count]:
    """The bundle's good and defect totals per operation of its route, over every ticket of the
    bundle (a reissued ticket carries on where the lost one stopped), optionally as they stood
    right after scan `up_to` (exact: scans of one bundle are serialised by the lock on the ticket
    in force, and a voided ticket takes none)."""
    query = (select(Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
             .where(Scan.ticket_id.in_(bundle_tickets(ticket))).group_by(Scan.operation_id))
    if up_to is not None:
        query = query.where(Scan.id <= up_to)
    sums = {op: Count(int(g or 0), int(d or 0)) for op, g, d in session.exec(query)}
    return [sums.get(op.id, Count()) for op in route]


def progress_of(*, session: Session, ticket: Ticket, route: list[Operation], up_to: int | None = None) -> TicketProgress:
    counts = ticket_counts(session=session, ticket=ticket, route=route, up_to=up_to)
    return progress_from_counts(ticket=ticket, route=route, counts=counts)


def progress_from_counts(*, ticket: Ticket, route: list[Operation], counts: list[Count]) -> TicketProgress:
    still_open = open_pieces(ticket.quantity, counts)
    return TicketProgress(ticket.token, ticket.quantity, [
        OperationProgress(op.code, op.name, op.work_center_id, available(ticket.quantity, counts, k),
                          counts[k].good, counts[k].defects, still_open[k], op.minutes_per_piece)
        for k, op in enumerate(route)])


def scan_for_worker(*, session: Session, client_id: str, worker_id: int, ticket_id: int) -> ScanOutcome | None:
    """A worker's own scan of this ticket, answered as when it was recorded (for the page after a redirect)."""
    stored = _scan_by_client_id(session=session, client_id=client_id)
    if stored is None or stored.worker_id != worker_id or stored.ticket_id != ticket_id:
        return None
    return _replay(session=session, stored=stored, request=None)


def is_undone(*, session: Session, scan_id: int) -> bool:
    return session.exec(select(Scan.id).where(Scan.reverses_id == scan_id)).first() is not None


def undo_deadline(scan: Scan) -> datetime:
    return as_utc(scan.created_at) + timedelta(seconds=UNDO_SECONDS)


# --- the ticket page's choices --------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """One operation a worker may pick on the ticket page."""
    progress: OperationProgress
    own: bool
    suggested: bool


def choices(*, progress: TicketProgress, own_center_ids: set[int]) -> list[Choice]:
    """The worker's own operations first (in route order), the suggested one marked."""
    ops = progress.operations
    own = [k for k, p in enumerate(ops) if p.work_center_id in own_center_ids]
    pick = suggest(open_by_position=[p.open for p in ops], own_positions=own)
    order = own + [k for k in range(len(ops)) if k not in own]
    return [Choice(ops[k], k in own, k == pick) for k in order]


# --- the worker's own scans ------------------------------------------------------------------------

@dataclass(frozen=True)
class ScanLine:
    client_id: str
    at: datetime
    order: str
    bundle: int
    token: str
    operation: str
    good: int
    defects: int
    undone: bool
    reversal: bool
    reason: str = ""  # the office's reason, for its corrections
    office: bool = False  # a reversal or correction made by the office


def scans_between(*, session: Session, worker_id: int, start: datetime, end: datetime, limit: int = 50) -> list[ScanLine]:
    """A worker's scans worked in [start, end), newest first."""
    undo = _UNDO
    rows = session.exec(
        select(Scan, Order.number, Ticket.bundle_no, Ticket.token, Operation.name,
               exists().where(undo.reverses_id == Scan.id))
        .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
        .join(Operation, Operation.id == Scan.operation_id)
        .where(and_(Scan.worker_id == worker_id, Scan.worked_at >= start, Scan.worked_at < end))
        .order_by(Scan.worked_at.desc(), Scan.id.desc()).limit(limit)).all()
    return [ScanLine(s.client_id, as_utc(s.worked_at), number, bundle, token, op, s.good, s.defects, bool(undone),
                     s.reverses_id is not None, s.reason, s.user_id is not None)
            for s, number, bundle, token, op, undone in rows]
