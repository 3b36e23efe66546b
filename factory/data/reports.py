"""Output from the scans: pieces per operation and per worker over a period, finished pieces per
day. Every total is summed in the database (pay is factory/data/pay.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func, literal_column
from sqlmodel import Session, select

from factory.data.models import Operation, Scan, WorkCenter, Worker
from factory.domain.calendar import day_range_utc


@dataclass(frozen=True)
class OutputLine:
    key: str
    name: str
    good: int
    defects: int


def week_start(day: date) -> date:
    """Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of the month `month` falls in."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def output_by_operation(*, session: Session, first: date, last: date, zone: ZoneInfo) -> list[OutputLine]:
    """Good and defective pieces per operation (by its code, across products), days inclusive."""
    start, end = day_range_utc(first, last, zone)
    rows = session.exec(select(Operation.code, func.min(Operation.name), func.sum(Scan.good), func.sum(Scan.defects),
                               func.min(WorkCenter.position))
                        .join(Operation, Operation.id == Scan.operation_id)
                        .join(WorkCenter, WorkCenter.id == Operation.work_center_id)
                        .where(Scan.worked_at >= start, Scan.worked_at < end)
                        .group_by(Operation.code)).all()
    rows = sorted(rows, key=lambda r: (r[4], r[0]))
    return [OutputLine(code, name, int(good or 0), int(defects or 0)) for code, name, good, defects, _ in rows]


def output_by_worker(*, session: Session, first: date, last: date, zone: ZoneInfo) -> list[OutputLine]:
    """Good and defective pieces per worker, most pieces first, days inclusive."""
    start, end = day_range_utc(first, last, zone)
    rows = session.exec(select(Worker.code, Worker.name, func.sum(Scan.good), func.sum(Scan.defects))
                        .join(Worker, Worker.id == Scan.worker_id)
                        .where(Scan.worked_at >= start, Scan.worked_at < end)
                        .group_by(Worker.code, Worker.name)).all()
    lines = [OutputLine(code, name, int(good or 0), int(defects or 0)) for code, name, good, defects in rows]
    return sorted(lines, key=lambda line: (-line.good, line.key))


def local_day(session: Session, column, zone: ZoneInfo, moment: datetime):
    """SQL for the workshop's calendar day of a stored UTC time. The zone's offset at `moment` is
    used for the whole range (Asia/Shanghai has no daylight saving)."""
    minutes = int(zone.utcoffset(moment).total_seconds() // 60)
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, f"{minutes:+d} minutes")
    return cast(column + literal_column(f"interval '{minutes} minutes'"), Date)


def last_operations():
    """The ids of each product's last operation: a piece logged good there is finished."""
    last = (select(Operation.product_id, func.max(Operation.position).label("position"))
            .group_by(Operation.product_id).subquery())
    return (select(Operation.id).join(last, (last.c.product_id == Operation.product_id)
                                      & (last.c.position == Operation.position)))


def finished_per_day(*, session: Session, first: date, last: date, zone: ZoneInfo) -> list[tuple[date, int]]:
    """Finished pieces (good at a product's last operation) per workshop day, zero days included."""
    start, end = day_range_utc(first, last, zone)
    day = local_day(session, Scan.worked_at, zone, start).label("day")
    rows = session.exec(select(day, func.sum(Scan.good))
                        .where(Scan.worked_at >= start, Scan.worked_at < end,
                               Scan.operation_id.in_(last_operations()))
                        .group_by(day)).all()
    totals = {(d if isinstance(d, date) else date.fromisoformat(d)): int(n or 0) for d, n in rows}
    return [(first + timedelta(days=i), totals.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]
