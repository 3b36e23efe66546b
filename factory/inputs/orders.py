"""What people send about orders: a new or edited order and its colour/size lines, an inquiry
("can we take it?") and the owner's decision on it, the order list's search, the board's filters
and the day the promises report replays."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from factory.data.models import OrderStatus
from factory.inputs.base import Code, Input, RequiredText, check_date_range


class OrderLineIn(Input):
    quantity: int = Field(gt=0, le=1_000_000)
    color: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    size: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""


def form_lines(form) -> list[dict]:
    """The color/size rows of a form (lists `color`, `size`, `line_quantity`), blank rows left out."""
    return [{"color": c, "size": s, "quantity": q}
            for c, s, q in zip(form.getlist("color"), form.getlist("size"), form.getlist("line_quantity"))
            if c.strip() or s.strip() or q.strip()]


class OrderIn(Input):
    """A new order from a form, the API or an import."""
    customer: RequiredText
    product: Code
    quantity: int = Field(gt=0, le=1_000_000)
    due: date
    priority: int = Field(default=0, ge=0, le=2)
    bundle_size: int | None = Field(default=None, gt=0, le=10_000)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=200)
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""

    _due_range = field_validator("due")(check_date_range)


BOARD_GLANCE = ("late", "at_risk", "not_started", "on_track")


class BoardFilterIn(Input):
    """The board's filters and sort (query parameters; unknown ones are ignored by the view)."""
    status: Annotated[str, StringConstraints(pattern=r"^(late|at_risk|not_started|on_track)?$")] = ""
    customer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    product: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    week: Annotated[str, StringConstraints(pattern=r"^1?$")] = ""
    sort: Annotated[str, StringConstraints(pattern=r"^(due|priority)?$")] = ""


class OrderSearchIn(Input):
    """The order list's filters (query parameters; empty means no filter)."""
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    status: OrderStatus | None = None
    due_from: date | None = None
    due_to: date | None = None

    _range = field_validator("due_from", "due_to")(lambda v: check_date_range(v) if v else v)


class ReplayIn(Input):
    """The past day the engine is replayed as of (query parameter; empty: the default day)."""
    as_of: date | None = None

    _range = field_validator("as_of")(lambda v: check_date_range(v) if v else v)


class InquiryIn(Input):
    """What the owner types while the customer is on the phone."""
    product: Code
    quantity: int = Field(gt=0, le=1_000_000)
    due: date
    customer: str = Field(default="", max_length=120)

    _due_range = field_validator("due")(check_date_range)


class DecisionIn(InquiryIn):
    """Accepting or declining an inquiry: its inputs again, with the reason."""
    reason: str = Field(default="", max_length=500)
    request_id: str = Field(default="", max_length=40, pattern=r"^[A-Za-z0-9_-]*$")


class AcceptIn(DecisionIn):
    """Accepting: the order is created with the customer, priority and colour/size lines."""
    customer: RequiredText
    priority: int = Field(default=0, ge=0, le=2)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=200)
