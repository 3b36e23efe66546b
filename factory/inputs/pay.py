"""What the owner sends about pay: a dated piece rate, and a bonus, deduction or advance."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from factory.inputs.base import Code, Input, check_date_range

Money = Annotated[Decimal, Field(gt=0, le=1_000_000, decimal_places=2)]


class RateIn(Input):
    """A new piece rate for one operation, in force from `effective_from` (today by default)."""
    piece_rate: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=3)]
    effective_from: date | None = None

    _range = field_validator("effective_from")(lambda v: v if v is None else check_date_range(v))


class AdjustmentIn(Input):
    """A bonus, deduction or advance (借支) for one worker in an open period."""
    worker: Code
    kind: Literal["bonus", "deduction", "advance"]
    amount: Money
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    day: date | None = None

    _range = field_validator("day")(lambda v: v if v is None else check_date_range(v))
