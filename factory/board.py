"""The production board's data: every open order with its progress per operation, in a few queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from factory.models import OPEN_STATUSES, Operation, Order, Product, Scan, Ticket
from factory.orders import order_done_by_operation
from factory.progress import Count


@dataclass
class BoardStep:
    operation: Operation
    done: int
    defects: int
    quantity: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.quantity)) if self.quantity else 0


@dataclass
class BoardRow:
    order: Order
    product: Product
    steps: list[BoardStep]
    last_scan: object | None

    @property
    def finished(self) -> int:
        return self.steps[-1].done if self.steps else 0


def urgency(due: date, today: date, finished: bool) -> str:
    """late / due soon / ok from the calendar alone; the capacity plan refines it on the board."""
    if finished:
        return "done"
    if due < today:
        return "late"
    if (due - today).days <= 3:
        return "soon"
    return "ok"


def board_rows(*, session: Session, statuses=OPEN_STATUSES) -> list[BoardRow]:
    """Open orders by due date, progress summed in SQL (one query for all orders, not one per order)."""
    orders = list(session.exec(select(Order, Product).join(Product, Product.id == Order.product_id)
                               .where(Order.status.in_([s.value for s in statuses]))
                               .order_by(Order.due, Order.priority.desc(), Order.number)))
    order_ids = [o.id for o, _ in orders]
    product_ids = {p.id for _, p in orders}
    routes: dict[int, list[Operation]] = {}
    for op in session.exec(select(Operation).where(Operation.product_id.in_(product_ids)).order_by(Operation.position)):
        routes.setdefault(op.product_id, []).append(op)
    counts = order_done_by_operation(session=session, order_ids=order_ids)
    last_scans = dict(session.exec(select(Ticket.order_id, func.max(Scan.created_at))
                                   .join(Ticket, Ticket.id == Scan.ticket_id)
                                   .where(Ticket.order_id.in_(order_ids)).group_by(Ticket.order_id)).all()) if order_ids else {}
    rows = []
    for order, product in orders:
        steps = [BoardStep(op, counts.get((order.id, op.id), Count()).good,
                           counts.get((order.id, op.id), Count()).defects, order.quantity)
                 for op in routes.get(product.id, [])]
        rows.append(BoardRow(order, product, steps, last_scans.get(order.id)))
    return rows
