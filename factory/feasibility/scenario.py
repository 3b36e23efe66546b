"""Reading a capacity scenario: every field checked, defaults filled in, errors naming the field."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from factory.domain.capacity import standard_minutes
from factory.domain.refusal import Refusal, Refused

DEFAULT_WORKDAYS = (0, 1, 2, 3, 4, 5)
DEFAULT_HORIZON_DAYS = 90
MAX_HORIZON_DAYS = 3660
# Beyond these a scenario is a mistake (or an attack): no date arithmetic or float can overflow.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MAX_QUANTITY = 10_000_000
MAX_UNITS = 10_000
MAX_MINUTES = 100_000.0


class ScenarioError(Refused, ValueError):
    """A scenario that cannot be assessed: a refusal of the field at `field` (its path), with the
    engine's own words in `problem` (the scenario API speaks English, like its documentation)."""

    def __init__(self, field: str, problem: str):
        super().__init__(Refusal("scenario", field, {"problem": problem}))
        self.field = field
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


@dataclass(slots=True)
class WorkCenter:
    id: str
    units: float
    hours_per_day: float
    efficiency: float
    overtime_hours_per_day: float

    @property
    def regular_minutes(self) -> float:
        """Standard minutes a working day offers in regular time (rule 2)."""
        return standard_minutes(units=self.units, hours=self.hours_per_day, efficiency=self.efficiency)

    @property
    def overtime_minutes(self) -> float:
        return standard_minutes(units=self.units, hours=self.overtime_hours_per_day, efficiency=self.efficiency)


@dataclass(slots=True)
class Operation:
    work_center: str
    minutes_per_piece: float
    setup_minutes: float
    done: int


@dataclass(slots=True)
class Order:
    id: str
    quantity: int
    due: date
    operations: tuple[Operation, ...]

    def remaining(self, k: int) -> int:
        return self.quantity - self.operations[k].done

    def load(self, k: int) -> float:
        """Remaining standard minutes of operation k (rule 3): setup counts until the first piece."""
        op = self.operations[k]
        left = self.quantity - op.done
        if left <= 0:
            return 0.0
        return left * op.minutes_per_piece + (op.setup_minutes if op.done == 0 else 0.0)

    @property
    def route(self) -> tuple:
        """What identifies the product on the line: the same work centers and standard minutes."""
        return tuple((op.work_center, op.minutes_per_piece, op.setup_minutes) for op in self.operations)


@dataclass(slots=True)
class Scenario:
    today: date
    horizon_days: int
    workdays: frozenset
    holidays: frozenset
    work_centers: tuple[WorkCenter, ...]
    orders: tuple[Order, ...]
    candidate: Order

    def date_of(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays


def parse_scenario(data) -> Scenario:
    """The scenario as typed values; raises ScenarioError naming the first bad field."""
    if not isinstance(data, dict):
        raise ScenarioError("scenario", "must be a JSON object")
    today = _date(_required(data, "today", "today"), "today")
    horizon = _integer(data.get("horizon_days", DEFAULT_HORIZON_DAYS), "horizon_days", minimum=1)
    if horizon > MAX_HORIZON_DAYS:
        raise ScenarioError("horizon_days", f"must be at most {MAX_HORIZON_DAYS}")
    calendar = data.get("calendar")
    if calendar is None:
        calendar = {}
    if not isinstance(calendar, dict):
        raise ScenarioError("calendar", "must be an object")
    workdays = calendar.get("workdays", list(DEFAULT_WORKDAYS))
    _list(workdays, "calendar.workdays")
    days = set()
    for i, w in enumerate(workdays):
        days.add(_integer(w, f"calendar.workdays[{i}]", minimum=0, maximum=6))
    holidays = calendar.get("holidays", [])
    _list(holidays, "calendar.holidays")
    off = {_date(h, f"calendar.holidays[{i}]") for i, h in enumerate(holidays)}

    centers_data = _list(_required(data, "work_centers", "work_centers"), "work_centers")
    if not centers_data:
        raise ScenarioError("work_centers", "must list at least one work center")
    centers = []
    seen = set()
    for i, wc in enumerate(centers_data):
        path = f"work_centers[{i}]"
        if not isinstance(wc, dict):
            raise ScenarioError(path, "must be an object")
        wc_id = _text(_required(wc, "id", path + ".id"), path + ".id")
        if wc_id in seen:
            raise ScenarioError(path + ".id", f"work center {wc_id!r} is listed twice")
        seen.add(wc_id)
        centers.append(WorkCenter(
            id=wc_id,
            units=_number(_required(wc, "units", path + ".units"), path + ".units", maximum=MAX_UNITS),
            hours_per_day=_number(_required(wc, "hours_per_day", path + ".hours_per_day"), path + ".hours_per_day",
                                  maximum=24),
            efficiency=_number(wc.get("efficiency", 1.0), path + ".efficiency", positive=True),
            overtime_hours_per_day=_number(wc.get("overtime_hours_per_day", 0), path + ".overtime_hours_per_day",
                                           maximum=24),
        ))
    orders_data = _list(_required(data, "orders", "orders"), "orders")
    orders = [_order(o, f"orders[{i}]", seen) for i, o in enumerate(orders_data)]
    candidate = _order(_required(data, "candidate", "candidate"), "candidate", seen)
    ids = set()
    for i, o in enumerate(orders):
        if o.id in ids:
            raise ScenarioError(f"orders[{i}].id", f"order {o.id!r} is listed twice")
        ids.add(o.id)
    if candidate.id in ids:
        raise ScenarioError("candidate.id", f"order {candidate.id!r} is already an open order")
    return Scenario(today=today, horizon_days=horizon, workdays=frozenset(days), holidays=frozenset(off),
                    work_centers=tuple(centers), orders=tuple(orders), candidate=candidate)


def _order(data, path: str, centers: set) -> Order:
    order_id, quantity, due, ops_data = _order_head(data, path)
    ops = []
    before = quantity
    for k, op in enumerate(ops_data):
        # Fast path for a well-formed operation; anything else goes through the checks below,
        # which name the field.
        if type(op) is dict:
            wc = op.get("work_center")
            # Any: straight from the JSON; mypy cannot narrow on the `type(mpp) in _NUMBERS` check below.
            mpp: Any = op.get("minutes_per_piece")
            setup = op.get("setup_minutes", 0)
            done = op.get("done", 0)
            if (type(wc) is str and wc in centers and type(mpp) in _NUMBERS and 0 <= mpp <= MAX_MINUTES
                    and type(setup) in _NUMBERS and 0 <= setup <= MAX_MINUTES and type(done) is int
                    and 0 <= done <= before):
                ops.append(Operation(wc, float(mpp), float(setup), done))
                before = done
                continue
        ops.append(_operation(op, f"{path}.operations[{k}]", centers, quantity, before))
        before = ops[-1].done
    return Order(order_id, quantity, due, tuple(ops))


_NUMBERS = (int, float)


def _operation(op, op_path: str, centers: set, quantity: int, before: int) -> Operation:
    if not isinstance(op, dict):
        raise ScenarioError(op_path, "must be an object")
    wc = _text(_required(op, "work_center", op_path + ".work_center"), op_path + ".work_center")
    if wc not in centers:
        raise ScenarioError(op_path + ".work_center", f"unknown work center {wc!r}")
    done = _integer(op.get("done", 0), op_path + ".done", minimum=0)
    if done > quantity:
        raise ScenarioError(op_path + ".done", f"{done} done is more than the quantity {quantity}")
    if done > before:
        raise ScenarioError(op_path + ".done", f"{done} done is more than the {before} done at the operation before")
    return Operation(
        work_center=wc,
        minutes_per_piece=_number(_required(op, "minutes_per_piece", op_path + ".minutes_per_piece"),
                                  op_path + ".minutes_per_piece", maximum=MAX_MINUTES),
        setup_minutes=_number(op.get("setup_minutes", 0), op_path + ".setup_minutes", maximum=MAX_MINUTES),
        done=done,
    )


def _order_head(data, path: str) -> tuple:
    """Id, quantity, due date and operations of an order: a fast path for the well-formed, the
    checks that name the field for anything else."""
    if type(data) is dict:
        order_id, quantity, due, ops_data = data.get("id"), data.get("quantity"), data.get("due"), data.get("operations")
        if (type(order_id) is str and order_id and order_id == order_id.strip() and type(quantity) is int
                and 1 <= quantity <= MAX_QUANTITY and type(due) is str and len(due) == 10 and type(ops_data) is list
                and ops_data):
            try:
                day = date.fromisoformat(due)
            except ValueError:
                day = None
            if day is not None and EARLIEST <= day <= LATEST:
                return order_id, quantity, day, ops_data
    if not isinstance(data, dict):
        raise ScenarioError(path, "must be an object")
    order_id = _text(_required(data, "id", path + ".id"), path + ".id")
    quantity = _integer(_required(data, "quantity", path + ".quantity"), path + ".quantity", minimum=1,
                        maximum=MAX_QUANTITY)
    due = _date(_required(data, "due", path + ".due"), path + ".due")
    ops_data = _list(_required(data, "operations", path + ".operations"), path + ".operations")
    if not ops_data:
        raise ScenarioError(path + ".operations", "must list at least one operation")
    return order_id, quantity, due, ops_data


def _required(data: dict, key: str, path: str):
    if key not in data or data[key] is None:
        raise ScenarioError(path, "is missing")
    return data[key]


def _list(value, path: str) -> list:
    if not isinstance(value, list):
        raise ScenarioError(path, "must be a list")
    return value


def _text(value, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ScenarioError(path, "must be a string")
    value = str(value).strip()
    if not value:
        raise ScenarioError(path, "must not be empty")
    return value


def _number(value, path: str, positive: bool = False, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, "must be a number")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise ScenarioError(path, "must be at most " + (f"{maximum:g}" if maximum is not None else "1e308")) from None
    if not math.isfinite(value):
        raise ScenarioError(path, "must be a finite number")
    if value < 0:
        raise ScenarioError(path, "must not be negative")
    if positive and value == 0:
        raise ScenarioError(path, "must be more than 0")
    if maximum is not None and value > maximum:
        raise ScenarioError(path, f"must be at most {maximum:g}")
    return value


def _integer(value, path: str, minimum: int | None = None, maximum: int | None = None) -> int:
    # Strict: 2.0 or "7" is not a whole number in a JSON scenario, as in the rest of the API.
    if type(value) is not int:
        raise ScenarioError(path, "must be a whole number")
    if minimum is not None and value < minimum:
        raise ScenarioError(path, "must not be negative" if minimum == 0 else f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ScenarioError(path, f"must be at most {maximum}")
    return value


def _date(value, path: str) -> date:
    if not isinstance(value, str):
        raise ScenarioError(path, "must be a date written YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(path, f"{value[:40]!r} is not a date written YYYY-MM-DD") from None
    if len(value) != 10:  # 20260413 and 2026-W16-1 are ISO too, but not the documented form
        raise ScenarioError(path, f"{value[:40]!r} is not a date written YYYY-MM-DD")
    if not EARLIEST <= day <= LATEST:
        raise ScenarioError(path, f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return day
