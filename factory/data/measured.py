"""Measured minutes per piece from the scan history: per product operation, per work center and
per worker, beside the typed ones; which the engine uses; adopting a measured value.

The rules are pure (factory/domain/rates.py); this module reads the scans and the shift hours,
converts a worker's clock minutes to the engine's standard minutes (once for efficiency, once for
the machines a worker minds) and remembers the result until a new scan arrives."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import func
from sqlmodel import Session, select

from factory.data.models import AppSetting, Operation, Scan, Shift, WorkCenter, Worker, WorkerWorkCenter
from factory.data.shifts import shift_hours
from factory.domain.calendar import day_start_utc
from factory.domain.plausibility import ShiftHours
from factory.domain.rates import (
    ENOUGH_SAMPLES,
    HISTORY_DAYS,
    Claim,
    Rate,
    Sample,
    pace_by,
    rates_by,
    samples,
    standard_minutes_per_piece,
    tap_time_trusted,
)
from factory.domain.scan_rules import TAP_TIME_LIMIT

AUTO_KEY = "measured_rates"
EXACT_UP_TO = 2_000
REFRESH_EVERY = 200
PACES = ("used", "typical", "slow")


@dataclass(frozen=True)
class OperationRate:
    """An operation's typed and measured minutes per piece (standard minutes, comparable), the
    measured clock minutes of a worker, and which one the engine uses ("typed" or "measured")."""
    operation: Operation
    work_center: WorkCenter
    typed: float
    clock: Rate | None
    measured: Rate | None
    used: str

    @property
    def enough(self) -> bool:
        return self.measured is not None and self.measured.enough


def _as_local(moment: datetime, zone: tzinfo) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)


def claims_since(*, session: Session, since: datetime, zone: tzinfo) -> list[Claim]:
    """Every scan worked since `since` as a claim, unusable where it measures nothing."""
    rows = session.exec(select(Scan.id, Scan.worker_id, Scan.operation_id, Scan.good, Scan.defects, Scan.worked_at,
                               Scan.created_at, Scan.source, Scan.reverses_id, Scan.implausible)
                        .where(Scan.worked_at >= since)).all()
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id is not None}
    out = []
    for r in rows:
        worked = _as_local(r.worked_at, zone)
        usable = (r.good > 0 and r.reverses_id is None and r.id not in reversed_ids and not r.implausible
                  and tap_time_trusted(source=r.source, worked_at=worked, limit=TAP_TIME_LIMIT,
                                       arrived_at=_as_local(r.created_at, zone) if r.source == "queue" else worked))
        out.append(Claim(r.worker_id, r.operation_id, worked, max(0, r.good) + max(0, r.defects), usable))
    return out


def measured_samples(*, session: Session, today: date, zone: tzinfo) -> list[Sample]:
    """The samples of the last HISTORY_DAYS days, remembered until the next scan (or a change of
    the shift hours or the day). Past EXACT_UP_TO scans, until REFRESH_EVERY more have arrived:
    eight weeks of a busy workshop take a few seconds to read, and a few more scans do not move
    their medians."""
    last_id, last_at = session.exec(select(func.max(Scan.id), func.max(Scan.created_at))).one()
    last = (last_id, last_at) if (last_id or 0) < EXACT_UP_TO else (last_id // REFRESH_EVERY,)
    shift_key = tuple(session.exec(select(Shift.weekday, Shift.starts, Shift.ends, Shift.breaks)
                                   .order_by(Shift.weekday)).all())
    database = str(session.get_bind().url)
    key = (database, last, shift_key, today, zone)
    if key not in _SAMPLES:
        shifts: dict[int, ShiftHours] = shift_hours(session=session)
        since = day_start_utc(today - timedelta(days=HISTORY_DAYS), zone)
        if len(_SAMPLES) >= 8:
            _SAMPLES.pop(next(iter(_SAMPLES)))
        _SAMPLES[key] = tuple(samples(claims_since(session=session, since=since, zone=zone), shifts))
    return list(_SAMPLES[key])


# Samples by (database, last scan id, shift hours, today, zone): a new scan or shift changes the key.
_SAMPLES: dict[tuple, tuple[Sample, ...]] = {}


def auto_measured(*, session: Session) -> bool:
    """Whether the workshop uses measured minutes automatically where there are enough samples."""
    setting = session.get(AppSetting, AUTO_KEY)
    return setting is not None and setting.value == "auto"


def set_auto_measured(*, session: Session, on: bool) -> None:
    """Turn automatic use of measured minutes on or off (the caller's write transaction)."""
    setting = session.get(AppSetting, AUTO_KEY) or AppSetting(key=AUTO_KEY)
    setting.value = "auto" if on else "typed"
    session.add(setting)
    session.flush()


def staff_per_center(*, session: Session) -> dict[int, int]:
    """Active workers assigned to each work center."""
    rows = session.exec(select(WorkerWorkCenter.work_center_id, func.count())
                        .join(Worker, Worker.id == WorkerWorkCenter.worker_id)
                        .where(Worker.active == True)  # noqa: E712
                        .group_by(WorkerWorkCenter.work_center_id)).all()
    return {center: int(n) for center, n in rows}


def operation_rates(*, session: Session, today: date, zone: tzinfo,
                    operations: list[Operation] | None = None) -> list[OperationRate]:
    """Typed and measured minutes per piece of `operations` (default: every operation)."""
    if operations is None:
        operations = list(session.exec(select(Operation).order_by(Operation.product_id, Operation.position)))
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    staff = staff_per_center(session=session)
    clock = rates_by(measured_samples(session=session, today=today, zone=zone), key=lambda s: s.operation)
    auto = auto_measured(session=session)
    out = []
    for op in operations:
        center = centers[op.work_center_id]
        found = clock.get(op.id)
        measured = found.scaled(standard_minutes_per_piece(clock_minutes=1.0, efficiency=center.efficiency,
                                                           units=center.units, staff=staff.get(center.id, 0))) \
            if found else None
        used = "measured" if auto and measured is not None and measured.enough else "typed"
        out.append(OperationRate(op, center, op.minutes_per_piece, found, measured, used))
    return out


def scenario_minutes(*, session: Session, today: date, zone: tzinfo | None, pace: str = "used") -> dict[int, float]:
    """Minutes per piece the scenario takes instead of the typed ones, by operation id: for the
    pace "used", measured medians where the workshop uses them automatically; "typical", measured
    medians wherever there are enough samples; "slow", their 75th percentiles."""
    if zone is None or (pace == "used" and not auto_measured(session=session)):
        return {}
    out = {}
    for r in operation_rates(session=session, today=today, zone=zone):
        if r.enough and r.measured is not None:
            out[r.operation.id] = r.measured.p75 if pace == "slow" else r.measured.median
    return out


def worker_paces(*, session: Session, today: date, zone: tzinfo) -> dict[int, Rate]:
    """Per worker id, their measured minutes against the typed standard."""
    typed = {op.id: op.minutes_per_piece for op in session.exec(select(Operation))}
    return pace_by(measured_samples(session=session, today=today, zone=zone), typed, key=lambda s: s.worker)


def center_paces(*, session: Session, today: date, zone: tzinfo) -> dict[int, Rate]:
    """Per work center id, its workers' measured minutes against the typed standard."""
    ops = {op.id: op for op in session.exec(select(Operation))}
    typed = {op_id: op.minutes_per_piece for op_id, op in ops.items()}
    return pace_by(measured_samples(session=session, today=today, zone=zone), typed,
                   key=lambda s: ops[s.operation].work_center_id)


def adopt_measured(*, session: Session, operation: Operation, today: date, zone: tzinfo) -> tuple[float, float] | None:
    """Make the measured median the operation's typed minutes (rounded to 0.01): (old, new), or
    None when there is nothing measured to adopt. The caller's write transaction."""
    found = operation_rates(session=session, today=today, zone=zone, operations=[operation])[0]
    if found.measured is None:
        return None
    old, new = operation.minutes_per_piece, round(found.measured.median, 2)
    operation.minutes_per_piece = new
    session.add(operation)
    session.flush()
    return old, new


__all__ = ["ENOUGH_SAMPLES", "PACES", "OperationRate", "operation_rates", "scenario_minutes",
           "worker_paces", "center_paces", "adopt_measured", "auto_measured", "set_auto_measured"]
