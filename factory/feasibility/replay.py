"""The engine replayed as of a past day: which orders were open on that day and how far their
scans had got, in the engine's shape; and the plan it gives them, against the day each really
finished. Pure: the orders, their counts and the days are passed in.

"As of D" is the plan the board would have drawn on day D: the orders accepted on or before D,
their progress from the scans worked before D (the day's own work is what the plan predicts),
without the orders that had finished, been cancelled or been marked done by hand before D."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from factory.domain.progress import Count, is_order_finished, monotone_done
from factory.domain.promises import promise_outcome
from factory.domain.refusal import Refusal
from factory.feasibility.completions import Completion

# Status moves that take an order off the plan without (necessarily) its pieces being logged.
CLOSING = frozenset({"cancelled", "done", "shipped"})
REPLAY_DAYS_BACK = 28


@dataclass(frozen=True)
class PastOrder:
    """An order as the database keeps its history. `accepted`: the workshop day it was accepted
    (None: never). `finished`: the day its last operation got all its pieces (None: not yet).
    `moves`: the status moves the audit log knows, (day, new status), oldest first. `route`: its
    operations in the engine's shape without `done`; `counts`: per operation, the pieces logged
    before the replayed day."""
    number: str
    quantity: int
    due: date
    priority: int
    status: str
    accepted: date | None
    finished: date | None
    moves: tuple[tuple[date, str], ...]
    route: tuple[dict, ...]
    counts: tuple[Count, ...]


def open_on(order: PastOrder, as_of: date) -> bool:
    """Whether the order was on the plan on `as_of`: accepted by then, not finished before it, and
    not closed by a status move before it. A cancelled order (or one marked done or shipped by hand)
    whose closing day nobody recorded is left out: it cannot be placed in time."""
    if order.accepted is None or order.accepted > as_of:
        return False
    if order.finished is not None and order.finished < as_of:
        return False
    before = [status for day, status in order.moves if day < as_of]
    if before:
        return before[-1] not in CLOSING
    if order.status in CLOSING and order.finished is None:
        return any(status == order.status for _, status in order.moves)  # closed later, on a known day
    return True


def orders_as_of(as_of: date, orders: list[PastOrder]) -> list[dict]:
    """The orders of the plan on `as_of`, in the engine's shape and the board's order (due date,
    then priority, then number), each with the pieces its scans had logged before that day; an
    order whose pieces were all logged by then is finished, not planned."""
    out = []
    for order in sorted(orders, key=lambda o: (o.due, -o.priority, o.number)):
        if not order.route or not open_on(order, as_of):
            continue
        counts = list(order.counts)
        done = monotone_done(order.quantity, counts)
        if done[-1] >= order.quantity or is_order_finished(order.quantity, counts):
            continue
        out.append({"id": order.number, "quantity": order.quantity, "due": order.due.isoformat(),
                    "operations": [{**step, "done": d} for step, d in zip(order.route, done)]})
    return out


@dataclass(frozen=True)
class ReplayRow:
    """One order of the replayed plan. `state`: "kept" (finished on or before the plan's day),
    "late" (after it, or still open past it), "open" (not finished, the plan's day not yet come),
    "unplanned" (the plan found no day within its horizon) or "cancelled" (cancelled since).
    `days_late`: negative for days early; for an open order past the plan's day, the days so far."""
    number: str
    due: date
    planned: date | None
    finished: date | None
    state: str
    days_late: int | None


@dataclass(frozen=True)
class Replay:
    as_of: date
    rows: list[ReplayRow]

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.rows)

    @property
    def kept(self) -> int:
        return self.count("kept")

    @property
    def late(self) -> int:
        return self.count("late")

    @property
    def mean_days_late(self) -> float | None:
        """Of the kept and late orders (the open ones past the plan's day by the days so far), as
        the promises report counts them; negative: early on average."""
        decided = [r.days_late for r in self.rows if r.state in ("kept", "late") and r.days_late is not None]
        return round(sum(decided) / len(decided), 1) if decided else None


def compare(*, as_of: date, planned: dict[str, Completion], orders: list[dict], due: dict[str, date],
            finished: dict[str, date], cancelled: set[str], today: date) -> Replay:
    """Each planned order's day in the plan against the day it really finished (`finished`, by
    number; missing: still open), as a promise is judged."""
    rows = []
    for order in orders:
        number = order["id"]
        completion = planned.get(number)
        day = completion.plan_day if completion is not None else None
        done = finished.get(number)
        if number in cancelled and done is None:
            rows.append(ReplayRow(number, due[number], day, None, "cancelled", None))
        elif day is None:
            rows.append(ReplayRow(number, due[number], None, done, "unplanned", None))
        else:
            outcome = promise_outcome(promised=day, finished=done, today=today)
            rows.append(ReplayRow(number, due[number], day, done, outcome.state, outcome.days_late))
    return Replay(as_of, rows)


def as_of_refusal(*, as_of: date, today: date, first_scan: date | None) -> Refusal | None:
    """Why a day cannot be replayed: in the future, or before the first scan (nothing to rebuild
    the progress from)."""
    if first_scan is None:
        return Refusal("replay_no_history", "as_of", {})
    if as_of > today:
        return Refusal("replay_future", "as_of", {"today": today.isoformat()})
    if as_of < first_scan:
        return Refusal("replay_before_history", "as_of", {"first": first_scan.isoformat()})
    return None


def default_as_of(*, today: date, first_scan: date | None) -> date:
    """The day replayed when none is asked for: four weeks ago, or the first scan's day if later."""
    back = date.fromordinal(today.toordinal() - REPLAY_DAYS_BACK)
    return max(back, first_scan) if first_scan is not None and first_scan <= today else back
