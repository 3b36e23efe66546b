"""What is happening on the floor now: where pieces wait (and which bundles are stuck), each
worker's queue, each worker's last scan and day, the board's data version and stuck threshold,
customers' share links.

Every function runs a fixed number of queries whatever the number of orders or scans; the stuck
rules themselves are the pure `factory.domain.stuck`."""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, and_, case, exists, func, text, type_coerce
from sqlmodel import Session, select

from factory.data.models import (
    OPEN_STATUSES,
    BoardState,
    BundleProgress,
    Holiday,
    Operation,
    Order,
    Product,
    Scan,
    ShareLink,
    Ticket,
    Worker,
    WorkerWorkCenter,
    utcnow,
)
from factory.data.pay import pay_by_worker
from factory.data.shifts import shift_hours
from factory.domain.calendar import day_start_utc
from factory.domain.stuck import DEFAULT_STUCK_HOURS, WorkingClock, every_hour

# The working clock looks this many days ahead for the next bundle to get stuck.
CLOCK_DAYS = 45
# Waits within this many seconds of the threshold get the working clock's full verdict.
EXACT = 1e-3

# --- the board's data version and the stuck threshold -------------------------------------------


@dataclass(frozen=True)
class State:
    version: int
    stuck_hours: float


def board_state(*, session: Session) -> State:
    """The board's data version (bumped by db.py at every commit that changes what the board
    shows) and the stuck threshold in working hours: one primary-key read."""
    row = session.get(BoardState, 1)
    return State(row.version, row.stuck_hours) if row else State(1, DEFAULT_STUCK_HOURS)


def set_stuck_hours(*, session: Session, hours: float) -> None:
    """Change the stuck threshold (the caller's write transaction; the version moves with it)."""
    row = session.get(BoardState, 1) or BoardState(id=1)
    row.stuck_hours = hours
    session.add(row)
    session.flush()


# --- where pieces wait ---------------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A UTC moment as the workshop's naive wall-clock time (what the shift calendar speaks)."""
    return None if moment is None else _utc(moment).astimezone(zone).replace(tzinfo=None)


def _utc_of_local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=zone).astimezone(UTC)


# The floor's rows are made by the thousand on every read: plain slotted dataclasses, not frozen
# ones (a frozen dataclass sets each field through object.__setattr__ and cost four times as much
# to build: about 14 ms more for the 5,700 waiting places of a 2,000-order workshop). Treat them as
# read-only all the same.
@dataclass(slots=True)
class TicketRef:
    """The ticket a bundle is on now (what its page and the lists need)."""
    id: int
    token: str
    bundle_no: int
    color: str
    size: str
    quantity: int


@dataclass(slots=True)
class BundleWait:
    """Pieces of one bundle waiting at one operation."""
    order: Order
    product: Product
    ticket: TicketRef
    operation: Operation
    previous: Operation | None  # where the pieces come from (None: the first operation)
    pieces: int
    since: datetime | None  # UTC
    started: bool  # the order has a scan


def bundle_waits(*, session: Session, zone: ZoneInfo, centers: set[int] | None = None) -> list[BundleWait]:
    """Every place where pieces of an open order's bundle wait (only at operations of `centers`
    when given: then only those operations' scans and their upstream ones are summed), in three
    queries."""
    return _bundle_waits(session=session, centers=centers)[0]


def _bundle_waits(*, session: Session, centers: set[int] | None = None,
                  first: int | None = None) -> tuple[list[BundleWait], int]:
    """The waiting places and how many there are in all; with `first`, only the first that many,
    most urgent first (priority, due date, order, bundle, route), chosen by the database.

    The database does the counting (`factory.domain.stuck.waits`, the rule, in SQL: the tests
    check the two agree): it takes each bundle's sums per operation (kept by the database on every
    scan, `BundleProgress`), sets each operation of a bundle's route beside the one before it and answers only the places where pieces wait, with
    the moment they wait since. Python sees the waiting places, not every sum."""
    wanted = [s.value for s in OPEN_STATUSES]
    bundle = func.coalesce(Ticket.bundle_id, Ticket.id)
    scanned = exists().where(Ticket.order_id == Order.id, Scan.ticket_id == Ticket.id)
    orders = {o.id: (o, p, bool(started)) for o, p, started in session.exec(
        select(Order, Product, scanned).join(Product, Product.id == Order.product_id)
        .where(Order.status.in_(wanted)))}
    operations = {op.id: op for op in session.exec(
        select(Operation).where(Operation.product_id.in_({p.id for _, p, _s in orders.values()})))}
    # Each operation with the one before it on its product's route (None: the first).
    route = select(Operation.id.label("op"), Operation.product_id.label("product"),
                   Operation.position.label("position"),
                   func.lag(Operation.id).over(partition_by=Operation.product_id,
                                               order_by=Operation.position).label("prev")).subquery("route")
    chosen = None
    if centers is not None:
        chosen = {op_id for op_id, op in operations.items() if op.work_center_id in centers}
    # Each bundle's sums per operation, kept by the database on every scan insert (BundleProgress).
    progress = BundleProgress.__table__
    here, before = progress.alias("here"), progress.alias("before")
    upstream_good = func.coalesce(before.c.good, 0)
    reached = case((route.c.prev.is_(None), Ticket.quantity), (upstream_good < 0, 0),
                   (upstream_good > Ticket.quantity, Ticket.quantity), else_=upstream_good)
    pieces = reached - func.coalesce(here.c.good + here.c.defects, 0)
    # The later of the last scan here and the arrival of the pieces (the last scan before).
    here_last, before_last = here.c.last_worked_at, before.c.last_worked_at
    since = case((before_last.is_(None), here_last), (here_last.is_(None), before_last),
                 (here_last > before_last, here_last), else_=before_last)
    query = (select(Ticket.id, Ticket.order_id, Ticket.token, Ticket.bundle_no, Ticket.color, Ticket.size,
                    Ticket.quantity, route.c.op, route.c.prev, pieces, type_coerce(since, DateTime))
             .join(Order, Order.id == Ticket.order_id).join(route, route.c.product == Order.product_id)
             .outerjoin(here, and_(here.c.bundle_id == bundle, here.c.operation_id == route.c.op))
             .outerjoin(before, and_(before.c.bundle_id == bundle, before.c.operation_id == route.c.prev))
             .where(Order.status.in_(wanted), Ticket.voided_at.is_(None), pieces > 0))
    if chosen is not None:
        query = query.where(route.c.op.in_(chosen))
    if first is not None:
        query = (query.add_columns(func.count().over().label("total"))
                 .order_by(Order.priority.desc(), Order.due, Order.number, Ticket.bundle_no, route.c.position)
                 .limit(first))
    out = []
    total = 0
    tickets: dict[int, TicketRef] = {}
    # Plain rows (Core), not ORM rows: thousands of tuples, nothing to track.
    for ticket_id, order_id, token, bundle_no, color, size, quantity, op_id, prev_id, count, moment, *rest in \
            session.connection().execute(query).all():
        total = rest[0] if rest else total + 1
        if order_id not in orders or op_id not in operations or (prev_id is not None and prev_id not in operations):
            continue  # opened, or its route changed, between the statements (PostgreSQL reads each afresh)
        order, product, started = orders[order_id]
        ticket = tickets.get(ticket_id)
        if ticket is None:
            ticket = tickets[ticket_id] = TicketRef(ticket_id, token, bundle_no, color, size, quantity)
        if moment is not None and moment.tzinfo is None:  # _utc, written out: thousands of rows
            moment = moment.replace(tzinfo=UTC)
        out.append(BundleWait(order, product, ticket, operations[op_id],
                              operations[prev_id] if prev_id is not None else None, int(count), moment, started))
    return out, total


def recount_bundle_progress(*, session: Session) -> int:
    """Rebuild every bundle's sums from the scans themselves; the trigger keeps them from then on.
    For after a restore of data only or a hand edit of scans (`flask --app app recount`). The
    caller's write transaction; on PostgreSQL new scans wait until it commits. Returns the rows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE scan IN SHARE ROW EXCLUSIVE MODE"))
    progress = BundleProgress.__table__
    session.execute(progress.delete())
    bundle = func.coalesce(Ticket.bundle_id, Ticket.id)
    sums = (select(bundle, Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects), func.max(Scan.worked_at))
            .join(Ticket, Ticket.id == Scan.ticket_id).group_by(bundle, Scan.operation_id))
    session.execute(progress.insert().from_select(
        ["bundle_id", "operation_id", "good", "defects", "last_worked_at"], sums))
    return session.execute(select(func.count()).select_from(progress)).scalar_one()


def _calendar(*, session: Session, zone: ZoneInfo):
    shifts = shift_hours(session=session) or every_hour()
    holidays = set(session.exec(select(Holiday.day)))
    return shifts, holidays


@dataclass(slots=True)
class Stuck:
    wait: BundleWait
    hours: float  # working hours waited


@dataclass(frozen=True)
class NotStarted:
    order: Order
    product: Product
    bundles: int
    pieces: int


@dataclass
class StuckReport:
    threshold: float
    stuck: list[Stuck] = field(default_factory=list)
    not_started: list[NotStarted] = field(default_factory=list)
    # The next moment a waiting bundle becomes stuck (UTC): the board changes then without a write.
    next_change: datetime | None = None


def _next_change(report: StuckReport, moment: datetime) -> None:
    if report.next_change is None or moment < report.next_change:
        report.next_change = moment


def stuck_bundles(*, session: Session, now: datetime, zone: ZoneInfo) -> StuckReport:
    """Bundles whose pieces have waited at an operation for more than the threshold of working
    hours (longest first), and apart from them the orders not started yet."""
    threshold = board_state(session=session).stuck_hours
    shifts, holidays = _calendar(session=session, zone=zone)
    local_now = _local(now, zone)
    report = StuckReport(threshold)
    not_started: dict[int, list[BundleWait]] = defaultdict(list)
    found = bundle_waits(session=session, zone=zone)
    first = min((w.since for w in found if w.since is not None and w.started), default=now)
    clock = WorkingClock(shifts, holidays, _local(first, zone).date(), local_now.date() + timedelta(days=CLOCK_DAYS))
    # Judged on the clock's counter: stuck when the threshold is reached before now (the full
    # verdict only for the few within a millisecond of it). The waits not stuck yet cross it in the
    # order they started waiting: the earliest of them is the next change. Each wait is placed on
    # the counter by its stored instant (the clock's interval ends are turned into instants once).
    instants = clock.on_instants(lambda local: local.replace(tzinfo=zone).timestamp())
    starts, ends, before = instants.starts, instants.ends, instants.before
    now_at, need = instants.seconds(_utc(now).timestamp()), threshold * 3600
    stuck, earliest = report.stuck, None
    for wait in found:
        if not wait.started:
            not_started[wait.order.id].append(wait)
            continue
        if wait.since is None:
            continue
        at = wait.since.timestamp()
        i = bisect_right(starts, at) - 1  # InstantClock.seconds, written out: it runs thousands of times
        start = 0.0 if i < 0 else before[i] + min(at, ends[i]) - starts[i]
        left = start + need - now_at
        if left < -EXACT:
            stuck.append(Stuck(wait, max(0.0, now_at - start) / 3600))
        elif left > EXACT:
            earliest = wait.since if earliest is None or wait.since < earliest else earliest
        else:
            verdict = clock.judge(_local(wait.since, zone), local_now, threshold)
            if verdict.stuck:
                stuck.append(Stuck(wait, verdict.hours))
            elif verdict.crosses is not None:
                _next_change(report, _utc_of_local(verdict.crosses, zone))
    if earliest is not None:
        crosses = clock.judge(_local(earliest, zone), local_now, threshold).crosses
        if crosses is not None:
            _next_change(report, _utc_of_local(crosses, zone))
    report.stuck.sort(key=lambda s: (-s.hours, s.wait.order.number, s.wait.ticket.bundle_no, s.wait.operation.position))
    for waits_of in not_started.values():
        first = [w for w in waits_of if w.previous is None]
        report.not_started.append(NotStarted(waits_of[0].order, waits_of[0].product, len(first),
                                             sum(w.pieces for w in first)))
    report.not_started.sort(key=lambda n: (n.order.due, -n.order.priority, n.order.number))
    return report


# --- a worker's queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StationQueue:
    waits: list[BundleWait]  # most urgent first (priority, due date, order, bundle, route)
    total: int  # how many wait in all (more than `waits` holds when the first few were asked for)


def station_queue(*, session: Session, worker: Worker, first: int | None = None) -> StationQueue:
    """Bundles with pieces waiting at the operations of the worker's work centers, most urgent
    first (priority, then due date); with `first`, only that many (the database picks them)."""
    centers = set(session.exec(select(WorkerWorkCenter.work_center_id).where(WorkerWorkCenter.worker_id == worker.id)))
    found, total = _bundle_waits(session=session, centers=centers, first=first)
    if first is None:
        found.sort(key=lambda w: (-w.order.priority, w.order.due, w.order.number, w.ticket.bundle_no,
                                  w.operation.position))
    return StationQueue(found, total)


# --- the floor now: each worker --------------------------------------------------------------------


@dataclass(frozen=True)
class LastScan:
    at: datetime  # UTC
    order: str
    bundle: int
    operation: str
    operation_name: str
    good: int
    defects: int


@dataclass(frozen=True)
class WorkerNow:
    worker: Worker
    last: LastScan | None
    pieces_today: int
    pay_today: Decimal

    def scanned_today(self, start: datetime) -> bool:
        return self.last is not None and self.last.at >= start


def floor_now(*, session: Session, today: date, zone: ZoneInfo) -> list[WorkerNow]:
    """Every active worker with their last scan, pieces and pay today; in four queries."""
    latest = (select(Scan.id).where(Scan.worker_id == Worker.id)
              .order_by(Scan.worked_at.desc()).limit(1).correlate(Worker).scalar_subquery())
    workers = session.exec(select(Worker, latest).where(Worker.active == True).order_by(Worker.code)).all()  # noqa: E712
    ids = [scan_id for _, scan_id in workers if scan_id is not None]
    last = {}
    if ids:
        for scan, bundle_no, number, op_code, op_name in session.exec(
                select(Scan, Ticket.bundle_no, Order.number, Operation.code, Operation.name)
                .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
                .join(Operation, Operation.id == Scan.operation_id).where(Scan.id.in_(ids))).all():
            last[scan.worker_id] = LastScan(_utc(scan.worked_at), number, bundle_no, op_code, op_name, scan.good,
                                            scan.defects)
    today_totals = pay_by_worker(session=session, day=today, zone=zone)
    return [WorkerNow(w, last.get(w.id), *today_totals.get(w.id, (0, Decimal(0)))) for w, _ in workers]


def today_start(today: date, zone: ZoneInfo) -> datetime:
    return day_start_utc(today, zone)


# --- a customer's status --------------------------------------------------------------------------


def share_links(*, session: Session, order: Order) -> list[ShareLink]:
    return list(session.exec(select(ShareLink).where(ShareLink.order_id == order.id).order_by(ShareLink.id.desc())))


def create_share_link(*, session: Session, order: Order, by: str) -> ShareLink:
    link = ShareLink(order_id=order.id, created_by=by)
    session.add(link)
    session.flush()
    return link


def share_link_of(*, session: Session, order: Order, link_id: int) -> ShareLink | None:
    link = session.get(ShareLink, link_id)
    return link if link is not None and link.order_id == order.id else None


def revoke_share_link(*, session: Session, link: ShareLink) -> ShareLink:
    """Revoke a link: from now on it answers 404 (revoking twice changes nothing)."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        session.flush()
    return link


def order_by_share_token(*, session: Session, token: str) -> Order | None:
    """The order a live (not revoked) share link points to."""
    if not token or len(token) > 64:
        return None
    return session.exec(select(Order).join(ShareLink, ShareLink.order_id == Order.id)
                        .where(ShareLink.token == token, ShareLink.revoked_at.is_(None))).first()


@dataclass(frozen=True)
class CardStep:
    name: str
    done: int
    quantity: int


@dataclass(frozen=True)
class StatusCard:
    """What a customer may see of an order: no prices, notes, customer or worker names."""
    number: str
    product: str
    quantity: int
    due: date
    status: str
    finished: int
    planned: date | None
    steps: list[CardStep]
    as_of: datetime


def status_card(*, session: Session, order: Order, today: date, now: datetime) -> StatusCard:
    """An order's progress per operation, its finished pieces and its planned finish date."""
    from factory.data.board import board_rows  # the plan of the open orders (remembered between calls)
    product = session.get(Product, order.product_id)
    route = list(session.exec(select(Operation).where(Operation.product_id == product.id).order_by(Operation.position)))
    good = dict(session.exec(select(Scan.operation_id, func.sum(Scan.good)).join(Ticket, Ticket.id == Scan.ticket_id)
                             .where(Ticket.order_id == order.id).group_by(Scan.operation_id)).all())
    steps = [CardStep(op.name, min(order.quantity, max(0, int(good.get(op.id) or 0))), order.quantity) for op in route]
    planned = None
    if order.status in {s.value for s in OPEN_STATUSES}:
        planned = next((row.planned for row in board_rows(session=session, today=today) if row.order.id == order.id),
                       None)
    return StatusCard(order.number, product.name, order.quantity, order.due, order.status,
                      steps[-1].done if steps else 0, planned, steps, now)
