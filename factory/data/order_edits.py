"""Changing an order after it was created: the allowed status moves, and editing before work starts."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exists, func
from sqlmodel import Session, select

from factory.data.models import Order, OrderLine, OrderStatus, Product, Scan, Ticket, utcnow
from factory.data.orders import checked_product, lay_out_tickets, lock_order
from factory.domain.refusal import Refusal, Refused
from factory.inputs import OrderIn

S = OrderStatus
# What the owner may move an order to from each status. Scans move accepted → in production on
# their own. Shipped and cancelled are not moved on from; they are undone (order_moves).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.draft.value: frozenset({S.accepted.value, S.cancelled.value}),
    S.accepted.value: frozenset({S.done.value, S.shipped.value, S.cancelled.value}),
    S.in_production.value: frozenset({S.done.value, S.shipped.value, S.cancelled.value}),
    S.done.value: frozenset({S.shipped.value, S.in_production.value}),
    S.shipped.value: frozenset(),
    S.cancelled.value: frozenset(),
}
EDITABLE = frozenset({S.draft.value, S.accepted.value})


def can_move(current: str, target: str) -> bool:
    """True when the owner may move an order from `current` to `target`."""
    return target in TRANSITIONS.get(current, frozenset())


def next_statuses(current: str) -> list[str]:
    """The moves offered as buttons, in a stable order."""
    return [s.value for s in OrderStatus if can_move(current, s.value)]


# The moves the owner is asked to confirm first (they take an order off the board and its tickets
# off the floor); the others, and the undos, happen at one click.
CONFIRMED_MOVES = frozenset({S.cancelled.value, S.shipped.value})


def reopened_status(order: Order, scanned: bool) -> str:
    """Where a cancelled order goes back to: in production once pieces were logged, else accepted
    (or still a draft when it never was accepted)."""
    if scanned:
        return S.in_production.value
    return S.accepted.value if order.accepted_at is not None else S.draft.value


def order_moves(order: Order, *, scanned: bool, day_start: datetime) -> list[str]:
    """The moves offered for `order`: the table's, or the undo of a cancel (reopen), or of a
    shipment made since `day_start` (the start of the workshop's today, UTC) back to done."""
    if order.status == S.cancelled.value:
        return [reopened_status(order, scanned)]
    if order.status == S.shipped.value:
        shipped = order.shipped_at
        if shipped is not None and shipped.tzinfo is None:
            shipped = shipped.replace(tzinfo=UTC)
        return [S.done.value] if shipped is not None and shipped >= day_start else []
    return next_statuses(order.status)


def can_edit(status: str, scanned: bool) -> bool:
    """An order may be edited (and its tickets re-split) only before any piece is logged."""
    return status in EDITABLE and not scanned


def has_scans(*, session: Session, order_id: int) -> bool:
    return bool(session.exec(select(exists().where(Scan.ticket_id == Ticket.id, Ticket.order_id == order_id))).one())


def move_order(*, session: Session, order: Order, target: str, day_start: datetime) -> None:
    """Move `order` to `target` (or undo a cancel or today's shipment: order_moves), or raise
    Refused (409) naming the status."""
    order = lock_order(session=session, order_id=order.id)
    scanned = has_scans(session=session, order_id=order.id)
    if target not in order_moves(order, scanned=scanned, day_start=day_start):
        raise Refused(Refusal("status_move", "status", {"current": order.status, "target": target}), status=409)
    if order.status == S.shipped.value:
        order.shipped_at = None
    order.status = target
    now = utcnow()
    if target == S.accepted.value and order.accepted_at is None:
        order.accepted_at = now
    if target == S.shipped.value:
        order.shipped_at = now
    session.add(order)


def order_form_data(*, session: Session, order: Order) -> OrderIn:
    """The order as the form's input model (for editing)."""
    product = session.get(Product, order.product_id)
    lines = [{"quantity": line.quantity, "color": line.color, "size": line.size}
             for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id))]
    return OrderIn(customer=order.customer, product=product.code, quantity=order.quantity, due=order.due,
                       priority=order.priority, bundle_size=order.bundle_size, lines=lines, notes=order.notes)


def update_order(*, session: Session, order: Order, order_in: OrderIn) -> Order:
    """Rewrite an order that has no scans yet; its lines and tickets are split again from scratch.
    The order is locked first, so a scan arriving at the same moment waits (and then finds its
    ticket gone) or goes first (and then this edit is refused with 409)."""
    order = lock_order(session=session, order_id=order.id)
    if not can_edit(order.status, has_scans(session=session, order_id=order.id)):
        raise Refused(Refusal("order_started", "status"), status=409)
    product = checked_product(session=session, order_in=order_in)
    order.customer, order.product_id, order.quantity = order_in.customer, product.id, order_in.quantity
    order.due, order.priority, order.bundle_size, order.notes = (order_in.due, order_in.priority,
                                                                 order_in.bundle_size, order_in.notes)
    session.add(order)
    session.exec(delete(OrderLine).where(OrderLine.order_id == order.id))
    # Unprinted or not, tickets without scans carry nothing worth keeping; reissue chains go first.
    session.exec(Ticket.__table__.update().where(Ticket.order_id == order.id).values(replaces_id=None))
    session.exec(delete(Ticket).where(Ticket.order_id == order.id))
    session.flush()
    lay_out_tickets(session=session, order=order, order_in=order_in)
    return order


def printed_tickets(*, session: Session, order_id: int) -> int:
    """How many of the order's tickets were printed (editing makes those papers useless)."""
    return int(session.exec(select(func.count()).select_from(Ticket)
                            .where(Ticket.order_id == order_id, Ticket.printed_count > 0)).one())
