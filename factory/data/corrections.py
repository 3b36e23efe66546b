"""Reading the ledger for corrections: one scan with what became of it, and a worker's recent
scans for the office."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from factory.data.models import ClaimCheck, Operation, Order, Scan, Ticket, User, Worker
from factory.data.scans import FIX_PREFIX, as_utc, derived_id, scan_by_client_id

# A second name for the scan table ("the scan that reverses this one"); built once, not per query.
_UNDO = aliased(Scan)


@dataclass(frozen=True)
class ScanRecord:
    """A scan with its bundle, and its reversal (an undo or the office's) if it has one."""
    scan: Scan
    ticket: Ticket
    order: Order
    operation: Operation
    worker: Worker
    reversal: Scan | None
    reversed_by: str  # the office user who reversed it ("" for the worker's own undo)
    correction: Scan | None

    @property
    def at(self) -> datetime:
        return as_utc(self.scan.worked_at or self.scan.created_at)


def scan_record(*, session: Session, client_id: str) -> ScanRecord | None:
    scan = scan_by_client_id(session=session, client_id=client_id)
    if scan is None:
        return None
    ticket = session.get(Ticket, scan.ticket_id)
    reversal = session.exec(select(Scan).where(Scan.reverses_id == scan.id)).first()
    user = session.get(User, reversal.user_id) if reversal is not None and reversal.user_id else None
    correction = scan_by_client_id(session=session, client_id=derived_id(FIX_PREFIX, scan.client_id))
    return ScanRecord(scan, ticket, session.get(Order, ticket.order_id), session.get(Operation, scan.operation_id),
                      session.get(Worker, scan.worker_id), reversal, user.username if user else "", correction)


@dataclass(frozen=True)
class LedgerLine:
    """One scan as the office reads it: when, what, and whether it was reversed (and why)."""
    client_id: str
    at: datetime
    order: str
    bundle: int
    operation: str
    worker: str
    good: int
    defects: int
    reversal: bool  # this scan reverses another
    reversed: bool  # another scan reverses this one
    reason: str
    office: bool  # made by the office (a reversal or a correction)
    implausible: bool = False  # confirmed although more than the working time allowed: to check


def ledger_lines(*, session: Session, worker_id: int | None = None, order_id: int | None = None,
                 since: datetime | None = None, limit: int = 300) -> list[LedgerLine]:
    """Scans newest first, of one worker or one order."""
    undo = _UNDO
    query = (select(Scan, Order.number, Ticket.bundle_no, Operation.name, Worker.name, undo.id, ClaimCheck.scan_id)
             .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
             .join(Operation, Operation.id == Scan.operation_id).join(Worker, Worker.id == Scan.worker_id)
             .outerjoin(undo, undo.reverses_id == Scan.id).outerjoin(ClaimCheck, ClaimCheck.scan_id == Scan.id))
    if worker_id is not None:
        query = query.where(Scan.worker_id == worker_id)
    if order_id is not None:
        query = query.where(Ticket.order_id == order_id)
    if since is not None:
        query = query.where(Scan.worked_at >= since)
    rows = session.exec(query.order_by(Scan.worked_at.desc(), Scan.id.desc()).limit(limit)).all()
    return [LedgerLine(s.client_id, as_utc(s.worked_at), number, bundle, operation, worker, s.good, s.defects,
                       s.reverses_id is not None, undone is not None, s.reason, s.user_id is not None,
                       s.implausible and checked is None)
            for s, number, bundle, operation, worker, undone, checked in rows]
