"""Input validation: pydantic models for what people send, errors named by field, translated."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

T = TypeVar("T", bound=BaseModel)

RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text; refuse it as a field error on every database alike.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Remove the invisible control character (NUL)."))
        return value


def validate(model: type[T], data: Any) -> tuple[T | None, dict[str, str]]:
    """The parsed model, or None and {field: message in the reader's language}."""
    if not isinstance(data, dict):
        return None, {"_": _("Expected a JSON object.")}
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, errors_by_field(exc)


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "_"
        errors.setdefault(field, message_for(error))
    return errors


def message_for(error: dict) -> str:
    """A short sentence for one pydantic error, in the reader's language."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_type", "float_parsing", "decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind in ("greater_than", "greater_than_equal"):
        limit = ctx.get("gt", ctx.get("ge"))
        return _("Must be at least %(limit)s.", limit=limit) if "ge" in ctx else _(
            "Must be more than %(limit)s.", limit=limit)
    if kind in ("less_than", "less_than_equal"):
        limit = ctx.get("lt", ctx.get("le"))
        return _("Must be at most %(limit)s.", limit=limit)
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("string_too_short",):
        return _("This field is required.")
    if kind in ("string_too_long",):
        return _("Too long (at most %(limit)s characters).", limit=ctx.get("max_length"))
    if kind in ("string_type",):
        return _("Enter text.")
    if kind == "string_pattern_mismatch":
        return _("Use only letters, digits, '-', '_' and '.'.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter yes or no.")
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return _("This value is not valid.")


def check_date_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(_("Enter a date between %(start)s and %(end)s.", start=EARLIEST.isoformat(),
                           end=LATEST.isoformat()))
    return value


class OrderLineIn(Input):
    quantity: int = Field(gt=0, le=1_000_000)
    color: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    size: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""


class OrderCreate(Input):
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
