"""Pay from the scans: dated piece rates, the pay-period schedule, each period's lines and totals
(live while open, frozen once closed), adjustments, and closing and reopening periods.

The arithmetic is factory.domain.pay; this module only reads and writes rows. Refusals are raised
as `Refused` with codes (the words are chosen at the edge). Nothing here commits: the caller's
write transaction does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from factory.data.models import (
    Operation,
    Order,
    PayAdjustment,
    PayClosing,
    PayLine,
    PaySchedule,
    PayTotal,
    PieceRate,
    Product,
    Scan,
    Ticket,
    Worker,
    utcnow,
)
from factory.data.reports import local_day
from factory.domain.pay import (
    DEFAULT_FIRST_DAY,
    SIGN,
    SINCE_ALWAYS,
    ZERO,
    DatedRate,
    PayRule,
    Period,
    Settlement,
    add_up,
    check_adjustment,
    check_rate_change,
    following,
    line_amount,
    preceding,
    rate_on,
    schedule_change,
    settle,
)
from factory.domain.refusal import Refusal, Refused

# How far back a chain of open periods is followed to find a balance carried forward.
MAX_OPEN_CHAIN = 60

# The scan a reversal reverses (a second name for the scan table), built once.
_ORIGINAL = aliased(Scan)


def worked_time(scan):
    """When the work of a scan was done (the phone's tap time, bounded; the arrival time for scans
    without one): the ONE place pay reads a scan's time."""
    return scan.worked_at


def pay_time(scan, original):
    """A scan's pay time: an undo is paid on the day of the work it undoes, at that day's rate."""
    return func.coalesce(worked_time(original), worked_time(scan))


def day_start_utc(day: date, zone: ZoneInfo) -> datetime:
    from datetime import time
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def lock_pay(session: Session, *tables: str) -> None:
    """Serialise pay writes on PostgreSQL (SQLite's BEGIN IMMEDIATE already does): closing,
    reopening, adjustments and rate changes take the pay lock; closing also stops new scans until
    it commits, so the scans it counts are exactly those up to its `through_scan_id`."""
    if session.get_bind().dialect.name == "postgresql":
        for table in ("pay_closing",) + tables:
            session.exec(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))


# --- rates -----------------------------------------------------------------------------------------

def rate_histories(*, session: Session, operation_ids: set[int] | None = None) -> dict[int, list[DatedRate]]:
    """Each operation's dated rates; an operation never changed through dated rates has its
    route rate in force since always."""
    query = select(PieceRate)
    ops = select(Operation.id, Operation.piece_rate)
    if operation_ids is not None:
        query = query.where(PieceRate.operation_id.in_(operation_ids))
        ops = ops.where(Operation.id.in_(operation_ids))
    histories: dict[int, list[DatedRate]] = {}
    for entry in session.exec(query):
        histories.setdefault(entry.operation_id, []).append(
            DatedRate(entry.effective_from, Decimal(entry.rate), entry.id))
    for op_id, rate in session.exec(ops):
        histories.setdefault(op_id, [DatedRate(SINCE_ALWAYS, Decimal(rate), 0)])
    return histories


def rate_entries(*, session: Session, operation_id: int) -> list[PieceRate]:
    """An operation's rate history, newest first."""
    return list(session.exec(select(PieceRate).where(PieceRate.operation_id == operation_id)
                             .order_by(PieceRate.effective_from.desc(), PieceRate.id.desc())))


def rate_today(*, session: Session, operation: Operation, today: date) -> Decimal:
    history = rate_histories(session=session, operation_ids={operation.id})[operation.id]
    return rate_on(history, today) or Decimal(operation.piece_rate)


def set_rate(*, session: Session, operation: Operation, rate: Decimal, effective_from: date, by: str) -> PieceRate:
    """A new rate for `operation` from `effective_from`; never inside a closed period (409)."""
    lock_pay(session)
    check_rate_change(rate=rate, effective_from=effective_from, closed_through=closed_through(session=session))
    if session.exec(select(PieceRate.id).where(PieceRate.operation_id == operation.id)).first() is None:
        # The rate it had until now becomes the first entry, so the past keeps it.
        session.add(PieceRate(operation_id=operation.id, rate=operation.piece_rate, effective_from=SINCE_ALWAYS,
                              created_by=by))
    entry = PieceRate(operation_id=operation.id, rate=rate, effective_from=effective_from, created_by=by)
    session.add(entry)
    session.flush()
    return entry


# --- the period schedule ------------------------------------------------------------------------------

def pay_rules(*, session: Session) -> tuple[PayRule, ...]:
    rows = session.exec(select(PaySchedule).order_by(PaySchedule.from_day)).all()
    rules = [PayRule(r.from_day, r.first_day) for r in rows]
    if not rules or rules[0].from_day > SINCE_ALWAYS:
        rules.insert(0, PayRule(SINCE_ALWAYS, DEFAULT_FIRST_DAY))
    return tuple(rules)


def first_day_setting(*, session: Session, today: date) -> tuple[int, int | None, date | None]:
    """(first day in force today, first day set for coming periods or None, from when)."""
    rules = pay_rules(session=session)
    now = [r for r in rules if r.from_day <= today][-1]
    later = [r for r in rules if r.from_day > today]
    return now.first_day, (later[-1].first_day if later else None), (later[-1].from_day if later else None)


def set_first_day(*, session: Session, first_day: int, today: date, by: str) -> PayRule:
    """Periods start on `first_day` from the end of the current period on (a rule not yet in
    force is replaced)."""
    lock_pay(session)
    rules = tuple(r for r in pay_rules(session=session) if r.from_day <= today)
    rule = schedule_change(rules=rules, first_day=first_day, today=today)
    for pending in session.exec(select(PaySchedule).where(PaySchedule.from_day > today)):
        session.delete(pending)
    session.flush()
    if rules[-1].first_day != first_day:
        session.add(PaySchedule(from_day=rule.from_day, first_day=first_day, created_by=by))
    session.flush()
    return rule


# --- closings --------------------------------------------------------------------------------------

def closing_of(*, session: Session, period: str) -> PayClosing | None:
    return session.exec(select(PayClosing).where(PayClosing.period == period,
                                                 PayClosing.reopened_at.is_(None))).first()


def latest_closing(*, session: Session) -> PayClosing | None:
    return session.exec(select(PayClosing).where(PayClosing.reopened_at.is_(None))
                        .order_by(PayClosing.end.desc())).first()


def first_closing(*, session: Session) -> PayClosing | None:
    return session.exec(select(PayClosing).where(PayClosing.reopened_at.is_(None))
                        .order_by(PayClosing.end)).first()


def closed_through(*, session: Session) -> date | None:
    latest = latest_closing(session=session)
    return latest.end if latest else None


def closings_history(*, session: Session, period: str) -> list[PayClosing]:
    """Every closing of a period, the current one first (reopened ones keep what changed)."""
    return list(session.exec(select(PayClosing).where(PayClosing.period == period)
                             .order_by(PayClosing.id.desc())))


def closed_periods(*, session: Session) -> list[PayClosing]:
    return list(session.exec(select(PayClosing).where(PayClosing.reopened_at.is_(None))
                             .order_by(PayClosing.end.desc())))


# --- lines and adjustments ------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkLine:
    """A worker's net pieces on one day, bundle and operation, at the rate in force that day."""
    worker_id: int
    day: date
    order: str
    bundle: int
    product: str
    operation_code: str
    operation: str
    rate: Decimal
    good: int
    defects: int
    amount: Decimal


@dataclass(frozen=True)
class ScanRef:
    """The scan a correction names (for an undo, the scan it undoes)."""
    client_id: str
    day: date
    order: str
    bundle: int
    operation: str


@dataclass(frozen=True)
class AdjustmentLine:
    """An adjustment as it moves the pay: `effect` is signed (deductions and advances negative)."""
    id: int | None
    kind: str
    amount: Decimal
    effect: Decimal
    reason: str
    day: date
    created_by: str
    scan: ScanRef | None = None
    pieces: int | None = None
    rate: Decimal | None = None

    @property
    def pending(self) -> bool:
        return self.id is None


@dataclass
class WorkerPay:
    worker_id: int
    code: str
    name: str
    active: bool
    lines: list[WorkLine] = field(default_factory=list)
    adjustments: list[AdjustmentLine] = field(default_factory=list)
    carried_in: Decimal = ZERO
    frozen: Settlement | None = None

    @property
    def pieces(self) -> int:
        return sum(line.good for line in self.lines)

    @property
    def defects(self) -> int:
        return sum(line.defects for line in self.lines)

    @property
    def settlement(self) -> Settlement:
        if self.frozen is not None:
            return self.frozen
        return settle(amount=add_up(line.amount for line in self.lines),
                      adjustments=[a.effect for a in self.adjustments], carried_in=self.carried_in)

    @property
    def operations(self) -> list[tuple[str, str, Decimal, int, int, Decimal]]:
        """The lines summed per product, operation and rate: (product, operation, rate, good,
        defects, amount), amounts added from the rounded lines."""
        sums: dict[tuple, list] = {}
        for line in self.lines:
            entry = sums.setdefault((line.product, line.operation, line.rate), [0, 0, ZERO])
            entry[0] += line.good
            entry[1] += line.defects
            entry[2] += line.amount
        return [(p, o, r, g, d, a) for (p, o, r), (g, d, a) in sums.items()]


@dataclass
class Payroll:
    period: Period
    closing: PayClosing | None
    workers: list[WorkerPay]
    # The earliest open period is where corrections of closed work land.
    takes_corrections: bool = False

    @property
    def closed(self) -> bool:
        return self.closing is not None

    @property
    def pieces(self) -> int:
        return sum(w.pieces for w in self.workers)

    @property
    def amount(self) -> Decimal:
        return add_up(w.settlement.amount for w in self.workers)

    @property
    def adjustments(self) -> Decimal:
        return add_up(w.settlement.adjustments for w in self.workers)

    @property
    def total(self) -> Decimal:
        return add_up(w.settlement.total for w in self.workers)

    @property
    def carried_forward(self) -> Decimal:
        return add_up(w.settlement.carried_forward for w in self.workers)

    def worker(self, code: str) -> WorkerPay | None:
        return next((w for w in self.workers if w.code == code), None)


def work_lines(*, session: Session, first: date, last: date, zone: ZoneInfo,
               worker_id: int | None = None, recent: bool = False) -> list[WorkLine]:
    """Net pieces per worker, day, bundle and operation with pay days in [first, last], each line
    priced at the rate in force on its day. Scans posted as corrections elsewhere are left out.

    `recent`: look only at scans that reached the server from `first` on, which the index on the
    arrival time finds without reading the whole table (the floor now asks for today). A pay day
    is never after the scan's arrival (the work is done before it is sent, an undo after the work
    it undoes), so this leaves nothing out."""
    lines = [(worker, d, number, bundle, position, WorkLine(worker, d, number, bundle, product, op_code, op_name,
                                                            rate, good, defects, amount))
             for worker, d, number, bundle, product, op_code, op_name, position, rate, good, defects, amount
             in _priced_lines(session=session, first=first, last=last, zone=zone, worker_id=worker_id,
                              recent=recent)]
    return [entry[-1] for entry in sorted(lines, key=lambda e: e[:5])]


def pay_by_worker(*, session: Session, day: date, zone: ZoneInfo) -> dict[int, tuple[int, Decimal]]:
    """Each worker's net pieces and pay for one day: the same lines as `work_lines` (each priced and
    rounded on its own, so the total is the payroll's to the fen), added up without building them."""
    totals: dict[int, tuple[int, Decimal]] = {}
    for worker, *_rest, good, _defects, amount in _priced_lines(session=session, first=day, last=day, zone=zone,
                                                                recent=True):
        pieces, pay = totals.get(worker, (0, ZERO))
        totals[worker] = (pieces + good, pay + amount)
    return totals


def _priced_lines(*, session: Session, first: date, last: date, zone: ZoneInfo, worker_id: int | None = None,
                  recent: bool = False) -> list[tuple]:
    """The lines of `work_lines` as plain tuples, in no order: (worker id, day, order, bundle,
    product, operation code, operation name, route position, rate, good, defects, amount)."""
    start, end = day_start_utc(first, zone), day_start_utc(last + timedelta(days=1), zone)
    original = _ORIGINAL
    when = pay_time(Scan, original)
    day = local_day(session, when, zone, start).label("day")
    undone = original.id == Scan.reverses_id
    if recent:
        # Only scans undone by the arrivals since `start` can be originals here: said outright,
        # PostgreSQL looks those few up instead of hashing the whole scan table.
        later = aliased(Scan)
        undone = and_(undone, original.id.in_(select(later.reverses_id).where(later.created_at >= start,
                                                                              later.reverses_id.is_not(None))))
    query = (select(Scan.worker_id, day, Order.number, Ticket.bundle_no, Product.code, Operation.id, Operation.code,
                    Operation.name, Operation.position, func.sum(Scan.good), func.sum(Scan.defects))
             .select_from(Scan).outerjoin(original, undone)
             .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
             .join(Operation, Operation.id == Scan.operation_id).join(Product, Product.id == Operation.product_id)
             .where(when >= start, when < end, ~exists().where(PayAdjustment.scan_id == Scan.id))
             .group_by(Scan.worker_id, day, Ticket.id, Order.number, Ticket.bundle_no, Product.code, Operation.id,
                       Operation.code, Operation.name, Operation.position))
    if worker_id is not None:
        query = query.where(Scan.worker_id == worker_id)
    if recent:
        # Only the scans undone by today's arrivals can be joined as originals: said outright,
        # PostgreSQL looks them up instead of hashing the whole scan table.
        query = query.where(Scan.created_at >= start)
    rows = [r for r in session.exec(query).all() if (r[9] or 0) or (r[10] or 0)]
    histories = rate_histories(session=session, operation_ids={r[5] for r in rows})
    lines = []
    for worker, d, number, bundle, product, op_id, op_code, op_name, position, good, defects in rows:
        d = d if isinstance(d, date) else date.fromisoformat(d)
        rate = rate_on(histories[op_id], d) or ZERO
        good, defects = int(good or 0), int(defects or 0)
        lines.append((worker, d, number, bundle, product, op_code, op_name, position, rate, good, defects,
                      line_amount(good, rate)))
    return lines


def _scan_refs(*, session: Session, scan_ids: set[int], zone: ZoneInfo) -> dict[int, ScanRef]:
    """For each scan, the scan its correction names (the undone one for an undo)."""
    if not scan_ids:
        return {}
    original = _ORIGINAL
    rows = session.exec(select(Scan.id, Scan.client_id, original.client_id, pay_time(Scan, original), Order.number,
                               Ticket.bundle_no, Operation.name)
                        .outerjoin(original, original.id == Scan.reverses_id)
                        .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
                        .join(Operation, Operation.id == Scan.operation_id)
                        .where(Scan.id.in_(scan_ids))).all()
    return {scan_id: ScanRef(original_id or client_id, _local_date(moment, zone), number, bundle, op)
            for scan_id, client_id, original_id, moment, number, bundle, op in rows}


def _local_date(moment, zone: ZoneInfo) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def pending_corrections(*, session: Session, zone: ZoneInfo, worker_id: int | None = None) -> list[AdjustmentLine]:
    """Scans recorded after the period their work belongs to was closed (an undo, a correction):
    they land in the earliest open period, priced at the rate in force on the original day.
    Closing that period stores them (`PayAdjustment` kind correction, naming the period)."""
    return [line for line, _scan in _late_scans(session=session, zone=zone, worker_id=worker_id)]


def _late_scans(*, session: Session, zone: ZoneInfo, worker_id: int | None = None) -> list[tuple[AdjustmentLine, Scan]]:
    latest, first = latest_closing(session=session), first_closing(session=session)
    if latest is None:
        return []
    original = _ORIGINAL
    when = pay_time(Scan, original)
    query = (select(Scan, when).outerjoin(original, original.id == Scan.reverses_id)
             .where(Scan.id > latest.through_scan_id, when >= day_start_utc(first.start, zone),
                    when < day_start_utc(latest.end + timedelta(days=1), zone),
                    ~exists().where(PayAdjustment.scan_id == Scan.id)).order_by(Scan.id))
    if worker_id is not None:
        query = query.where(Scan.worker_id == worker_id)
    rows = session.exec(query).all()
    histories = rate_histories(session=session, operation_ids={s.operation_id for s, _ in rows})
    refs = _scan_refs(session=session, scan_ids={s.id for s, _ in rows}, zone=zone)
    out = []
    for scan, moment in rows:
        day = _local_date(moment, zone)
        rate = rate_on(histories[scan.operation_id], day) or ZERO
        amount = line_amount(scan.good, rate)
        out.append((AdjustmentLine(None, "correction", amount, amount, "", day, "", refs[scan.id], scan.good, rate),
                    scan))
    return out


def _adjustment_lines(*, session: Session, period: str, zone: ZoneInfo,
                      worker_id: int | None = None) -> list[tuple[int, AdjustmentLine]]:
    query = select(PayAdjustment).where(PayAdjustment.period == period).order_by(PayAdjustment.day,
                                                                                 PayAdjustment.id)
    if worker_id is not None:
        query = query.where(PayAdjustment.worker_id == worker_id)
    rows = list(session.exec(query))
    refs = _scan_refs(session=session, scan_ids={a.scan_id for a in rows if a.scan_id}, zone=zone)
    return [(a.worker_id, AdjustmentLine(a.id, a.kind, Decimal(a.amount), Decimal(a.amount) * SIGN[a.kind],
                                         a.reason, a.day, a.created_by, refs.get(a.scan_id),
                                         a.pieces, Decimal(a.rate) if a.rate is not None else None))
            for a in rows]


def _workers(*, session: Session, ids: set[int]) -> dict[int, Worker]:
    if not ids:
        return {}
    return {w.id: w for w in session.exec(select(Worker).where(Worker.id.in_(ids)))}


def payroll_for(*, session: Session, period: Period, zone: ZoneInfo, worker_id: int | None = None) -> Payroll:
    """A period's pay per worker: frozen rows when it is closed, else computed from the scans."""
    closing = closing_of(session=session, period=period.name)
    if closing is not None:
        return _frozen(session=session, period=period, closing=closing, zone=zone, worker_id=worker_id)
    carried = _carried_into(session=session, period=period, zone=zone)
    return _live(session=session, period=period, zone=zone, worker_id=worker_id, carried_in=carried)


def _takes_corrections(*, session: Session, period: Period) -> bool:
    latest = latest_closing(session=session)
    return latest is not None and period.start == latest.end + timedelta(days=1)


def _live(*, session: Session, period: Period, zone: ZoneInfo, worker_id: int | None,
          carried_in: dict[int, Decimal]) -> Payroll:
    by_worker: dict[int, WorkerPay] = {}
    lines = work_lines(session=session, first=period.start, last=period.end, zone=zone, worker_id=worker_id)
    adjustments = _adjustment_lines(session=session, period=period.name, zone=zone, worker_id=worker_id)
    takes = _takes_corrections(session=session, period=period)
    if takes:
        adjustments += [(scan.worker_id, line) for line, scan in _late_scans(session=session, zone=zone,
                                                                              worker_id=worker_id)]
    ids = ({l.worker_id for l in lines} | {w for w, _ in adjustments}
           | {w for w, debt in carried_in.items() if debt and (worker_id is None or w == worker_id)})
    workers = _workers(session=session, ids=ids)
    for wid in ids:
        w = workers[wid]
        by_worker[wid] = WorkerPay(wid, w.code, w.name, w.active, carried_in=carried_in.get(wid, ZERO))
    for line in lines:
        by_worker[line.worker_id].lines.append(line)
    for wid, adjustment in adjustments:
        by_worker[wid].adjustments.append(adjustment)
    return Payroll(period, None, sorted(by_worker.values(), key=lambda w: w.code), takes)


def _frozen(*, session: Session, period: Period, closing: PayClosing, zone: ZoneInfo,
            worker_id: int | None) -> Payroll:
    totals = select(PayTotal).where(PayTotal.closing_id == closing.id)
    lines = select(PayLine).where(PayLine.closing_id == closing.id).order_by(PayLine.id)
    if worker_id is not None:
        totals, lines = totals.where(PayTotal.worker_id == worker_id), lines.where(PayLine.worker_id == worker_id)
    workers = {}
    active = {w.id: w.active for w in session.exec(select(Worker))} if worker_id is None else {}
    for t in session.exec(totals):
        workers[t.worker_id] = WorkerPay(t.worker_id, t.worker_code, t.worker_name,
                                         active.get(t.worker_id, True), carried_in=Decimal(t.carried_in),
                                         frozen=Settlement(Decimal(t.amount), Decimal(t.adjustments),
                                                           Decimal(t.total), Decimal(t.carried_forward)))
    for l in session.exec(lines):
        workers[l.worker_id].lines.append(WorkLine(l.worker_id, l.day, l.order_number, l.bundle_no, l.product_code,
                                                   l.operation_code, l.operation_name, Decimal(l.rate), l.good,
                                                   l.defects, Decimal(l.amount)))
    for wid, adjustment in _adjustment_lines(session=session, period=period.name, zone=zone, worker_id=worker_id):
        if wid in workers:
            workers[wid].adjustments.append(adjustment)
    return Payroll(period, closing, sorted(workers.values(), key=lambda w: w.code))


def _carried_into(*, session: Session, period: Period, zone: ZoneInfo) -> dict[int, Decimal]:
    """Per worker, the debt carried into `period` (advances and deductions larger than the pay of
    the periods before it), following open periods back to the latest closed one."""
    rules = pay_rules(session=session)
    closings = {c.period: c for c in closed_periods(session=session)}
    chain: list[Period] = []
    before = preceding(period, rules)
    while len(chain) < MAX_OPEN_CHAIN:
        closing = closings.get(before.name)
        if closing is not None:
            carry = {t.worker_id: Decimal(t.carried_forward) for t in session.exec(
                select(PayTotal).where(PayTotal.closing_id == closing.id, PayTotal.carried_forward > 0))}
            break
        chain.append(before)
        if before.start <= SINCE_ALWAYS:
            carry = {}
            break
        before = preceding(before, rules)
    else:
        carry = {}
    if not chain:
        return carry
    # Only periods from the first one with a debit (or with a debt carried in) can carry anything.
    debits = set(session.exec(select(PayAdjustment.period).where(
        PayAdjustment.period.in_([p.name for p in chain]),
        (PayAdjustment.kind.in_(("deduction", "advance"))) | (PayAdjustment.amount < 0))).all())
    chain.reverse()
    started = any(carry.values())
    for earlier in chain:
        if not started and earlier.name not in debits:
            continue
        started = True
        payroll = _live(session=session, period=earlier, zone=zone, worker_id=None, carried_in=carry)
        carry = {w.worker_id: w.settlement.carried_forward for w in payroll.workers if w.settlement.carried_forward}
    return carry


# --- closing and reopening -----------------------------------------------------------------------

def close_period(*, session: Session, period: Period, zone: ZoneInfo, today: date, by: str) -> PayClosing:
    """Freeze an ended period's lines and totals; periods close in order. Corrections of closed
    work waiting for this period are stored as adjustments posted to it."""
    lock_pay(session, "scan", "pay_adjustment")
    if closing_of(session=session, period=period.name) is not None:
        raise Refused(Refusal("period_closed", "period", {"period": period.name}), status=409)
    if period.end >= today:
        raise Refused(Refusal("period_not_ended", "period", {"period": period.name, "end": period.end.isoformat()}),
                      status=409)
    latest = latest_closing(session=session)
    if latest is not None and period.start != latest.end + timedelta(days=1):
        expected = following(Period(latest.period, latest.start, latest.end), pay_rules(session=session))
        raise Refused(Refusal("close_in_order", "period", {"period": period.name, "next": expected.name}),
                      status=409)
    through = session.exec(select(func.max(Scan.id))).one() or 0
    for line, scan in _late_scans(session=session, zone=zone):
        session.add(PayAdjustment(period=period.name, worker_id=scan.worker_id, kind="correction", amount=line.amount,
                                  day=line.day, scan_id=scan.id, pieces=line.pieces, rate=line.rate, created_by=by))
    session.flush()
    payroll = payroll_for(session=session, period=period, zone=zone)
    closing = PayClosing(period=period.name, start=period.start, end=period.end, through_scan_id=through,
                         closed_by=by, pieces=payroll.pieces, total=payroll.total)
    session.add(closing)
    session.flush()
    for worker in payroll.workers:
        s = worker.settlement
        session.add(PayTotal(closing_id=closing.id, worker_id=worker.worker_id, worker_code=worker.code,
                             worker_name=worker.name, pieces=worker.pieces, amount=s.amount,
                             adjustments=s.adjustments, carried_in=worker.carried_in, total=s.total,
                             carried_forward=s.carried_forward))
        session.add_all(PayLine(closing_id=closing.id, worker_id=worker.worker_id, day=l.day, order_number=l.order,
                                bundle_no=l.bundle, product_code=l.product, operation_code=l.operation_code,
                                operation_name=l.operation, rate=l.rate, good=l.good, defects=l.defects,
                                amount=l.amount) for l in worker.lines)
    session.flush()
    return closing


def reopen_period(*, session: Session, period: Period, zone: ZoneInfo, by: str, reason: str = "") -> dict:
    """Reopen the latest closed period. Its closing stays, marked reopened, with each worker's
    total as closed and as it is now where they differ; returns those changes."""
    lock_pay(session)
    closing = closing_of(session=session, period=period.name)
    if closing is None:
        raise Refused(Refusal("period_open", "period", {"period": period.name}), status=409)
    latest = latest_closing(session=session)
    if latest.id != closing.id:
        raise Refused(Refusal("reopen_latest_only", "period", {"period": period.name, "latest": latest.period}),
                      status=409)
    before = {w.code: w.settlement.total for w in payroll_for(session=session, period=period, zone=zone).workers}
    closing.reopened_at, closing.reopened_by, closing.reopen_reason = utcnow(), by, reason[:500]
    session.add(closing)
    session.flush()
    after = {w.code: w.settlement.total for w in payroll_for(session=session, period=period, zone=zone).workers}
    changes = {code: [str(before.get(code, ZERO)), str(after.get(code, ZERO))]
               for code in sorted(set(before) | set(after)) if before.get(code, ZERO) != after.get(code, ZERO)}
    closing.reopen_changes = json.dumps(changes, ensure_ascii=False)
    session.add(closing)
    session.flush()
    return changes


# --- adjustments -----------------------------------------------------------------------------------

def add_adjustment(*, session: Session, period: Period, worker_code: str, kind: str, amount: Decimal, reason: str,
                   day: date, by: str) -> PayAdjustment:
    """A bonus, deduction or advance in an open period."""
    lock_pay(session)
    check_adjustment(kind=kind, amount=amount, day=day)
    worker = session.exec(select(Worker).where(Worker.code == worker_code)).first()
    if worker is None:
        raise Refused(Refusal("no_such_worker", "worker", {"code": worker_code}))
    if closing_of(session=session, period=period.name) is not None:
        raise Refused(Refusal("period_closed", "period", {"period": period.name}), status=409)
    adjustment = PayAdjustment(period=period.name, worker_id=worker.id, kind=kind, amount=amount, reason=reason,
                               day=day, created_by=by)
    session.add(adjustment)
    session.flush()
    return adjustment


def periods_of_worker(*, session: Session, worker_id: int) -> list[PayClosing]:
    """Closed periods in which the worker has pay, newest first (for their payslip list)."""
    return list(session.exec(select(PayClosing).join(PayTotal, PayTotal.closing_id == PayClosing.id)
                             .where(PayClosing.reopened_at.is_(None), PayTotal.worker_id == worker_id)
                             .order_by(PayClosing.end.desc())))


def day_pay(*, session: Session, worker: Worker, day: date, zone: ZoneInfo) -> WorkerPay:
    """A worker's pieces and pay on one day (no adjustments: those belong to the period)."""
    return WorkerPay(worker.id, worker.code, worker.name, worker.active,
                     lines=work_lines(session=session, first=day, last=day, zone=zone, worker_id=worker.id))
