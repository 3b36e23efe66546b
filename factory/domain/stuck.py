"""Stuck bundles: pieces waiting at an operation with nothing moving there for more than a number
of working hours. Working hours come from the shift calendar (the weekday shifts of the settings
page, breaks left out) given as data; holidays and days without a shift do not count.

Pure functions over plain data: times are the workshop's local wall-clock times (naive), and
`now` is an argument."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from factory.domain.plausibility import ShiftHours

DEFAULT_STUCK_HOURS = 4.0
# Looking further ahead than this for the moment a wait crosses the threshold: never (no shifts).
HORIZON_DAYS = 400

Calendar = dict[int, ShiftHours]
Interval = tuple[datetime, datetime]


def every_hour() -> Calendar:
    """The calendar used when no shift hours are set: every hour of every day is a working hour."""
    return {d: ShiftHours(d, 0, 0) for d in range(7)}


def working_intervals(shifts: Calendar, holidays: frozenset[date] | set[date], day: date) -> list[Interval]:
    """The working time of the shift that starts on `day` (it may end the next morning), breaks
    taken out; nothing on a holiday or a weekday without a shift."""
    shift = shifts.get(day.weekday())
    if shift is None or day in holidays:
        return []
    start, end = shift.window(day)
    out, at = [], start
    for p_start, p_end in sorted(shift.pauses(day)):
        if p_start > at:
            out.append((at, min(p_start, end)))
        at = max(at, p_end)
    if at < end:
        out.append((at, end))
    return [(a, b) for a, b in out if b > a]


def working_hours(shifts: Calendar, holidays, start: datetime, end: datetime) -> float:
    """Working hours in [start, end)."""
    if end <= start:
        return 0.0
    total, day = 0.0, start.date() - timedelta(days=1)  # a night shift of the day before reaches in
    while day <= end.date():
        for a, b in working_intervals(shifts, holidays, day):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total / 3600


def crossing(shifts: Calendar, holidays, since: datetime, hours: float) -> datetime | None:
    """The moment `hours` working hours have passed since `since`; None when no working hours come
    within the horizon."""
    left = hours * 3600
    day = since.date() - timedelta(days=1)
    for _ in range(HORIZON_DAYS):
        for a, b in working_intervals(shifts, holidays, day):
            a = max(a, since)
            if b <= a:
                continue
            length = (b - a).total_seconds()
            if length >= left:
                return a + timedelta(seconds=left)
            left -= length
        day += timedelta(days=1)
    return None


class WorkingClock:
    """Working time as one counter over a span of days: `seconds(moment)` is the working seconds
    from the span's start to `moment`, so the working time between two moments is a difference
    and the moment a threshold is crossed a search, each in O(log n). Holds the same rules as
    `working_hours` and `crossing` (which it agrees with; the tests check), for judging thousands
    of waits at once."""

    def __init__(self, shifts: Calendar, holidays, first: date, last: date):
        self.shifts, self.holidays = shifts, holidays
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        self.before: list[float] = []  # working seconds before each interval
        total, day = 0.0, first - timedelta(days=1)
        while day <= last:
            for a, b in working_intervals(shifts, holidays, day):
                if self.ends and a < self.ends[-1]:  # a night shift overlapping the next day's: skip the overlap
                    a = self.ends[-1]
                    if b <= a:
                        continue
                self.starts.append(a)
                self.ends.append(b)
                self.before.append(total)
                total += (b - a).total_seconds()
            day += timedelta(days=1)
        self.total = total

    def seconds(self, moment: datetime) -> float:
        i = bisect_right(self.starts, moment) - 1
        if i < 0:
            return 0.0
        return self.before[i] + (min(moment, self.ends[i]) - self.starts[i]).total_seconds()

    def moment(self, seconds: float) -> datetime | None:
        """The moment the counter reaches `seconds`; None beyond the span."""
        if seconds > self.total or not self.starts:
            return None
        i = max(0, bisect_left(self.before, seconds) - 1)
        return self.starts[i] + timedelta(seconds=seconds - self.before[i])

    def on_instants(self, instant: Callable[[datetime], float]) -> InstantClock:
        """The same working time over instants (seconds since the epoch, as the database stores
        moments in UTC): each interval's ends are placed once with `instant` (a wall-clock time to
        its instant in the workshop's time zone), so thousands of stored moments are placed on the
        counter without turning each into wall-clock time first."""
        return InstantClock([instant(a) for a in self.starts], [instant(b) for b in self.ends])

    def judge(self, since: datetime, now: datetime, threshold: float) -> Verdict:
        start = self.seconds(since)
        moment = self.moment(start + threshold * 3600)
        if moment is None or since < (self.starts[0] if self.starts else since):
            moment = crossing(self.shifts, self.holidays, since, threshold)  # outside the span: the long way
        return Verdict(moment is not None and moment < now, max(0.0, self.seconds(now) - start) / 3600, moment)


class InstantClock:
    """`WorkingClock` over instants (floats, seconds since the epoch): `seconds(instant)` is the
    working seconds from the span's start to that instant. Where no clock change falls inside a
    working interval (never, in a zone without summer time) it counts exactly what the
    wall-clock counter counts; across such a change it counts the time that really passed."""

    def __init__(self, starts: list[float], ends: list[float]):
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.before: list[float] = []
        total = 0.0
        for a, b in zip(starts, ends):
            if self.ends:  # the hour a clock goes back: kept in order, counted once
                a = max(a, self.ends[-1])
            b = max(a, b)
            self.starts.append(a)
            self.ends.append(b)
            self.before.append(total)
            total += b - a

    def seconds(self, instant: float) -> float:
        i = bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(instant, self.ends[i]) - self.starts[i]


@dataclass(frozen=True)
class StepCount:
    """One bundle at one operation: good pieces, pieces logged (good + defects), and the last scan
    there (None: never scanned)."""
    good: int = 0
    logged: int = 0
    last: datetime | None = None


@dataclass(frozen=True)
class Wait:
    position: int  # index of the operation in the route
    pieces: int
    since: datetime | None  # the later of the last scan there and the arrival of the waiting pieces


def waits(quantity: int, steps: list[StepCount], started: datetime | None = None) -> list[Wait]:
    """Where a bundle's pieces wait: at each operation, the pieces that reached it (the bundle's
    quantity at the first operation, the good pieces of the one before after it) less those
    logged there. They wait since the later of the last scan there and their arrival: the last
    scan of the operation before. At the first operation nothing arrives: a bundle waits there
    since its own last scan there, and a bundle never scanned has no time (it is the backlog of
    its order, not stuck). `started` (the order's first scan) is kept for callers that list it."""
    out = []
    for i, step in enumerate(steps):
        reached = quantity if i == 0 else max(0, min(steps[i - 1].good, quantity))
        pieces = reached - step.logged
        if pieces <= 0:
            continue
        arrived = None if i == 0 else steps[i - 1].last
        moments = [m for m in (step.last, arrived) if m is not None]
        out.append(Wait(i, pieces, max(moments) if moments else None))
    return out


@dataclass(frozen=True)
class Verdict:
    stuck: bool
    hours: float  # working hours waited so far
    crosses: datetime | None  # when it becomes (or became) stuck


def judge(shifts: Calendar, holidays, since: datetime, now: datetime, threshold: float) -> Verdict:
    """Stuck when more than `threshold` working hours passed between `since` and `now`."""
    moment = crossing(shifts, holidays, since, threshold)
    return Verdict(moment is not None and moment < now, working_hours(shifts, holidays, since, now), moment)
