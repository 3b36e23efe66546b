"""Is a claim plausible? The standard minutes a worker claims must fit in the working minutes
that passed (shift hours, breaks left out) times a generous tolerance. Pure functions over plain
data: times are the workshop's local wall-clock times (naive), passed in."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from factory.domain.refusal import Refusal

# A worker may claim up to this many times the standard minutes of the working time that passed:
# a knitter minds several machines at once, and standard minutes are an average, not a minimum.
TOLERANCE = 3.0
# Slack for the clock: a claim this many standard minutes over the limit still passes.
GRACE_MINUTES = 5.0
DAY = 24 * 60
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ShiftHours:
    """One weekday's shift: start and end in minutes after midnight (an end at or before the start
    is on the next day: a night shift) and breaks as (start, end) minute pairs inside it."""
    weekday: int
    starts: int
    ends: int
    breaks: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    def window(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time()) + timedelta(minutes=self.starts)
        length = (self.ends - self.starts) % DAY or DAY
        return start, start + timedelta(minutes=length)

    def pauses(self, day: date) -> list[tuple[datetime, datetime]]:
        start, _ = self.window(day)
        out = []
        for b_start, b_end in self.breaks:
            offset = (b_start - self.starts) % DAY
            out.append((start + timedelta(minutes=offset),
                        start + timedelta(minutes=offset + ((b_end - b_start) % DAY))))
        return out


def minute_of(text: str) -> int | None:
    """'07:30' → 450; None when it is not a clock time."""
    match = CLOCK.match(text.strip())
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def parse_breaks(text: str) -> list[tuple[int, int]] | None:
    """'12:00-13:00, 17:30-18:00' → [(720, 780), (1050, 1080)]; None when malformed."""
    out = []
    text = re.sub(r"\s*[-–~]\s*", "-", text.strip())
    for part in filter(None, re.split(r"[,，;；\s]+", text)):
        ends = part.split("-")
        start, end = (minute_of(ends[0]), minute_of(ends[1])) if len(ends) == 2 else (None, None)
        if start is None or end is None:
            return None
        out.append((start, end))
    return out


def shift_errors(starts: int, ends: int, breaks: list[tuple[int, int]]) -> str | None:
    """A code when the shift does not make sense: a break outside it or of no length."""
    if starts == ends:
        return "shift_empty"
    length = (ends - starts) % DAY
    for b_start, b_end in breaks:
        if b_start == b_end or (b_start - starts) % DAY >= length or (b_end - starts) % DAY > length \
                or (b_end - starts) % DAY <= (b_start - starts) % DAY:
            return "break_outside"
    return None


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return max(0.0, (end - start).total_seconds() / 60)


def working_minutes(shifts: dict[int, ShiftHours], start: datetime, end: datetime) -> float:
    """Working minutes in [start, end): inside the shifts, breaks left out. Without any shift
    hours set, every minute counts."""
    if end <= start:
        return 0.0
    if not shifts:
        return (end - start).total_seconds() / 60
    total = 0.0
    day = start.date() - timedelta(days=1)  # a night shift of the day before may reach into `start`
    while day <= end.date():
        shift = shifts.get(day.weekday())
        if shift is not None:
            total += _overlap((start, end), shift.window(day))
            total -= sum(_overlap((start, end), pause) for pause in shift.pauses(day))
        day += timedelta(days=1)
    return max(0.0, total)


def shift_start(shifts: dict[int, ShiftHours], at: datetime) -> datetime | None:
    """The start of the shift `at` falls in (the day before's, for a night shift); None outside."""
    for day in (at.date(), at.date() - timedelta(days=1)):
        shift = shifts.get(day.weekday())
        if shift is not None:
            start, end = shift.window(day)
            if start <= at < end:
                return start
    return None


def check_plausible(*, claimed_minutes: float, working: float, pieces: int, operation: str = "") -> Refusal | None:
    """The standard minutes claimed since the window opened (this claim included) against the
    working minutes that passed: beyond TOLERANCE times them (and the grace), the worker must
    confirm."""
    if claimed_minutes <= working * TOLERANCE + GRACE_MINUTES:
        return None
    return Refusal("implausible", "good", {"pieces": pieces, "operation": operation,
                                           "minutes": round(claimed_minutes), "working": round(working),
                                           "tolerance": TOLERANCE})
