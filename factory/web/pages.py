"""One URL, two renderings: every view renders through `page()`, which answers the full page, or
only its fragment when htmx asks, and always adds `Vary: HX-Request`. The template filters every
page uses are registered here too, once, by `create_app`."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Response, make_response, render_template
from flask_htmx import HTMX

from factory.data.once import new_key
from factory.domain.progress import percent
from factory.web.workshop_time import workshop_zone

htmx = HTMX()


def init_app(app: Flask) -> None:
    htmx.init_app(app)
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(number_format(), "num")
    app.add_template_global(percent, "percent")
    app.add_template_global(new_key, "once_key")  # a one-time key for a create form (data/once.py)


def page(template: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """The full page, or only `fragment` (a partial the page includes) when htmx asks; either way
    `Vary: HX-Request` is added to what the response already varies on."""
    chosen = fragment if fragment and htmx else template
    response = make_response(render_template(chosen, **context), status)
    response.vary.add("HX-Request")
    return response


def number_format():
    """Whole numbers with thousands separators in the reader's locale; the locale is read once per
    call site's request (the board formats thousands of numbers)."""
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    def num(value) -> str:
        return "–" if value is None else format_decimal(value, format="#,##0", locale=get_locale())
    return num


def local_time(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """A stored UTC time as the workshop's clock shows it."""
    if moment is None:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(workshop_zone()).strftime(pattern)
