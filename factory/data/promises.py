"""Promises: the plan's date for an order, stored when it is accepted, and how the promises came
out (kept, late, by month)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlmodel import Session, select

from factory.data.live_scenario import live_scenario
from factory.data.measured import scenario_minutes
from factory.data.models import OPEN_STATUSES, Operation, Order, OrderStatus, Promise, Scan, Ticket
from factory.domain.progress import Count, is_order_finished
from factory.domain.promises import MonthOfPromises, PromiseOutcome, by_month, promise_outcome
from factory.feasibility import ScenarioError
from factory.feasibility.completions import planned_completions

FINISHED_STATUSES = (OrderStatus.done.value, OrderStatus.shipped.value)


def promise_orders(*, session: Session, order_ids: list[int], today: date, zone: tzinfo | None = None,
                   dates: dict[int, date] | None = None) -> int:
    """Store the plan's date for orders just created or accepted (open, without a promise yet):
    `dates` by order id where the caller already has the plan's date (the verdict the owner
    accepted), else one plan of all open orders without a candidate (the board's plan, at the
    minutes the engine uses). An order the plan cannot finish within its horizon gets none.
    Returns how many were stored. The caller's write transaction."""
    if not order_ids:
        return 0
    promised = set(session.exec(select(Promise.order_id).where(Promise.order_id.in_(order_ids))))
    waiting = [o for o in session.exec(select(Order).where(Order.id.in_(order_ids),
                                                           Order.status.in_([s.value for s in OPEN_STATUSES])))
               if o.id not in promised]
    if not waiting:
        return 0
    dates = dict(dates or {})
    if any(o.id not in dates for o in waiting):
        try:
            plan = planned_completions(live_scenario(session=session, today=today,
                                                     minutes=scenario_minutes(session=session, today=today,
                                                                              zone=zone)))
        except ScenarioError:
            plan = {}
        for order in waiting:
            completion = plan.get(order.number)
            if order.id not in dates and completion is not None and completion.plan_day is not None:
                dates[order.id] = completion.plan_day
    stored = [Promise(order_id=o.id, promised=dates[o.id]) for o in waiting if o.id in dates]
    session.add_all(stored)
    session.flush()
    return len(stored)


@dataclass(frozen=True)
class PromiseRow:
    order: Order
    outcome: PromiseOutcome


@dataclass(frozen=True)
class PromiseReport:
    rows: list[PromiseRow]
    months: list[MonthOfPromises]

    @property
    def kept(self) -> int:
        return sum(r.outcome.state == "kept" for r in self.rows)

    @property
    def late(self) -> int:
        return sum(r.outcome.state == "late" for r in self.rows)


def workshop_day(moment: datetime, zone: tzinfo) -> date:
    """The workshop day of a stored moment (UTC, or naive UTC from SQLite)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()


def finished_days(*, session: Session, orders: list[Order], zone: tzinfo) -> dict[int, date]:
    """The day each finished order finished: when its scans first left nothing to log at any
    operation (its last operation has all its pieces, less the defects lost before it; by work
    time, and again after an undo); for an order marked done or shipped without that, its last
    scan at its last operation (or the day it shipped)."""
    if not orders:
        return {}
    positions: dict[int, int] = {}
    route_length: dict[int, int] = {}
    for op in session.exec(select(Operation).where(Operation.product_id.in_({o.product_id for o in orders}))
                           .order_by(Operation.product_id, Operation.position)):
        positions[op.id] = route_length.get(op.product_id, 0)
        route_length[op.product_id] = positions[op.id] + 1
    wanted = {o.id: o for o in orders}
    rows = session.exec(select(Ticket.order_id, Scan.operation_id, Scan.good, Scan.defects, Scan.worked_at)
                        .join(Ticket, Ticket.id == Scan.ticket_id)
                        .where(Ticket.order_id.in_(list(wanted)))
                        .order_by(Scan.worked_at, Scan.id)).all()
    # Per order: [good, defects] per operation, and the defects logged before its last operation.
    sums: dict[int, list[list[int]]] = {}
    upstream_defects: dict[int, int] = {}
    out: dict[int, date] = {}
    last_scan: dict[int, datetime] = {}
    for order_id, op_id, good, defects, worked_at in rows:
        order = wanted[order_id]
        length = route_length.get(order.product_id, 0)
        position = positions.get(op_id)
        if position is None or not length:
            continue
        found = sums.get(order_id)
        if found is None:
            found = sums[order_id] = [[0, 0] for _ in range(length)]
        found[position][0] += good
        found[position][1] += defects
        if position == length - 1:
            last_scan[order_id] = worked_at
        else:
            upstream_defects[order_id] = upstream_defects.get(order_id, 0) + defects
        # Most scans leave the last operation short of its pieces (less those lost before it):
        # the whole route is checked only when they do not.
        if (sum(found[-1]) + upstream_defects.get(order_id, 0) >= order.quantity
                and is_order_finished(order.quantity, [Count(g, d) for g, d in found])):
            out.setdefault(order_id, workshop_day(worked_at, zone))
        else:
            out.pop(order_id, None)  # undone: not finished after all (until it is again)
    for order in orders:
        if order.id not in out and order.status in FINISHED_STATUSES:
            moment = last_scan.get(order.id) or order.shipped_at
            if moment is not None:
                out[order.id] = workshop_day(moment, zone)
    return out


def promise_report(*, session: Session, today: date, zone: tzinfo) -> PromiseReport:
    """Every promise (cancelled orders left out), oldest promised first, with how it came out."""
    found = list(session.exec(select(Order, Promise).join(Promise, Promise.order_id == Order.id)
                              .where(Order.status != OrderStatus.cancelled.value)
                              .order_by(Promise.promised, Order.number)))
    finished = finished_days(session=session, orders=[o for o, _ in found], zone=zone)
    rows = [PromiseRow(order, promise_outcome(promised=p.promised, finished=finished.get(order.id), today=today))
            for order, p in found]
    return PromiseReport(rows, by_month([r.outcome for r in rows]))
