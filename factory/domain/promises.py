"""Promises kept: the date the plan promised for an order against the day it finished. Pure: the
dates and today are passed in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PromiseOutcome:
    """`state` is "kept" (finished on or before the promise), "late" (finished after it, or still
    open past it) or "open" (not finished, promise not yet passed); `days_late` is negative for
    days early, None while open."""
    promised: date
    finished: date | None
    state: str
    days_late: int | None


def promise_outcome(*, promised: date, finished: date | None, today: date) -> PromiseOutcome:
    if finished is not None:
        days = (finished - promised).days
        return PromiseOutcome(promised, finished, "kept" if days <= 0 else "late", days)
    if today > promised:
        return PromiseOutcome(promised, None, "late", (today - promised).days)
    return PromiseOutcome(promised, None, "open", None)


@dataclass(frozen=True)
class MonthOfPromises:
    """The promises due in one month (by promised date): kept, late, still open, and the mean
    days late of the decided ones (negative: early on average)."""
    month: str
    kept: int
    late: int
    open: int
    mean_days_late: float | None


def by_month(outcomes: list[PromiseOutcome]) -> list[MonthOfPromises]:
    months: dict[str, list[PromiseOutcome]] = {}
    for o in outcomes:
        months.setdefault(o.promised.strftime("%Y-%m"), []).append(o)
    out = []
    for month, found in sorted(months.items()):
        decided = [o.days_late for o in found if o.days_late is not None]
        out.append(MonthOfPromises(month, sum(o.state == "kept" for o in found), sum(o.state == "late" for o in found),
                                   sum(o.state == "open" for o in found),
                                   round(sum(decided) / len(decided), 1) if decided else None))
    return out
