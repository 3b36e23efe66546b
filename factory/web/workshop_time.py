"""The workshop's clock: today and day boundaries in the workshop's own time zone (not the server's)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from factory.domain.calendar import day_range_utc, day_start_utc  # noqa: F401 (the clock's helpers, re-exported)


def workshop_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def workshop_today() -> date:
    return datetime.now(workshop_zone()).date()
