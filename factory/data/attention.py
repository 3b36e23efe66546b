"""Scans a phone queued that the rules refused: kept on the server (the phone drops them once they
are kept), and listed as "needs attention" for the worker and the office until someone logs the
pieces right."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists
from sqlmodel import Session, select

from factory.data.models import Operation, Order, RefusedScan, Scan, Ticket
from factory.data.scans import as_utc
from factory.domain.refusal import Refusal


def keep_refused(*, session: Session, client_id: str, worker_id: int, ticket: Ticket | None, operation: str,
                 good: int, defects: int, refusal: Refusal, status: int, worked_at: datetime | None,
                 now: datetime) -> RefusedScan:
    """Keep a refused queued scan once (the same id again keeps the first)."""
    kept = session.exec(select(RefusedScan).where(RefusedScan.client_id == client_id)).first()
    if kept is not None:
        return kept
    kept = RefusedScan(client_id=client_id, worker_id=worker_id, ticket_id=ticket.id if ticket else None,
                       operation=operation[:40], good=good, defects=defects, code=refusal.code[:40],
                       numbers=json.dumps({"field": refusal.field, **refusal.numbers}, ensure_ascii=False,
                                          default=str)[:2000],
                       status=status, worked_at=worked_at, created_at=now)
    session.add(kept)
    session.flush()
    return kept


@dataclass(frozen=True)
class Attention:
    """A refused queued scan as the worker and the office read it."""
    client_id: str
    at: datetime
    order: str
    bundle: int | None
    token: str
    operation: str
    good: int
    defects: int
    refusal: Refusal


def needs_attention(*, session: Session, worker_id: int, since: datetime, limit: int = 50) -> list[Attention]:
    """The worker's refused queued scans since `since`, newest first, leaving out those whose id
    was recorded after all (a retry the rules took later)."""
    rows = session.exec(
        select(RefusedScan, Order.number, Ticket.bundle_no, Ticket.token, Operation.name)
        .outerjoin(Ticket, Ticket.id == RefusedScan.ticket_id).outerjoin(Order, Order.id == Ticket.order_id)
        .outerjoin(Operation, and_(Operation.product_id == Order.product_id, Operation.code == RefusedScan.operation))
        .where(RefusedScan.worker_id == worker_id, RefusedScan.created_at >= since,
               ~exists().where(Scan.client_id == RefusedScan.client_id))
        .order_by(RefusedScan.id.desc()).limit(limit)).all()
    out = []
    for kept, number, bundle, token, operation_name in rows:
        numbers = json.loads(kept.numbers or "{}")
        field = numbers.pop("field", "_")
        # Kept: the scan was refused when the phone sent it, and nobody is asked a question now.
        out.append(Attention(kept.client_id, as_utc(kept.worked_at or kept.created_at), number or "", bundle,
                             token or "", operation_name or kept.operation, kept.good, kept.defects,
                             Refusal(kept.code, field, {**numbers, "kept": True})))
    return out
