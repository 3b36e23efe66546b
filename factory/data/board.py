"""The production board's data: every open order with its progress per operation, in a fixed
number of queries whatever the number of orders or scans, and its planned completion date."""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, select

from factory.data.live_scenario import (
    DEFAULT_WORKDAYS,
    PLAN_ORDER,
    live_scenario,
    route_json,
    scenario_of,
)
from factory.data.measured import scenario_minutes
from factory.data.models import OPEN_STATUSES, Holiday, Operation, Order, Product, Scan, Ticket, WorkCenter, Workday
from factory.domain.capacity import standard_minutes
from factory.domain.progress import (  # noqa: F401 (re-exported)
    Count,
    is_order_finished,
    monotone_done,
    percent,
    remaining_pieces,
)
from factory.feasibility import ScenarioError
from factory.feasibility.completions import Completion
from factory.feasibility.completions import planned_completions as capacity_completions

log = logging.getLogger(__name__)

# An order planned to finish fewer than this many days before its due date is at risk.
RISK_DAYS = 2
# Looking further ahead than this means the work center has no capacity: the date is unknown.
HORIZON_DAYS = 3 * 365


@dataclass
class BoardStep:
    operation: Operation
    done: int
    defects: int
    quantity: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.quantity)


@dataclass
class BoardRow:
    order: Order
    product: Product
    steps: list[BoardStep]
    last_scan: datetime | None
    planned: date | None = None
    badge: str = "on_track"
    needs_overtime: bool = False  # on time only with overtime (the capacity plan's planned date is with it)
    planned_slow: date | None = None  # the planned date at the slower measured pace (None: nothing measured)

    @property
    def finished(self) -> int:
        return self.steps[-1].done if self.steps else 0


# --- pure arithmetic -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderLoad:
    """Standard minutes an open order still needs at each work center."""
    order_id: int
    due: date
    priority: int = 0
    minutes: dict[int, float] = field(default_factory=dict)


def order_load(order_id: int, due: date, priority: int, quantity: int,
               route: list[tuple[int, float, float]], counts: list[Count]) -> OrderLoad:
    """`route` is (work center id, minutes per piece, setup minutes) per operation; setup is
    still owed where nothing has been logged yet."""
    minutes: dict[int, float] = {}
    for (center, per_piece, setup), left, count in zip(route, remaining_pieces(quantity, counts), counts):
        if left:
            minutes[center] = minutes.get(center, 0.0) + left * per_piece + (setup if count.logged == 0 else 0.0)
    return OrderLoad(order_id, due, priority, minutes)


def add_workdays(start: date, days: float, workdays: set[int], holidays: set[date]) -> date | None:
    """The workday on which `days` working days counted from `start` (inclusive) run out."""
    if days <= 0:
        return start
    if not workdays:
        return None
    need, day = math.ceil(days - 1e-9), start
    for _ in range(HORIZON_DAYS):
        if day.weekday() in workdays and day not in holidays:
            need -= 1
            if need == 0:
                return day
        day += timedelta(days=1)
    return None


def estimated_completions(loads: list[OrderLoad], capacity: dict[int, float], workdays: set[int],
                        holidays: set[date], today: date) -> dict[int, date | None]:
    """A rate estimate of each order's completion: every work center works through its open
    load earliest due date first (then priority); an order is done when its last work center
    has worked through it and everything queued before it. Operations are not chained, so this
    is optimistic for orders whose first operation is still open."""
    queued: dict[int, float] = {}
    planned: dict[int, date | None] = {}
    for load in sorted(loads, key=lambda l: (l.due, -l.priority, l.order_id)):
        finish: date | None = today
        for center, minutes in load.minutes.items():
            queued[center] = queued.get(center, 0.0) + minutes
            per_day = capacity.get(center, 0.0)
            day = add_workdays(today, queued[center] / per_day, workdays, holidays) if per_day > 0 else None
            finish = None if day is None or finish is None else max(finish, day)
        planned[load.order_id] = finish
    return planned


def badge(*, due: date, planned: date | None, finished: bool, today: date) -> str:
    """done / late / at_risk / on_track from a planned completion date against the due date.

    Any planner can supply `planned` (this module's rate estimate, or a capacity plan); None
    means no date can be planned (a work center without capacity), which is at risk at best.
    """
    if finished:
        return "done"
    if due < today or (planned is not None and planned > due):
        return "late"
    if planned is None or (due - planned).days < RISK_DAYS:
        return "at_risk"
    return "on_track"


def glance(row: BoardRow) -> str:
    """The one box of the board's counts an open order falls in, checked in this order: late, at
    risk, not started (no scan yet), on track (finished orders not shipped yet too)."""
    if row.badge in ("late", "at_risk"):
        return row.badge
    if row.last_scan is None:
        return "not_started"
    return "on_track"


def capacity_badge(*, due: date, completion: Completion, finished: bool, today: date) -> tuple[str, date | None]:
    """The badge and planned date from the capacity plan (factory.feasibility): late when not even
    overtime gets the order done by its due date; at risk when only overtime does, or when the
    regular-time plan leaves fewer than RISK_DAYS to spare."""
    if not finished and completion.late_with_overtime:
        return "late", completion.with_overtime or completion.regular
    if completion.late_in_regular_time and not finished and due >= today:
        return "at_risk", completion.with_overtime
    return badge(due=due, planned=completion.regular, finished=finished, today=today), completion.regular


@lru_cache(maxsize=8)
def _cached_completions(scenario_json: str) -> dict[str, Completion]:
    return capacity_completions(json.loads(scenario_json))


def capacity_plan(scenario: dict) -> dict[str, Completion] | None:
    """Planned completions for a scenario, remembered for repeated identical boards (polling);
    None when the data cannot be planned (the board falls back to the rate estimate)."""
    try:
        return _cached_completions(json.dumps(scenario, sort_keys=True))
    except ScenarioError as error:
        log.warning("board: no capacity plan (%s); using the rate estimate", error)
        return None


def capacity_minutes(center: WorkCenter) -> float:
    """Standard minutes a work center does in a normal day (overtime is kept in reserve)."""
    return standard_minutes(units=center.units, hours=center.hours_per_day, efficiency=center.efficiency)


# --- the queries -----------------------------------------------------------------------------------

def board_rows(*, session: Session, today: date, statuses=OPEN_STATUSES, zone: tzinfo | None = None) -> list[BoardRow]:
    """Open orders by due date; progress summed in SQL (seven queries in all, whatever the numbers).
    With the workshop's `zone`, planned with measured minutes where the workshop uses them, and
    planned once more at the slower measured pace (`planned_slow`) where some are measured."""
    wanted = [s.value for s in statuses]
    orders = list(session.exec(select(Order, Product).join(Product, Product.id == Order.product_id)
                               .where(Order.status.in_(wanted))
                               .order_by(*PLAN_ORDER)))
    routes: dict[int, list[Operation]] = {}
    product_ids = {p.id for _, p in orders}
    for op in session.exec(select(Operation).where(Operation.product_id.in_(product_ids))
                           .order_by(Operation.product_id, Operation.position)):
        routes.setdefault(op.product_id, []).append(op)
    counts, last_scans = open_order_counts(session=session, statuses=wanted)
    work_centers = {wc.id: wc for wc in session.exec(select(WorkCenter).order_by(WorkCenter.position))}
    centers = {wc.id: capacity_minutes(wc) for wc in work_centers.values()}
    workdays = set(session.exec(select(Workday.weekday))) or set(DEFAULT_WORKDAYS)  # as the verdict page
    holidays = set(session.exec(select(Holiday.day).where(Holiday.day >= today)))
    used = scenario_minutes(session=session, today=today, zone=zone)
    slow = scenario_minutes(session=session, today=today, zone=zone, pace="slow")
    rows, loads, finished, booked, booked_slow = [], [], {}, [], []
    open_statuses = {s.value for s in OPEN_STATUSES}
    for order, product in orders:
        route = routes.get(product.id, [])
        order_counts = [counts.get((order.id, op.id), Count()) for op in route]
        steps = [BoardStep(op, c.good, c.defects, order.quantity) for op, c in zip(route, order_counts)]
        rows.append(BoardRow(order, product, steps, last_scans.get(order.id)))
        finished[order.id] = is_order_finished(order.quantity, order_counts)
        loads.append(order_load(order.id, order.due, order.priority, order.quantity,
                                [(op.work_center_id, op.minutes_per_piece, op.setup_minutes) for op in route],
                                order_counts))
        done = monotone_done(order.quantity, order_counts)
        if order.status in open_statuses and route and not finished[order.id] and done[-1] < order.quantity:
            booked.append({"id": order.number, "quantity": order.quantity, "due": order.due.isoformat(),
                           "operations": route_json(route, work_centers, done, used)})
            if slow:
                booked_slow.append({**booked[-1], "operations": route_json(route, work_centers, done, slow)})
    planned = estimated_completions(loads, centers, workdays, holidays, today)
    plan = capacity_plan(scenario_of(today=today, centers=work_centers.values(), workdays=workdays,
                                     holidays=[h.isoformat() for h in holidays], orders=booked)) if booked else None
    plan_slow = capacity_plan(scenario_of(today=today, centers=work_centers.values(), workdays=workdays,
                                          holidays=[h.isoformat() for h in holidays], orders=booked_slow)) \
        if booked_slow else None
    for row in rows:
        completion = plan.get(row.order.number) if plan else None
        if completion is not None:
            row.badge, row.planned = capacity_badge(due=row.order.due, completion=completion,
                                                    finished=finished[row.order.id], today=today)
            row.needs_overtime = row.badge == "at_risk" and completion.late_in_regular_time
            slow_completion = plan_slow.get(row.order.number) if plan_slow else None
            if slow_completion is not None:
                row.planned_slow = capacity_badge(due=row.order.due, completion=slow_completion,
                                                  finished=finished[row.order.id], today=today)[1]
        else:
            row.planned = planned.get(row.order.id)
            row.badge = badge(due=row.order.due, planned=row.planned, finished=finished[row.order.id],
                              today=today)
    return rows


def planned_if_taken(*, session: Session, today: date, candidate: dict, priority: int = 0,
                     zone: tzinfo | None = None) -> tuple[str, date | None]:
    """The badge and planned completion the board will show for `candidate` (an order in the
    scenario's shape, id, quantity, due and operations) once it is accepted with `priority`: the
    same scenario (live_scenario, with the new order where the board's order puts it) and the same
    planner as board_rows, so "can we take it?" and the board say the same date."""
    minutes = scenario_minutes(session=session, today=today, zone=zone)  # the board's minutes too
    plan = capacity_plan(live_scenario(session=session, today=today, extra=(candidate, priority), minutes=minutes))
    completion = plan.get(candidate["id"]) if plan else None
    if completion is None:
        return "at_risk", None
    return capacity_badge(due=date.fromisoformat(candidate["due"]), completion=completion, finished=False,
                          today=today)


def open_order_counts(*, session: Session, statuses: list[str]):
    """Good/defect totals per (order, operation) and the last scan time per order, for every
    order in `statuses`: one grouped query over the scans of those orders."""
    rows = session.exec(select(Ticket.order_id, Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects),
                               func.max(Scan.worked_at))
                        .join(Ticket, Ticket.id == Scan.ticket_id)
                        .join(Order, Order.id == Ticket.order_id)
                        .where(Order.status.in_(statuses))
                        .group_by(Ticket.order_id, Scan.operation_id)).all()
    counts, last = {}, {}
    for order_id, op_id, good, defects, latest in rows:
        counts[(order_id, op_id)] = Count(int(good or 0), int(defects or 0))
        if latest is not None and (order_id not in last or latest > last[order_id]):
            last[order_id] = latest
    return counts, last
