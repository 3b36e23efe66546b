"""What the desk's views share: one URL rendering a full page or its htmx fragment, local times."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import make_response, render_template

from factory.data.once import new_key
from factory.desk import bp
from factory.web.workshop_time import workshop_zone


def number_format():
    """format_number bound once to this request's locale: the board formats thousands of numbers."""
    from babel.numbers import format_decimal
    from flask_babel import get_locale
    locale = get_locale()
    return lambda value: "–" if value is None else format_decimal(value, format="#,##0", locale=locale)


def page(template: str, fragment: str | None = None, status: int = 200, **context):
    """The full page, or only `fragment` when htmx asks; either way `Vary: HX-Request`."""
    from factory import htmx
    chosen = fragment if fragment and htmx else template
    response = make_response(render_template(chosen, num=number_format(), **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


@bp.app_template_global("once_key")
def once_key() -> str:
    """A one-time key for a create form (see factory.web.once)."""
    return new_key()


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """A stored UTC time as the workshop's clock shows it."""
    if moment is None:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(workshop_zone()).strftime(pattern)
