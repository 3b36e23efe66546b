"""Measured minutes per piece, learned from the scans: pure rules over plain data.

A worker's two consecutive claims at the same operation in one working day say how long the
later claim's pieces took: (working minutes between the claims) ÷ (pieces in the later claim).
Only pairs that measure work are kept (see `samples`); the spread is reported as weighted
percentiles with outliers trimmed around the median (see `rate`). Times are the workshop's local
wall-clock times (naive) of when the work was done (`Scan.worked_at`), passed in.
docs/feasibility.md ("Measured minutes") explains the method, its rules and its limits.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from factory.domain.plausibility import ShiftHours, shift_start, working_minutes

# Samples further than this factor from the median are left out (a long chat, a forgotten scan,
# a double claim): the spread of honest work is far narrower.
OUTLIER_FACTOR = 3.0
# The fewest kept samples before a measured value is used automatically (and shown as sure).
ENOUGH_SAMPLES = 8
# The estimator reads this many days of scans back from today.
HISTORY_DAYS = 56


@dataclass(frozen=True)
class Claim:
    """One scan of pieces a worker finished: `usable` is False for a claim that measures nothing
    (reversed, an undo, marked implausible, made by the office, or a tap time not to be trusted)."""
    worker: Hashable
    operation: Hashable
    at: datetime
    pieces: int
    usable: bool = True


@dataclass(frozen=True)
class Sample:
    """The working minutes per piece one pair of claims measured, and the pieces it covers."""
    worker: Hashable
    operation: Hashable
    minutes: float
    pieces: int


@dataclass(frozen=True)
class Rate:
    """A measured value: the weighted median, the 25th and 75th percentiles, the samples kept
    (and the pieces they cover) after trimming outliers, and how many were trimmed."""
    median: float
    p25: float
    p75: float
    samples: int
    pieces: int
    trimmed: int = 0

    @property
    def enough(self) -> bool:
        return self.samples >= ENOUGH_SAMPLES

    def scaled(self, factor: float) -> Rate:
        return Rate(self.median * factor, self.p25 * factor, self.p75 * factor, self.samples, self.pieces,
                    self.trimmed)


def tap_time_trusted(*, source: str, worked_at: datetime, arrived_at: datetime, limit: timedelta) -> bool:
    """Whether a scan's work time is a real tap time. Scans sent at once were worked on arrival.
    A scan from a phone's offline queue keeps the phone's tap time, bounded: one pinned to its
    arrival (no tap time, or a phone clock ahead) or to the oldest allowed (`limit` before arrival,
    a clock far behind) says nothing about when the work was done. Office corrections carry the
    time of the correction."""
    if source == "office":
        return False
    if source != "queue":
        return True
    lag = arrived_at - worked_at
    return timedelta(0) < lag < limit - timedelta(minutes=1)


def _same_working_day(shifts: dict[int, ShiftHours], a: datetime, b: datetime) -> bool:
    if not shifts:
        return a.date() == b.date()
    start = shift_start(shifts, a)
    return start is not None and start == shift_start(shifts, b)


def samples(claims: Iterable[Claim], shifts: dict[int, ShiftHours]) -> list[Sample]:
    """The pairs that measure work: a worker's consecutive claims (by work time), both usable, at
    the same operation, in the same shift (or calendar day without shift hours), with working time
    between them. The gap is counted in working minutes: the shift's breaks are left out of it (a
    slow operation's bundle takes longer than the time between two breaks, so dropping every gap
    that spans one would leave it unmeasured); a night is never inside a gap (a new shift starts
    a new chain). A day's first claim, a claim after a switch of operation and the claims around
    an unusable one measure nothing (when their work started is unknown)."""
    by_worker: dict[Hashable, list[Claim]] = {}
    for claim in claims:
        by_worker.setdefault(claim.worker, []).append(claim)
    out = []
    for worker, mine in by_worker.items():
        mine.sort(key=lambda c: c.at)
        for before, after in zip(mine, mine[1:]):
            if not (before.usable and after.usable and after.pieces > 0 and before.operation == after.operation):
                continue
            if not _same_working_day(shifts, before.at, after.at):
                continue
            working = working_minutes(shifts, before.at, after.at)
            if working <= 0:
                continue
            out.append(Sample(worker, after.operation, working / after.pieces, after.pieces))
    return out


def weighted_quantile(values: list[tuple[float, int]], q: float) -> float:
    """The q-quantile of (value, weight) pairs: the value at which the running weight, counted at
    the middle of each value's weight, reaches q of the total (linear between neighbours)."""
    ordered = sorted(values)
    total = sum(w for _, w in ordered)
    target = q * total
    running, points = 0.0, []
    for value, weight in ordered:
        points.append((running + weight / 2, value))
        running += weight
    if target <= points[0][0]:
        return points[0][1]
    for (w0, v0), (w1, v1) in zip(points, points[1:]):
        if target <= w1:
            return v0 + (v1 - v0) * (target - w0) / (w1 - w0) if w1 > w0 else v1
    return points[-1][1]


def rate(found: Iterable[Sample], value: Callable[[Sample], float] = lambda s: s.minutes) -> Rate | None:
    """Weighted by pieces: the median, p25 and p75 of `value` over the samples, after leaving out
    those further than OUTLIER_FACTOR from the first median. None without samples."""
    pairs = [(value(s), s.pieces) for s in found if s.pieces > 0]
    pairs = [(v, w) for v, w in pairs if v > 0]
    if not pairs:
        return None
    first = weighted_quantile(pairs, 0.5)
    kept = [(v, w) for v, w in pairs if first / OUTLIER_FACTOR <= v <= first * OUTLIER_FACTOR]
    return Rate(weighted_quantile(kept, 0.5), weighted_quantile(kept, 0.25), weighted_quantile(kept, 0.75),
                len(kept), sum(w for _, w in kept), len(pairs) - len(kept))


def rates_by(found: Iterable[Sample], key: Callable[[Sample], Hashable],
             value: Callable[[Sample], float] = lambda s: s.minutes) -> dict[Hashable, Rate]:
    """`rate` per group of samples (per operation, per worker...)."""
    groups: dict[Hashable, list[Sample]] = {}
    for s in found:
        groups.setdefault(key(s), []).append(s)
    return {k: r for k, group in groups.items() if (r := rate(group, value)) is not None}


def pace_by(found: Iterable[Sample], typed: dict[Hashable, float], key: Callable[[Sample], Hashable]) -> dict[Hashable, Rate]:
    """Measured ÷ typed minutes per group (a worker, a work center): 1.2 means 20% slower than
    the standard. Samples of operations without typed minutes are left out."""
    usable = [s for s in found if typed.get(s.operation, 0) > 0]
    return rates_by(usable, key, lambda s: s.minutes / typed[s.operation])


def machines_per_worker(*, units: int, staff: int) -> float:
    """How many of a work center's units one worker minds: one knitter at several machines
    claims the pieces of all of them, so a machine's own minutes per piece are this many times
    the worker's. At least 1 (more people than units share them, and wait)."""
    return max(1.0, units / staff) if staff > 0 else 1.0


def standard_minutes_per_piece(*, clock_minutes: float, efficiency: float, units: int, staff: int) -> float:
    """A measured worker's clock minutes per piece in the engine's standard minutes. The engine
    gives a work center units × hours × 60 × efficiency standard minutes a day; the measured
    minutes already contain the pace efficiency stands for, so they are multiplied by it (it
    cancels: the work center then does exactly the measured pieces per clock hour) and by the
    machines one worker minds (capacity counts machines, the scans count workers)."""
    return clock_minutes * efficiency * machines_per_worker(units=units, staff=staff)


def extra_days_by_center(typical: dict, slow: dict) -> dict[str, float]:
    """Working days of regular capacity each work center needs more at the slow pace than at the
    typical one, for all the remaining work of two scenarios that differ only in minutes per
    piece: how much that work center's uncertainty can move a date."""
    daily = {wc["id"]: wc["units"] * wc.get("hours_per_day", 8) * 60 * wc.get("efficiency", 1.0)
             for wc in typical["work_centers"]}
    extra: dict[str, float] = {}
    orders = list(zip(typical["orders"], slow["orders"]))
    if typical.get("candidate") and slow.get("candidate"):
        orders.append((typical["candidate"], slow["candidate"]))
    for fast_order, slow_order in orders:
        for fast_op, slow_op in zip(fast_order["operations"], slow_order["operations"]):
            more = (slow_op["minutes_per_piece"] - fast_op["minutes_per_piece"]) * \
                (fast_order["quantity"] - fast_op.get("done", 0))
            if more > 0 and daily.get(fast_op["work_center"]):
                extra[fast_op["work_center"]] = extra.get(fast_op["work_center"], 0.0) + more / daily[fast_op["work_center"]]
    return extra
