"""Day boundaries in the workshop's time zone, as UTC moments for comparing stored scan times."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_start_utc(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in the workshop, as a UTC moment (for comparing scan times)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def day_range_utc(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in UTC."""
    return day_start_utc(first, zone), day_start_utc(last + timedelta(days=1), zone)
