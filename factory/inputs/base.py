"""The base of every input model, the shared field types, and validation with errors named by
field in the reader's language."""
from __future__ import annotations

import json
import unicodedata
from datetime import date
from typing import Annotated, Any, TypeVar

from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

T = TypeVar("T", bound=BaseModel)

def _visible(value: str) -> str:
    # Zero-width spaces, joiners, direction marks and the like are not stripped by strip(): a
    # name made only of them would look empty everywhere it is shown.
    if value and all(unicodedata.category(c)[0] in "CZ" for c in value):
        raise ValueError(_("Enter visible text (this holds only invisible characters)."))
    return value


RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                         AfterValidator(_visible)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
# The pattern of a client-generated scan id (factory.data.scans.ClientId), for its message.
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{8,56}$"
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # "after", not "before": a before-validator would hand pydantic a Python value, and strict
    # JSON validation (validate_json) would then refuse a date written as a string.
    @field_validator("*", mode="after")
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


def validate_json(model: type[T], data: Any) -> tuple[T | None, dict[str, str]]:
    """As `validate`, for a JSON body: strict, as the OpenAPI document says. An integer is an
    integer ("7", 2.0 and true are refused), a boolean a boolean, a date a YYYY-MM-DD string (a
    datetime is refused, not cut). HTML forms send only strings, so they go through `validate`."""
    if not isinstance(data, dict):
        return None, {"_": _("Expected a JSON object.")}
    try:
        return model.model_validate_json(json.dumps(data), strict=True), {}
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
        pattern = str(ctx.get("pattern", ""))
        if pattern == CLIENT_ID_PATTERN:
            return _("Use %(min)s to %(max)s letters, digits, '-' or '_'.", min=8, max=56)
        if "." not in pattern:
            return _("Use only letters, digits, '-' and '_'.")
        return _("Use only letters, digits, '-', '_' and '.'.")
    if kind == "too_long":
        return _("Too many entries (at most %(limit)s).", limit=ctx.get("max_length"))
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
