"""The workshop's clock: today and day boundaries in the workshop's own time zone (not the server's)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def workshop_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def workshop_today() -> date:
    return datetime.now(workshop_zone()).date()


def day_start_utc(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in the workshop, as a UTC moment (for comparing scan times)."""
    return datetime.combine(day, time(0), zone).astimezone(timezone.utc)


def day_range_utc(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in UTC."""
    return day_start_utc(first, zone), day_start_utc(last + timedelta(days=1), zone)
