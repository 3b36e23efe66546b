"""The workshop's shift hours per weekday, read as the pure rules want them, and saved from the
settings page."""
from __future__ import annotations

from sqlalchemy import select as core_select
from sqlmodel import Session, delete, select

from factory.data.models import Shift
from factory.domain.plausibility import ShiftHours, parse_breaks

_SHIFTS = core_select(Shift.__table__)


def shift_hours(*, session: Session) -> dict[int, ShiftHours]:
    """Weekday → its shift (weekdays without one are not worked)."""
    rows = session.connection().execute(_SHIFTS)  # plain rows: every scan reads these
    return {s.weekday: ShiftHours(s.weekday, s.starts, s.ends, tuple(parse_breaks(s.breaks) or ())) for s in rows}


def shift_rows(*, session: Session) -> dict[int, Shift]:
    return {s.weekday: s for s in session.exec(select(Shift))}


def save_shifts(*, session: Session, shifts: dict[int, tuple[int, int, str]]) -> None:
    """Replace the shift hours: weekday → (starts, ends, breaks text). `session` is the caller's
    write transaction."""
    session.exec(delete(Shift))
    session.add_all(Shift(weekday=d, starts=s, ends=e, breaks=b) for d, (s, e, b) in sorted(shifts.items()))
    session.flush()
