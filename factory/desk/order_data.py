"""Reading orders for the desk: the search behind the orders list, and one order's history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from factory.data.board import BoardRow, board_rows
from factory.data.models import ClaimCheck, Operation, Order, OrderStatus, Product, Scan, Ticket, Worker
from factory.inputs import OrderSearchIn, validate

TIMELINE_LIMIT = 300


def search_from_args(args) -> tuple[OrderSearchIn, dict[str, str]]:
    """The list's filters from the query string; empty fields mean no filter."""
    data = {k: args.get(k) for k in ("q", "status", "due_from", "due_to") if args.get(k)}
    search, errors = validate(OrderSearchIn, data)
    return search or OrderSearchIn(), errors


def find_orders(*, session: Session, search: OrderSearchIn, limit: int = 500) -> list[tuple[Order, Product]]:
    query = select(Order, Product).join(Product, Product.id == Order.product_id)
    if search.status:
        query = query.where(Order.status == search.status.value)
    if search.q:
        # autoescape: a typed % or _ is a character to find, not a wildcard matching everything.
        query = query.where(Order.number.contains(search.q, autoescape=True)
                            | Order.customer.contains(search.q, autoescape=True))
    if search.due_from:
        query = query.where(Order.due >= search.due_from)
    if search.due_to:
        query = query.where(Order.due <= search.due_to)
    return list(session.exec(query.order_by(Order.due.desc(), Order.number.desc()).limit(limit)))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    worker: str
    operation: str
    bundle_no: int
    good: int
    defects: int
    client_id: str = ""
    reverses_id: int | None = None
    reason: str = ""
    reversed: bool = False
    implausible: bool = False


@dataclass(frozen=True)
class OperationActual:
    operation_id: int
    planned_minutes: float
    first_scan: datetime | None
    last_scan: datetime | None


@dataclass
class OrderDetails:
    timeline: list[TimelineEntry]
    defects: list[TimelineEntry]
    actual: dict[int, OperationActual] = field(default_factory=dict)
    board: BoardRow | None = None


def order_details(*, session: Session, order: Order, today: date) -> OrderDetails:
    """The scans of an order newest first, its defects, and per operation the planned standard
    minutes against when work actually started and last happened."""
    undo = aliased(Scan)
    base = (select(Scan.worked_at, Worker.name, Operation.name, Ticket.bundle_no, Scan.good, Scan.defects,
                   Scan.client_id, Scan.reverses_id, Scan.reason, undo.id.is_not(None),
                   and_(Scan.implausible, ~exists().where(ClaimCheck.scan_id == Scan.id)))
            .join(Ticket, Ticket.id == Scan.ticket_id).join(Worker, Worker.id == Scan.worker_id)
            .join(Operation, Operation.id == Scan.operation_id).outerjoin(undo, undo.reverses_id == Scan.id)
            .where(Ticket.order_id == order.id))
    timeline = [TimelineEntry(*r) for r in session.exec(base.order_by(Scan.worked_at.desc(), Scan.id.desc())
                                                        .limit(TIMELINE_LIMIT))]
    defects = [TimelineEntry(*r) for r in session.exec(base.where(Scan.defects != 0).order_by(Scan.worked_at))]
    spans = dict((op_id, (first, last)) for op_id, first, last in session.exec(
        select(Scan.operation_id, func.min(Scan.worked_at), func.max(Scan.worked_at))
        .join(Ticket, Ticket.id == Scan.ticket_id).where(Ticket.order_id == order.id)
        .group_by(Scan.operation_id)))
    actual = {op.id: OperationActual(op.id, order.quantity * op.minutes_per_piece + op.setup_minutes,
                                     *spans.get(op.id, (None, None)))
              for op in session.exec(select(Operation).where(Operation.product_id == order.product_id))}
    row = None
    if order.status in (OrderStatus.accepted.value, OrderStatus.in_production.value):
        row = next((r for r in board_rows(session=session, today=today) if r.order.id == order.id), None)
    return OrderDetails(timeline, defects, actual, row)
