"""Languages: Simplified Chinese first, English second, chosen per person by a cookie."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
COOKIE = "lang"


def select_locale() -> str:
    """The language cookie, else the default: a shared phone should not flip with its browser."""
    chosen = request.cookies.get(COOKIE) if request else None
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translation_directories() -> str:
    """One catalog per area (so areas grow their own strings); Flask-Babel merges them."""
    dirs = sorted(str(p) for p in TRANSLATIONS.iterdir() if p.is_dir()) if TRANSLATIONS.exists() else []
    return ";".join(dirs) or str(TRANSLATIONS)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=select_locale,
                                 format_number=format_number, format_money=format_money, format_rate=format_rate,
                                 status_label=status_label, glance_label=glance_label, zip=zip)


def format_number(value, digits: int = 0) -> str:
    """Thousands separators and decimals in the reader's locale."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def format_money(value) -> str:
    """A sum of money to the fen, rounded by the one pay rule (half up), never by the formatter."""
    from factory.domain.pay import money
    return "–" if value is None else format_decimal(money(value), format="#,##0.00")


def format_rate(value) -> str:
    """A piece rate: at least two decimals, three when it has them (¥0.125)."""
    return "–" if value is None else format_decimal(value, format="#,##0.00#")


_ERROR_TITLES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in first."),
    403: _l("You do not have access to this page."),
    404: _l("Not found."),
    405: _l("This action is not allowed here."),
    409: _l("This conflicts with what is already recorded."),
    413: _l("The upload is too large."),
    422: _l("Some fields need correcting."),
    429: _l("Too many attempts. Please wait a moment."),
    500: _l("Something went wrong on the server. Nothing was saved."),
    503: _l("The system is not ready."),
}


def error_title(code: int) -> str:
    return str(_ERROR_TITLES.get(code, _("Error")))


# What to do next, by the first part of the path and the status: the server's own English text
# (werkzeug's descriptions) never reaches a page.
_ERROR_HELP = {
    ("w", 404): _l("This badge link does not work any more: the badge was probably replaced by a new one. "
                   "Ask the office for your new badge."),
    ("t", 404): _l("This ticket is not known here. Check that it is a ticket of this workshop; if it is, "
                   "ask the office to print it again."),
    ("o", 404): _l("This work order is not known here. Ask the office for the current work order."),
    (None, 400): _l("The page was too old or incomplete. Go back, reload the page and try again."),
    (None, 401): _l("This phone is not signed in (a new badge signs the old one out). Workers: scan the QR "
                    "on your badge; if that does not work, ask the office for your new badge."),
    (None, 403): _l("This page is for the office. Workers: scan a ticket's QR to log pieces, or open My day."),
    (None, 404): _l("This page does not exist. Go back, or scan the ticket's QR again."),
    (None, 405): _l("This address cannot be opened this way. Go back to the page you came from and try again."),
    (None, 413): _l("Choose a smaller file and try again."),
    (None, 429): _l("Wait a minute, then try again."),
    (None, 500): _l("Try again in a moment. If it happens again, tell the office."),
}


def error_help(code: int, path: str) -> str | None:
    """What the reader can do about an error page, in their language."""
    first = path.strip("/").split("/", 1)[0]
    found = _ERROR_HELP.get((first, code)) or _ERROR_HELP.get((None, code))
    return str(found) if found else None


_STATUS_LABELS = {
    "draft": _l("Draft"),
    "accepted": _l("Accepted"),
    "in_production": _l("In production"),
    "done": _l("Done"),
    "shipped": _l("Shipped"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    return str(_STATUS_LABELS.get(status, status))


_GLANCE_LABELS = {
    "late": _l("Late"),
    "at_risk": _l("At risk"),
    # Disjoint boxes, taken in this order: an order neither late nor at risk counts under "not
    # started" or "in progress" (both carry the green on-track badge on their cards). "On track"
    # for the last box read as if the orders not started were not on track.
    "not_started": _l("Not started"),
    "on_track": _l("In progress"),
}


def glance_label(name: str) -> str:
    """The name of one of the board's four counts."""
    return str(_GLANCE_LABELS.get(name, name))


def busy_message() -> str:
    return _("The workshop's database is busy. Try again in a moment; nothing was saved.")
