"""Piece-rate pay as plain arithmetic: the one rounding rule for money, the rate in force on a day,
pay periods (monthly, from a configurable first day), and what a worker is owed after bonuses,
deductions, advances and a balance carried from the period before.

Every line is pieces × rate rounded half up to the fen (四舍五入); every total is a sum of rounded
lines, never a rounded sum. "My day", the payroll page, the Excel file, payslips and the API all
compute through these functions, so they agree to the fen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from factory.domain.refusal import Refusal, Refused

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# A rate with no dated history is in force from this day (the start of every calendar here).
SINCE_ALWAYS = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
DEFAULT_FIRST_DAY = 1
MAX_FIRST_DAY = 28  # every month has a 28th
ADJUSTMENT_KINDS = ("bonus", "deduction", "advance")
# How each kind moves the pay: a correction carries its own sign (negative pieces are negative).
SIGN = {"bonus": 1, "deduction": -1, "advance": -1, "correction": 1}
PERIOD_NAME = re.compile(r"^(\d{4})-(\d{2})$")


def money(value: Decimal | int | str) -> Decimal:
    """A sum of money rounded half up to the fen: 0.125 → 0.13, -0.125 → -0.13."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def line_amount(pieces: int, rate: Decimal) -> Decimal:
    """What one line pays: pieces × rate, rounded half up to the fen."""
    return money(Decimal(pieces) * Decimal(rate))


def add_up(amounts: Iterable[Decimal]) -> Decimal:
    """A total of amounts already rounded (so the total is exact)."""
    return sum(amounts, ZERO)


# --- rates with a date --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatedRate:
    effective_from: date
    rate: Decimal
    order: int = 0  # the later entry wins between two for the same day


def rate_on(history: Sequence[DatedRate], day: date) -> Decimal | None:
    """The rate in force on `day`: the newest entry effective on or before it (None before the first)."""
    best = None
    for entry in history:
        if entry.effective_from <= day and (best is None or (entry.effective_from, entry.order)
                                            > (best.effective_from, best.order)):
            best = entry
    return best.rate if best else None


def check_rate_change(*, rate: Decimal, effective_from: date, closed_through: date | None) -> None:
    """A new rate may not take effect inside a closed period (its pay is frozen); raises Refused."""
    if rate < 0 or rate > 1000 or rate != rate.quantize(Decimal("0.001")):
        raise Refused(Refusal("rate_invalid", "piece_rate", {"max": 1000}))
    if not SINCE_ALWAYS <= effective_from <= LAST_DAY:
        raise Refused(Refusal("date_out_of_range", "effective_from",
                              {"start": SINCE_ALWAYS.isoformat(), "end": LAST_DAY.isoformat()}))
    if closed_through is not None and effective_from <= closed_through:
        raise Refused(Refusal("inside_closed_period", "effective_from",
                              {"closed_through": closed_through.isoformat()}), status=409)


# --- pay periods --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PayRule:
    """Periods start on `first_day` of each month, for periods starting on or after `from_day`."""
    from_day: date
    first_day: int


@dataclass(frozen=True)
class Period:
    """One pay period, named `YYYY-MM` by the month in which it ends; days inclusive."""
    name: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


DEFAULT_RULES = (PayRule(SINCE_ALWAYS, DEFAULT_FIRST_DAY),)


def _month_add(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _plain(day: date, first_day: int) -> tuple[date, date]:
    """The period containing `day` when every period starts on `first_day`."""
    year, month = (day.year, day.month) if day.day >= first_day else _month_add(day.year, day.month, -1)
    start = date(year, month, first_day)
    next_year, next_month = _month_add(year, month, 1)
    return start, date(next_year, next_month, first_day) - timedelta(days=1)


def _name(end: date) -> str:
    return f"{end.year:04d}-{end.month:02d}"


def _rule_index(day: date, rules: Sequence[PayRule]) -> int:
    index = 0
    for i, rule in enumerate(rules):
        if rule.from_day <= day:
            index = i
    return index


def _first_period(rule: PayRule) -> tuple[date, date]:
    """The period a rule starts with: from its first day to the end of the rule's period there,
    stretched to the next one if it would end in the same month as the period before it (so no
    two periods share a name)."""
    _start, end = _plain(rule.from_day, rule.first_day)
    if rule.from_day > SINCE_ALWAYS and _name(end) == _name(rule.from_day - timedelta(days=1)):
        end = _plain(end + timedelta(days=1), rule.first_day)[1]
    return rule.from_day, end


def period_of(day: date, rules: Sequence[PayRule] = DEFAULT_RULES) -> Period:
    """The pay period `day` falls in, under the schedule `rules` (sorted by from_day, the first
    from SINCE_ALWAYS)."""
    rule = rules[_rule_index(day, rules)]
    start, end = _first_period(rule)
    if day > end:
        start, end = _plain(day, rule.first_day)
    return Period(_name(end), start, end)


def following(period: Period, rules: Sequence[PayRule] = DEFAULT_RULES) -> Period:
    return period_of(period.end + timedelta(days=1), rules)


def preceding(period: Period, rules: Sequence[PayRule] = DEFAULT_RULES) -> Period:
    return period_of(period.start - timedelta(days=1), rules)


def parse_period_name(text: str, field: str = "period") -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` name, years 2000–2100; raises Refused naming `field`."""
    match = PERIOD_NAME.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Refused(Refusal("period_format", field))
    year, month = int(match.group(1)), int(match.group(2))
    if not SINCE_ALWAYS.year <= year <= LAST_DAY.year - 1:
        raise Refused(Refusal("period_out_of_range", field, {"first": SINCE_ALWAYS.year,
                                                               "last": LAST_DAY.year - 1}))
    return year, month


def period_named(text: str, rules: Sequence[PayRule] = DEFAULT_RULES, field: str = "period") -> Period:
    """The period ending in month `YYYY-MM`; raises Refused (422 bad name, 404 no such period)."""
    year, month = parse_period_name(text, field)
    next_year, next_month = _month_add(year, month, 1)
    last_of_month = date(next_year, next_month, 1) - timedelta(days=1)
    candidate = period_of(last_of_month, rules)
    if candidate.name != text:
        candidate = period_of(candidate.start - timedelta(days=1), rules)
    if candidate.name != text:
        raise Refused(Refusal("no_such_period", field, {"period": text}), status=404)
    return candidate


def schedule_change(*, rules: Sequence[PayRule], first_day: int, today: date) -> PayRule:
    """The rule a new first day becomes: in force from the day after the current period ends, so
    no period that has started changes its days."""
    if not 1 <= first_day <= MAX_FIRST_DAY:
        raise Refused(Refusal("first_day_range", "first_day", {"max": MAX_FIRST_DAY}))
    current = period_of(today, rules)
    return PayRule(current.end + timedelta(days=1), first_day)


# --- what a worker is owed ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Settlement:
    """A worker's period: pay for pieces, adjustments (signed, with any debt carried in), what is
    paid out, and what is carried forward when advances and deductions exceed the pay."""
    amount: Decimal
    adjustments: Decimal
    total: Decimal
    carried_forward: Decimal


def settle(*, amount: Decimal, adjustments: Iterable[Decimal], carried_in: Decimal = ZERO) -> Settlement:
    """`adjustments` are signed effects; `carried_in` is a debt (≥ 0) from the period before."""
    signed = add_up(adjustments) - carried_in
    balance = amount + signed
    return Settlement(amount, signed, max(balance, ZERO), max(-balance, ZERO))


def check_adjustment(*, kind: str, amount: Decimal, day: date) -> None:
    if kind not in ADJUSTMENT_KINDS:
        raise Refused(Refusal("adjustment_kind", "kind"))
    if amount <= 0 or amount > 1_000_000 or amount != money(amount):
        raise Refused(Refusal("adjustment_amount", "amount", {"max": 1_000_000}))
    if not SINCE_ALWAYS <= day <= LAST_DAY:
        raise Refused(Refusal("date_out_of_range", "day", {"start": SINCE_ALWAYS.isoformat(),
                                                           "end": LAST_DAY.isoformat()}))
