"""Work in progress: pieces waiting in front of each work center, summed in the database.

At one operation of one ticket, pieces waiting = pieces that reached it (the ticket's quantity at
the first operation, the good pieces of the operation before it afterwards, never more than the
quantity) less the pieces logged there, as in `factory.domain.progress.open_pieces`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from factory.data.models import OPEN_STATUSES, Operation, Order, Scan, Ticket, WorkCenter
from factory.domain.capacity import standard_minutes


@dataclass(frozen=True)
class Waiting:
    center: WorkCenter
    pieces: int
    tickets: int
    minutes: float

    @property
    def days(self) -> float:
        """Normal working days the waiting pieces take at this work center."""
        per_day = standard_minutes(units=self.center.units, hours=self.center.hours_per_day,
                                   efficiency=self.center.efficiency)
        return self.minutes / per_day if per_day else 0.0


def waiting_by_work_center(*, session: Session, statuses=OPEN_STATUSES) -> list[Waiting]:
    """Every work center with the pieces, tickets and standard minutes waiting in front of it."""
    wanted = [s.value for s in statuses]
    counts = (select(Scan.ticket_id, Scan.operation_id, func.sum(Scan.good).label("good"),
                     func.sum(Scan.good + Scan.defects).label("logged"))
              .join(Ticket, Ticket.id == Scan.ticket_id).join(Order, Order.id == Ticket.order_id)
              .where(Order.status.in_(wanted))
              .group_by(Scan.ticket_id, Scan.operation_id).subquery())
    good = func.coalesce(counts.c.good, 0)
    steps = (select(Ticket.id.label("ticket_id"), Ticket.quantity.label("quantity"),
                    Operation.work_center_id.label("center"), Operation.minutes_per_piece.label("per_piece"),
                    func.coalesce(counts.c.logged, 0).label("logged"),
                    func.lag(good).over(partition_by=Ticket.id, order_by=Operation.position).label("before"))
             .join(Order, Order.id == Ticket.order_id)
             .join(Operation, Operation.product_id == Order.product_id)
             .outerjoin(counts, and_(counts.c.ticket_id == Ticket.id, counts.c.operation_id == Operation.id))
             .where(Order.status.in_(wanted), Ticket.voided_at.is_(None))).subquery()
    reached = case((steps.c.before.is_(None), steps.c.quantity),
                   (steps.c.before < steps.c.quantity, steps.c.before), else_=steps.c.quantity)
    waiting = case((reached - steps.c.logged > 0, reached - steps.c.logged), else_=0)
    rows = session.exec(select(steps.c.center, func.sum(waiting), func.sum(case((waiting > 0, 1), else_=0)),
                               func.sum(waiting * steps.c.per_piece))
                        .group_by(steps.c.center)).all()
    by_center = {center: (int(pieces or 0), int(tickets or 0), float(minutes or 0)) for center, pieces, tickets, minutes in rows}
    centers = session.exec(select(WorkCenter).order_by(WorkCenter.position, WorkCenter.code)).all()
    return [Waiting(wc, *by_center.get(wc.id, (0, 0, 0.0))) for wc in centers]
