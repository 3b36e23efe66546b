"""The engine replayed as of a past day, from what the database keeps: when each order was
accepted (the order's `accepted_at`), the status moves the audit log recorded (cancelled, done,
shipped, reopened), the scans with the time the work was done, and today's work centers,
calendar and typed minutes. The rules are pure (factory/feasibility/replay.py)."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, tzinfo

from sqlalchemy import func
from sqlmodel import Session, select

from factory.data.live_scenario import DEFAULT_WORKDAYS, route_json, routes_by_product, scenario_of
from factory.data.models import AuditEntry, Holiday, Order, OrderStatus, Promise, Scan, Ticket, WorkCenter, Workday
from factory.data.promises import finished_days, workshop_day
from factory.domain.calendar import day_start_utc
from factory.domain.progress import Count, is_order_finished
from factory.domain.refusal import Refusal, Refused
from factory.feasibility import ScenarioError
from factory.feasibility.completions import planned_completions
from factory.feasibility.replay import PastOrder, Replay, as_of_refusal, compare, default_as_of, orders_as_of

STATUS_MOVE = "desk.order_status"
_MOVE_PATH = re.compile(r"^/orders/(?P<number>[^/?]+)/status(\?|$)")


def first_scan_day(*, session: Session, zone: tzinfo) -> date | None:
    """The workshop day of the earliest work the scans record (None: no scan yet)."""
    first = session.exec(select(func.min(Scan.worked_at))).one()
    return workshop_day(first, zone) if first is not None else None


def replay_day(*, session: Session, as_of: date | None, today: date, zone: tzinfo) -> date:
    """The day to replay: `as_of`, or four weeks ago by default; Refused (422, field `as_of`) when it
    is in the future, before the first scan, or there is no scan yet."""
    first = first_scan_day(session=session, zone=zone)
    day = as_of if as_of is not None else default_as_of(today=today, first_scan=first)
    refusal = as_of_refusal(as_of=day, today=today, first_scan=first)
    if refusal is not None:
        raise Refused(refusal, status=422)
    return day


def status_moves(*, session: Session, zone: tzinfo) -> dict[str, list[tuple[date, str]]]:
    """The status moves the audit log recorded, by order number, oldest first: (day, new status)."""
    out: dict[str, list[tuple[date, str]]] = {}
    for at, path, detail in session.exec(select(AuditEntry.at, AuditEntry.path, AuditEntry.detail)
                                         .where(AuditEntry.action == STATUS_MOVE, AuditEntry.status < 400)
                                         .order_by(AuditEntry.at, AuditEntry.id)):
        match = _MOVE_PATH.match(path)
        try:
            status = json.loads(detail).get("status") if detail else None
        except (ValueError, AttributeError):
            status = None
        if match and isinstance(status, str):
            out.setdefault(match["number"], []).append((workshop_day(at, zone), status))
    return out


def past_orders(*, session: Session, as_of: date, zone: tzinfo) -> list[PastOrder]:
    """Every order accepted on or before `as_of` (the others cannot have been on its plan) that its
    scans worked before `as_of` had not finished, with its history and those scans' pieces, at
    today's typed minutes."""
    accepted_by = day_start_utc(date.fromordinal(as_of.toordinal() + 1), zone)
    # Accepted: when the order says; where it does not, when its promise was made (open_on decides).
    found = list(session.exec(select(Order).where(Order.status != OrderStatus.draft.value,
                                                  Order.accepted_at.is_(None) | (Order.accepted_at < accepted_by))))
    if not found:
        return []
    routes = routes_by_product(session=session, product_ids={o.product_id for o in found})
    counts = _counts_before(session=session, order_ids=[o.id for o in found], before=day_start_utc(as_of, zone))
    # Finished by then (the board on that day saw nothing left): off the plan, and its finish day
    # is not needed, which keeps the scans read to those of the orders still open.
    orders = [o for o in found if not is_order_finished(
        o.quantity, [counts.get((o.id, op.id), Count()) for op in routes.get(o.product_id, [])])]
    if not orders:
        return []
    made = dict(session.exec(select(Promise.order_id, Promise.made_at)
                             .where(Promise.order_id.in_([o.id for o in orders]))).all())
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    finished = finished_days(session=session, orders=orders, zone=zone)
    moves = status_moves(session=session, zone=zone)
    out = []
    for order in orders:
        accepted = order.accepted_at or made.get(order.id)
        route = routes.get(order.product_id, [])
        known = list(moves.get(order.number, []))
        if order.status == OrderStatus.shipped.value and order.shipped_at is not None:
            known.append((workshop_day(order.shipped_at, zone), OrderStatus.shipped.value))
        out.append(PastOrder(
            order.number, order.quantity, order.due, order.priority, order.status,
            workshop_day(accepted, zone) if accepted is not None else None, finished.get(order.id),
            tuple(sorted(known, key=lambda m: m[0])), tuple(route_json(route, centers)),
            tuple(counts.get((order.id, op.id), Count()) for op in route)))
    return out


def _counts_before(*, session: Session, order_ids: list[int], before: datetime) -> dict[tuple[int, int], Count]:
    """Good and defect totals per (order, operation) of the scans worked before `before`; a reversal
    counts at its own time (it is a scan of negative pieces)."""
    rows = session.exec(select(Ticket.order_id, Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
                        .join(Ticket, Ticket.id == Scan.ticket_id)
                        .where(Ticket.order_id.in_(order_ids), Scan.worked_at < before)
                        .group_by(Ticket.order_id, Scan.operation_id)).all()
    return {(o, op): Count(int(g or 0), int(d or 0)) for o, op, g, d in rows}


def replay(*, session: Session, as_of: date, today: date, zone: tzinfo) -> Replay:
    """The plan as of `as_of` (one run of the board's engine) against what happened since."""
    past = past_orders(session=session, as_of=as_of, zone=zone)
    planned_orders = orders_as_of(as_of, past)
    workdays = [w.weekday for w in session.exec(select(Workday).order_by(Workday.weekday))] or DEFAULT_WORKDAYS
    holidays = [h.day.isoformat() for h in session.exec(select(Holiday).where(Holiday.day >= as_of))]
    centers = list(session.exec(select(WorkCenter).order_by(WorkCenter.position)))
    planned = {}
    if planned_orders:
        try:
            planned = planned_completions(scenario_of(today=as_of, centers=centers, workdays=workdays,
                                                      holidays=holidays, orders=planned_orders))
        except ScenarioError as error:
            raise Refused(Refusal("replay_unplannable", "as_of", {"problem": str(error)}), status=422) from error
    by_number = {o.number: o for o in past}
    return compare(as_of=as_of, planned=planned, orders=planned_orders,
                   due={n: o.due for n, o in by_number.items()},
                   finished={n: o.finished for n, o in by_number.items() if o.finished is not None},
                   cancelled={n for n, o in by_number.items() if o.status == OrderStatus.cancelled.value},
                   today=today)
