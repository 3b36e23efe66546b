"""The capacity scenario from live data: work centers, calendar, and every open order's remaining
work from its scans, in the plain shape `factory.feasibility.assess` takes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, select

from factory.data.models import OPEN_STATUSES, Holiday, Operation, Order, Product, WorkCenter, Workday
from factory.data.orders import order_done_by_operation
from factory.domain.progress import Count, is_order_finished, monotone_done

DEFAULT_WORKDAYS = [0, 1, 2, 3, 4, 5]
CANDIDATE_ID = "NEW"
# The order in which open orders enter a plan (the board's order too): ties in the planner go to
# the earlier one, so the board and "can we take it?" must list them alike.
PLAN_ORDER = (Order.due, Order.priority.desc(), Order.number)


def route_json(operations: list[Operation], centers: dict[int, WorkCenter], done: list[int] | None = None,
               minutes: dict[int, float] | None = None) -> list[dict]:
    """The route in the engine's shape; `minutes` replaces the typed minutes per piece of some
    operations (by id: measured ones, factory/data/measured.scenario_minutes)."""
    done = done or [0] * len(operations)
    minutes = minutes or {}
    return [{"work_center": centers[op.work_center_id].code,
             "minutes_per_piece": round(minutes[op.id], 4) if op.id in minutes else op.minutes_per_piece,
             "setup_minutes": op.setup_minutes, "done": d} for op, d in zip(operations, done)]


def plan_horizon(today: date, dues: list[date]) -> int:
    """Days a plan of live data looks ahead: the model's 90, or 30 days past the last due date
    (at most a year), so no order is squeezed into a horizon that ends before its due date."""
    return min(366, max([90] + [(d - today).days + 30 for d in dues]))


def live_scenario(*, session: Session, today: date, horizon_days: int | None = None,
                  minutes: dict[int, float] | None = None, extra: tuple[dict, int] | None = None,
                  exclude: str | None = None) -> dict:
    """Every accepted or in-production order with its remaining work; no candidate yet. `minutes`:
    minutes per piece by operation id instead of the typed ones (a measured pace). `extra`:
    an order not yet created (in the scenario's shape) and its priority, placed where the board
    will list it once created (after the orders of the same due date and priority). `exclude`: an
    order's number left out (the order being edited, whose new values are the candidate)."""
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter).order_by(WorkCenter.position))}
    workdays = [w.weekday for w in session.exec(select(Workday).order_by(Workday.weekday))] or DEFAULT_WORKDAYS
    holidays = [h.day.isoformat() for h in session.exec(select(Holiday).where(Holiday.day >= today))]
    orders = list(session.exec(select(Order).where(Order.status.in_([s.value for s in OPEN_STATUSES]))
                               .order_by(*PLAN_ORDER)))
    routes = routes_by_product(session=session, product_ids={o.product_id for o in orders})
    counts = order_done_by_operation(session=session, order_ids=[o.id for o in orders])
    scenario_orders = []
    for order in orders:
        if order.number == exclude:
            continue
        if extra is not None and (date.fromisoformat(extra[0]["due"]), -extra[1]) < (order.due, -order.priority):
            scenario_orders.append(extra[0])
            extra = None
        route = routes.get(order.product_id, [])
        order_counts = [counts.get((order.id, op.id), Count()) for op in route]
        done = monotone_done(order.quantity, order_counts)
        if route and done[-1] < order.quantity and not is_order_finished(order.quantity, order_counts):
            scenario_orders.append({"id": order.number, "quantity": order.quantity, "due": order.due.isoformat(),
                                    "operations": route_json(route, centers, done, minutes)})
    if extra is not None:
        scenario_orders.append(extra[0])
    return scenario_of(today=today, centers=centers.values(), workdays=workdays, holidays=holidays,
                       orders=scenario_orders, horizon_days=horizon_days)


def scenario_of(*, today: date, centers: Iterable[WorkCenter], workdays: Iterable[int], holidays: Iterable[str],
                orders: list[dict], horizon_days: int | None = None) -> dict:
    """The scenario the engine takes, from work centers, the calendar and orders already in its
    shape; the horizon covers every order's due date (plan_horizon) unless given."""
    if horizon_days is None:
        horizon_days = plan_horizon(today, [date.fromisoformat(o["due"]) for o in orders])
    return {"today": today.isoformat(), "horizon_days": horizon_days,
            "calendar": {"workdays": sorted(workdays), "holidays": sorted(holidays)},
            "work_centers": [{"id": wc.code, "units": wc.units, "hours_per_day": wc.hours_per_day,
                              "efficiency": wc.efficiency, "overtime_hours_per_day": wc.overtime_hours_per_day}
                             for wc in centers],
            "orders": orders}


def routes_by_product(*, session: Session, product_ids: set[int]) -> dict[int, list[Operation]]:
    routes: dict[int, list[Operation]] = {}
    if product_ids:
        for op in session.exec(select(Operation).where(Operation.product_id.in_(product_ids))
                               .order_by(Operation.product_id, Operation.position)):
            routes.setdefault(op.product_id, []).append(op)
    return routes


def with_candidate(scenario: dict, *, session: Session, product: Product, quantity: int, due: date,
                   minutes: dict[int, float] | None = None) -> dict:
    """The live scenario plus the order the customer is asking for."""
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    route = routes_by_product(session=session, product_ids={product.id}).get(product.id, [])
    horizon = max(scenario["horizon_days"], plan_horizon(date.fromisoformat(scenario["today"]), [due]))
    return {**scenario, "horizon_days": horizon, "candidate": {"id": CANDIDATE_ID, "quantity": quantity, "due": due.isoformat(),
                                      "operations": route_json(route, centers, minutes=minutes)}}
