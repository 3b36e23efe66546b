"""What the owner sends to set the workshop up: products and their routes, work centers, holidays,
workers, and the stuck threshold."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator
from pydantic import StringConstraints as S

from factory.inputs.base import Code, Input, RequiredText, check_date_range

# The longest run of days off added in one go (Spring Festival is about 15 days).
MAX_HOLIDAY_DAYS = 62


class NewProductIn(Input):
    """A new product: its code and name (the rest is set on its page)."""
    code: Code
    name: RequiredText


class ProductIn(Input):
    name: RequiredText
    yarn: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    colors: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    stitch: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    size: Annotated[str, S(strip_whitespace=True, max_length=120)] = ""
    notes: Annotated[str, S(strip_whitespace=True, max_length=2000)] = ""
    # Pieces per bundle for new orders of this product (blank: one ticket per color/size line).
    bundle_size: int | None = Field(default=None, ge=1, le=100_000)

    _blank = field_validator("bundle_size", mode="before")(lambda v: None if v == "" else v)


class OperationIn(Input):
    code: Code
    name: Annotated[str, S(strip_whitespace=True, min_length=1, max_length=80)]
    work_center: int
    minutes_per_piece: float = Field(ge=0, le=1000)
    setup_minutes: float = Field(default=0, ge=0, le=10_000)
    piece_rate: Decimal = Field(default=Decimal("0"), ge=0, le=1000, decimal_places=3)


class WorkCenterIn(Input):
    code: Code
    name: Annotated[str, S(strip_whitespace=True, min_length=1, max_length=80)]
    units: int = Field(ge=1, le=1000)
    hours_per_day: float = Field(gt=0, le=24)
    efficiency: float = Field(gt=0, le=2)
    overtime_hours_per_day: float = Field(default=0, ge=0, le=12)


class HolidayIn(Input):
    """One day off, or a run of days off from `day` to `last` (both included)."""
    day: date
    last: date | None = None
    name: Annotated[str, S(strip_whitespace=True, max_length=80)] = ""

    _range = field_validator("day", "last")(lambda v: check_date_range(v) if v else v)


class WorkerIn(Input):
    """A worker as the owner types them: code, name and the work centers they work at."""
    code: Code
    name: Annotated[str, S(strip_whitespace=True, min_length=1, max_length=80)]
    work_centers: list[Code] = []


class StuckHoursIn(Input):
    """The stuck threshold: pieces waiting longer than this many working hours are stuck."""
    hours: float = Field(gt=0, le=200)
