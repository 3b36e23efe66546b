"""Claims to check: scans a worker confirmed although they claimed more standard minutes than
the working time allowed (the plausibility rule, docs/worker.md). The office looks at each one
and either marks it right or corrects it (a reversing scan); both take it off the list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from factory.data.models import ClaimCheck, Operation, Order, Scan, Ticket, Worker
from factory.data.scans import as_utc, scan_by_client_id
from factory.domain.refusal import Refusal, Refused

# A second name for the scan table ("the scan that reverses this one"); built once, not per query.
_UNDO = aliased(Scan)


@dataclass(frozen=True)
class ClaimToCheck:
    client_id: str
    at: datetime  # when the work was done (the tap time)
    arrived: datetime
    worker_code: str
    worker_name: str
    worker_id: int
    order: str
    bundle: int
    operation: str
    good: int
    standard_minutes: float  # the claim's pieces times the operation's minutes per piece


def _open_claims():
    """Implausible claims neither reversed nor marked right. (A reversal is never marked
    implausible, so `implausible` alone picks claims, through its partial index.)"""
    undo = _UNDO
    return (Scan.implausible == True,  # noqa: E712
            ~exists().where(undo.reverses_id == Scan.id),
            ~exists().where(ClaimCheck.scan_id == Scan.id))


def claims_to_check(*, session: Session, limit: int = 200) -> list[ClaimToCheck]:
    """Oldest first: the longer a claim waits, the harder it is to remember what happened."""
    rows = session.exec(
        select(Scan, Worker, Order.number, Ticket.bundle_no, Operation.name, Operation.minutes_per_piece)
        .join(Worker, Worker.id == Scan.worker_id).join(Ticket, Ticket.id == Scan.ticket_id)
        .join(Order, Order.id == Ticket.order_id).join(Operation, Operation.id == Scan.operation_id)
        .where(*_open_claims()).order_by(Scan.worked_at, Scan.id).limit(limit)).all()
    return [ClaimToCheck(s.client_id, as_utc(s.worked_at), as_utc(s.created_at), w.code, w.name, w.id, number,
                         bundle, operation, s.good, round(s.good * minutes, 1))
            for s, w, number, bundle, operation, minutes in rows]


def count_to_check(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Scan).where(*_open_claims())).one()


def mark_checked(*, session: Session, client_id: str, user_id: int, now: datetime, note: str = "") -> Scan:
    """The office found the claim right. Marking it twice is harmless (the first mark stays);
    a claim that is not to check (unknown, reversed, or never doubted) is refused."""
    scan = scan_by_client_id(session=session, client_id=client_id)
    if scan is None:
        raise Refused(Refusal("unknown_scan", "id"), status=404)
    if session.get(ClaimCheck, scan.id) is not None:
        return scan
    if not scan.implausible or scan.reverses_id is not None:
        raise Refused(Refusal("not_to_check", "id"), status=409)
    if session.exec(select(Scan.id).where(Scan.reverses_id == scan.id)).first() is not None:
        raise Refused(Refusal("scan_reversed", "id"), status=409)
    session.add(ClaimCheck(scan_id=scan.id, user_id=user_id, checked_at=now, note=note.strip()[:300]))
    session.flush()
    return scan
