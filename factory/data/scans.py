"""Recording and undoing scans: the one code path behind the ticket page, its offline queue and
the API. Each scan is checked against the rules inside the write transaction that inserts it,
with the ticket locked, so concurrent scans of one ticket keep exact totals on SQLite and
PostgreSQL; a client-generated id makes every retry safe."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import Field as PydanticField, StringConstraints

from sqlalchemy import Engine, and_, exists, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from factory.data.db import write_transaction
from factory.data.orders import lock_order, route_of
from factory.data.models import (CLOSED_TO_SCANS, Operation, Order, OrderStatus, Scan, Ticket, WorkCenter,
                            Worker, WorkerWorkCenter)
from factory.domain.progress import Count, available, open_pieces
from factory.inputs import Code, Input
from factory.domain.scan_rules import (MAX_PIECES, UNDO_SECONDS, Refusal, check_double_claim, check_scan, check_undo,
                                suggest)

# The HTTP status each refusal answers with (pages and API alike).
STATUS = {
    "unknown_ticket": 404, "unknown_scan": 404,
    "unknown_operation": 422, "unknown_worker": 422, "negative": 422, "empty": 422, "too_many": 422,
    "not_your_work_center": 403, "not_yours": 403,
    "ticket_voided": 409, "order_closed": 409, "over_open": 409, "too_soon": 409, "id_reused": 409,
    "undo_of_undo": 409, "already_undone": 409, "undo_too_late": 409, "used_downstream": 409,
}
UNDO_PREFIX = "undo:"


@dataclass(frozen=True)
class ScanRequest:
    """What a worker logs. `confirm=False` asks for the double-claim warning (the ticket page);
    the API and the phone's offline queue send confirmed scans."""
    client_id: str
    ticket: str
    operation: str
    worker: str
    good: int
    defects: int = 0
    source: str = "web"
    confirm: bool = True


@dataclass(frozen=True)
class OperationProgress:
    code: str
    name: str
    work_center_id: int
    reached: int
    good: int
    defects: int
    open: int


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
    scan: Scan | None = None
    ticket: Ticket | None = None
    operation: Operation | None = None
    worker: Worker | None = None
    undoes: Scan | None = None
    progress: TicketProgress | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def json(self) -> dict:
        """The body sent back; a retry of the same id gets exactly this again."""
        return {"id": self.scan.client_id, "ticket": self.ticket.token, "operation": self.operation.code,
                "worker": self.worker.code, "good": self.scan.good, "defects": self.scan.defects,
                "undoes": self.undoes.client_id if self.undoes else None, "progress": self.progress.json()}


def refused(refusal: Refusal) -> ScanOutcome:
    return ScanOutcome(STATUS[refusal.code], refusal)


def as_utc(moment: datetime) -> datetime:
    """Stored times come back without a zone (SQLite, PostgreSQL `timestamp`): they are UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# --- recording ----------------------------------------------------------------------------------

def record_scan(*, request: ScanRequest, now: datetime, engine: Engine | None = None) -> ScanOutcome:
    """Record one scan if it keeps every rule; the same client id again returns the first answer.
    In a request it writes through the request's own session (`engine` None), else on `engine`."""
    try:
        with write_transaction(engine) as session:
            return _record(session=session, request=request, now=now)
    except IntegrityError:
        # Another transaction stored this client id first (the unique index is the last guard).
        with write_transaction(engine) as session:
            stored = _scan_by_client_id(session=session, client_id=request.client_id)
            if stored is None:
                raise
            return _replay(session=session, stored=stored, request=request)


def _record(*, session: Session, request: ScanRequest, now: datetime) -> ScanOutcome:
    # Lock the order, then the ticket (the fixed order of every writer): every scan of this
    # ticket waits here, so the sums below stay true until the insert commits (SQLite's BEGIN
    # IMMEDIATE already holds the database lock).
    ticket = _lock_ticket(session=session, token=request.ticket)
    if ticket is None:
        return refused(Refusal("unknown_ticket", "ticket"))
    stored = _scan_by_client_id(session=session, client_id=request.client_id)
    if stored is not None:
        return _replay(session=session, stored=stored, request=request)
    order = session.get(Order, ticket.order_id)
    route = route_of(session=session, product_id=order.product_id)
    operation = next((op for op in route if op.code == request.operation), None)
    if operation is None:
        return refused(Refusal("unknown_operation", "operation", {"code": request.operation}))
    worker = session.exec(select(Worker).where(Worker.code == request.worker, Worker.active == True)).first()  # noqa: E712
    if worker is None:
        return refused(Refusal("unknown_worker", "worker", {"code": request.worker}))
    refusal = _closed(ticket=ticket, order=order) or _not_their_center(session=session, worker=worker,
                                                                      operation=operation)
    if refusal:
        return refused(refusal)
    counts = ticket_counts(session=session, ticket_id=ticket.id, route=route)
    position = route.index(operation)
    refusal = check_scan(quantity=ticket.quantity, counts=counts, position=position, good=request.good,
                         defects=request.defects, operation=operation.name,
                         previous=route[position - 1].name if position else "")
    if refusal is None and not request.confirm and request.good > 0:
        last = _last_claim(session=session, worker_id=worker.id, ticket_id=ticket.id, operation_id=operation.id)
        refusal = check_double_claim(pieces=request.good, minutes_per_piece=operation.minutes_per_piece,
                                     seconds_since_last=(now - as_utc(last)).total_seconds() if last else None,
                                     operation=operation.name)
    if refusal:
        return refused(refusal)
    scan = Scan(client_id=request.client_id, ticket_id=ticket.id, operation_id=operation.id, worker_id=worker.id,
                good=request.good, defects=request.defects, created_at=now, source=request.source)
    session.add(scan)
    session.flush()
    if order.status == OrderStatus.accepted.value:
        order.status = OrderStatus.in_production.value
        session.add(order)
    # Exact without reading again: the ticket lock kept every other scan of it out since the sums.
    counts[position] = Count(counts[position].good + scan.good, counts[position].defects + scan.defects)
    return ScanOutcome(201, None, scan, ticket, operation, worker, None,
                       progress_from_counts(ticket=ticket, route=route, counts=counts))


def _lock_ticket(*, session: Session, token: str | None = None, ticket_id: int | None = None) -> Ticket | None:
    """The ticket, locked after its order (PostgreSQL): the same order as edits, voids and reissues."""
    found = session.exec(select(Ticket).where(Ticket.token == token) if token is not None
                         else select(Ticket).where(Ticket.id == ticket_id)).first()
    if found is None or session.get_bind().dialect.name == "sqlite":
        return found  # SQLite: the write transaction already holds the whole database
    lock_order(session=session, order_id=found.order_id)
    return session.exec(select(Ticket).where(Ticket.id == found.id).with_for_update()
                        .execution_options(populate_existing=True)).one()


def _closed(*, ticket: Ticket, order: Order) -> Refusal | None:
    if ticket.voided_at is not None:
        return Refusal("ticket_voided", "ticket", {"bundle": ticket.bundle_no})
    if order.status in {s.value for s in CLOSED_TO_SCANS}:
        return Refusal("order_closed", "ticket", {"number": order.number, "status": order.status})
    return None


def _not_their_center(*, session: Session, worker: Worker, operation: Operation) -> Refusal | None:
    if session.get(WorkerWorkCenter, (worker.id, operation.work_center_id)) is not None:
        return None
    center = session.get(WorkCenter, operation.work_center_id)
    return Refusal("not_your_work_center", "operation", {"operation": operation.name, "work_center": center.name})


def _last_claim(*, session: Session, worker_id: int, ticket_id: int, operation_id: int) -> datetime | None:
    """When this worker last claimed pieces of this ticket at this operation (undone claims left out)."""
    undo = aliased(Scan)
    return session.exec(select(func.max(Scan.created_at)).where(
        Scan.worker_id == worker_id, Scan.ticket_id == ticket_id, Scan.operation_id == operation_id,
        Scan.good > 0, Scan.reverses_id.is_(None), ~exists().where(undo.reverses_id == Scan.id))).one()


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
            stored = _scan_by_client_id(session=session, client_id=UNDO_PREFIX + client_id)
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
    if done is not None and done.worker_id == worker.id:
        return _replay(session=session, stored=done, request=None)
    order = session.get(Order, ticket.order_id)
    refusal = _closed(ticket=ticket, order=order)
    if refusal:
        return refused(refusal)
    route = route_of(session=session, product_id=order.product_id)
    position = [op.id for op in route].index(original.operation_id)
    refusal = check_undo(quantity=ticket.quantity, counts=ticket_counts(session=session, ticket_id=ticket.id, route=route),
                         position=position, good=original.good, defects=original.defects,
                         age_seconds=(now - as_utc(original.created_at)).total_seconds(),
                         same_worker=original.worker_id == worker.id, is_reversal=original.reverses_id is not None,
                         already_undone=done is not None,
                         next_operation=route[position + 1].name if position + 1 < len(route) else "")
    if refusal:
        return refused(refusal)
    reversal = Scan(client_id=UNDO_PREFIX + original.client_id, ticket_id=ticket.id, operation_id=original.operation_id,
                    worker_id=worker.id, good=-original.good, defects=-original.defects, created_at=now,
                    reverses_id=original.id, source=source)
    session.add(reversal)
    session.flush()
    return ScanOutcome(201, None, reversal, ticket, route[position], worker, original,
                       progress_of(session=session, ticket=ticket, route=route, up_to=reversal.id))


# --- reading ------------------------------------------------------------------------------------

def _scan_by_client_id(*, session: Session, client_id: str) -> Scan | None:
    return session.exec(select(Scan).where(Scan.client_id == client_id)).first()


def ticket_counts(*, session: Session, ticket_id: int, route: list[Operation], up_to: int | None = None) -> list[Count]:
    """The ticket's good and defect totals per operation of its route, optionally as they stood
    right after scan `up_to` (exact: scans of one ticket are serialised by the ticket lock)."""
    query = (select(Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
             .where(Scan.ticket_id == ticket_id).group_by(Scan.operation_id))
    if up_to is not None:
        query = query.where(Scan.id <= up_to)
    sums = {op: Count(int(g or 0), int(d or 0)) for op, g, d in session.exec(query)}
    return [sums.get(op.id, Count()) for op in route]


def progress_of(*, session: Session, ticket: Ticket, route: list[Operation], up_to: int | None = None) -> TicketProgress:
    counts = ticket_counts(session=session, ticket_id=ticket.id, route=route, up_to=up_to)
    return progress_from_counts(ticket=ticket, route=route, counts=counts)


def progress_from_counts(*, ticket: Ticket, route: list[Operation], counts: list[Count]) -> TicketProgress:
    still_open = open_pieces(ticket.quantity, counts)
    return TicketProgress(ticket.token, ticket.quantity, [
        OperationProgress(op.code, op.name, op.work_center_id, available(ticket.quantity, counts, k),
                          counts[k].good, counts[k].defects, still_open[k]) for k, op in enumerate(route)])


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


def scans_between(*, session: Session, worker_id: int, start: datetime, end: datetime, limit: int = 50) -> list[ScanLine]:
    """A worker's scans in [start, end), newest first."""
    undo = aliased(Scan)
    rows = session.exec(
        select(Scan, Order.number, Ticket.bundle_no, Ticket.token, Operation.name,
               exists().where(undo.reverses_id == Scan.id))
        .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
        .join(Operation, Operation.id == Scan.operation_id)
        .where(and_(Scan.worker_id == worker_id, Scan.created_at >= start, Scan.created_at < end))
        .order_by(Scan.id.desc()).limit(limit)).all()
    return [ScanLine(s.client_id, as_utc(s.created_at), number, bundle, token, op, s.good, s.defects, bool(undone),
                     s.reverses_id is not None) for s, number, bundle, token, op, undone in rows]


# --- input ------------------------------------------------------------------------------------------

ClientId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{8,56}$")]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ScanForm(Input):
    """A scan from the ticket page (form or the phone's queue): the ticket and worker are known."""
    id: ClientId
    operation: Code
    good: int = PydanticField(ge=0, le=MAX_PIECES)
    defects: int = PydanticField(default=0, ge=0, le=MAX_PIECES)
    confirm: bool = False


class ScanIn(Input):
    """A scan through the API: the ticket by its token, the worker by their code."""
    id: ClientId
    ticket: Token
    operation: Code
    worker: Code
    good: int = PydanticField(ge=0, le=MAX_PIECES)
    defects: int = PydanticField(default=0, ge=0, le=MAX_PIECES)
