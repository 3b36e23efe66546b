"""Orders and their tickets: creating, numbering, and reading progress from scans."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, text
from sqlmodel import Session, select

from factory.data.models import Operation, Order, OrderLine, OrderStatus, Product, Scan, Ticket, WorkCenter, utcnow
from factory.domain.bundles import ColorSizeLine, split_into_bundles
from factory.domain.progress import Count
from factory.domain.refusal import Refusal, Refused
from factory.domain.variants import Variants, order_variants
from factory.inputs import OrderIn

# More tickets than anyone prints for one order: bundle size 1 on 100,000 pieces is a typo.
MAX_BUNDLES = 1000


def order_refusals(order_in: OrderIn, product: Product | None) -> list[Refusal]:
    """What is wrong with a new or edited order: the same checks for the form, the API, an import
    and an edit."""
    refusals = []
    if product is None:
        refusals.append(Refusal("unknown_product", "product"))
    total = sum(line.quantity for line in order_in.lines)
    if order_in.lines and total != order_in.quantity:
        refusals.append(Refusal("lines_sum", "lines", {"total": total, "quantity": order_in.quantity}))
    quantities = [line.quantity for line in order_in.lines] or [order_in.quantity]
    count = sum(-(-q // order_in.bundle_size) if order_in.bundle_size else 1 for q in quantities)
    if count > MAX_BUNDLES:
        refusals.append(Refusal("too_many_bundles", "bundle_size", {"count": count, "limit": MAX_BUNDLES}))
    return refusals


def checked_product(*, session: Session, order_in: OrderIn) -> Product:
    """The order's product, or Refused naming every bad field."""
    product = session.exec(select(Product).where(Product.code == order_in.product)).first()
    refusals = order_refusals(order_in, product)
    if product is not None and session.exec(select(Operation.id).where(Operation.product_id == product.id)).first() is None:
        refusals.append(Refusal("product_without_route", "product"))  # its tickets would have nothing to scan
    if refusals:
        raise Refused(*refusals)
    return product


def lay_out_tickets(*, session: Session, order: Order, order_in: OrderIn) -> None:
    """The order's color/size lines and one ticket per bundle, split from the input."""
    lines = [ColorSizeLine(line.quantity, line.color, line.size) for line in order_in.lines] or [ColorSizeLine(order_in.quantity)]
    for line in order_in.lines:
        session.add(OrderLine(order_id=order.id, color=line.color, size=line.size, quantity=line.quantity))
    for bundle in split_into_bundles(lines, order_in.bundle_size):
        session.add(Ticket(order_id=order.id, bundle_no=bundle.bundle_no, color=bundle.color,
                           size=bundle.size, quantity=bundle.quantity))
    session.flush()


# Any constant: PostgreSQL's advisory lock that serialises the numbering of new orders.
ORDER_NUMBER_LOCK = 7_242_001


def lock_order_numbers(*, session: Session) -> None:
    """Serialise order creation until this transaction ends, so two orders created at the same
    moment (by several processes) never read the same last number. SQLite needs no lock here:
    callers create orders in a write transaction (BEGIN IMMEDIATE), which already serialises them."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=ORDER_NUMBER_LOCK))


def next_order_number(*, session: Session, year: int) -> str:
    lock_order_numbers(session=session)
    prefix = f"SO{year % 100:02d}-"
    last = session.exec(select(func.max(Order.number)).where(Order.number.like(prefix + "%"))).one()
    seq = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{seq:04d}"


def create_order(*, session: Session, order_in: OrderIn, status: str = OrderStatus.accepted.value,
                 number: str | None = None) -> Order:
    """Create an order with its color/size lines and one ticket per bundle (in the caller's write
    transaction), or raise Refused naming every bad field."""
    default = session.exec(select(Product.bundle_size).where(Product.code == order_in.product)).first()
    if not order_in.bundle_size and default:
        # Without a bundle size of its own, the order takes the product's: a ticket of more pieces
        # than that is the owner's explicit choice.
        order_in = order_in.model_copy(update={"bundle_size": default})
    product = checked_product(session=session, order_in=order_in)
    now = utcnow()
    # Without a bundle size of its own, the order takes the product's: a ticket of more pieces
    # than that is the owner's explicit choice.
    bundle_size = order_in.bundle_size or product.bundle_size
    order = Order(number=number or next_order_number(session=session, year=now.year),
                  customer=order_in.customer, product_id=product.id, quantity=order_in.quantity,
                  due=order_in.due, priority=order_in.priority, status=status,
                  bundle_size=bundle_size, notes=order_in.notes,
                  accepted_at=now if status != OrderStatus.draft.value else None)
    session.add(order)
    session.flush()
    lay_out_tickets(session=session, order=order, order_in=order_in)
    return order


def lock_order(*, session: Session, order_id: int) -> Order | None:
    """The order, locked until the transaction ends (PostgreSQL). Writers that touch an order and
    its tickets always lock the order first, then tickets, so they wait for each other instead of
    deadlocking; SQLite's write transaction already holds the whole database."""
    if _whole_database_locked(session):
        return session.get(Order, order_id)
    return session.exec(select(Order).where(Order.id == order_id).with_for_update()
                        .execution_options(populate_existing=True)).first()


def _whole_database_locked(session: Session) -> bool:
    """SQLite's write transaction (BEGIN IMMEDIATE) already holds the whole database: no row locks."""
    return session.get_bind().dialect.name == "sqlite"


def route_of(*, session: Session, product_id: int) -> list[Operation]:
    return list(session.exec(select(Operation).where(Operation.product_id == product_id)
                             .order_by(Operation.position)))


def scan_counts(*, session: Session, bundle_keys: list[int]) -> dict[tuple[int, int], Count]:
    """Good and defect totals per (bundle, operation), summed in the database over every ticket
    of each bundle (a reissued ticket and the ones it replaces are one bundle)."""
    if not bundle_keys:
        return {}
    key = func.coalesce(Ticket.bundle_id, Ticket.id)
    rows = session.exec(select(key, Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
                        .join(Ticket, Ticket.id == Scan.ticket_id)
                        .where(key.in_(bundle_keys))
                        .group_by(key, Scan.operation_id)).all()
    return {(t, o): Count(int(g or 0), int(d or 0)) for t, o, g, d in rows}


def order_done_by_operation(*, session: Session, order_ids: list[int]) -> dict[tuple[int, int], Count]:
    """Good and defect totals per (order, operation) over all its tickets, in one query."""
    if not order_ids:
        return {}
    rows = session.exec(select(Ticket.order_id, Scan.operation_id, func.sum(Scan.good), func.sum(Scan.defects))
                        .join(Ticket, Ticket.id == Scan.ticket_id)
                        .where(Ticket.order_id.in_(order_ids))
                        .group_by(Ticket.order_id, Scan.operation_id)).all()
    return {(o, op): Count(int(g or 0), int(d or 0)) for o, op, g, d in rows}


@dataclass
class OrderView:
    """An order with its product, route, tickets and progress, ready to show or serialise."""
    order: Order
    product: Product
    operations: list[Operation]
    work_centers: dict[int, WorkCenter]
    tickets: list[Ticket]
    # Totals per (bundle, operation): every ticket of a bundle shows the bundle's progress.
    counts: dict[tuple[int, int], Count] = field(default_factory=dict)

    def _bundles(self) -> set[int]:
        return {t.bundle_key for t in self.tickets}

    def done(self, operation: Operation) -> int:
        return sum(self.counts.get((b, operation.id), Count()).good for b in self._bundles())

    def defects(self, operation: Operation) -> int:
        return sum(self.counts.get((b, operation.id), Count()).defects for b in self._bundles())

    def ticket_counts(self, ticket: Ticket) -> list[Count]:
        return [self.counts.get((ticket.bundle_key, op.id), Count()) for op in self.operations]


def bundle_view(*, session: Session, ticket: Ticket) -> tuple[OrderView, int]:
    """What one bundle's page needs: its order, product and route with this ticket's counts only,
    and how many bundles the order has (a 500-bundle order costs no more than a small one)."""
    order = session.get(Order, ticket.order_id)
    bundles = session.exec(select(func.count()).select_from(Ticket).where(Ticket.order_id == order.id)).one()
    operations = route_of(session=session, product_id=order.product_id)
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    view = OrderView(order, session.get(Product, order.product_id), operations, centers, [ticket],
                     scan_counts(session=session, bundle_keys=[ticket.bundle_key]))
    return view, int(bundles)


def order_view(*, session: Session, order: Order) -> OrderView:
    product = session.get(Product, order.product_id)
    operations = route_of(session=session, product_id=order.product_id)
    tickets = list(session.exec(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.bundle_no)))
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    counts = scan_counts(session=session, bundle_keys=sorted({t.bundle_key for t in tickets}))
    return OrderView(order, product, operations, centers, tickets, counts)


def order_by_number(*, session: Session, number: str) -> Order | None:
    return session.exec(select(Order).where(Order.number == number)).first()


def order_json(view: OrderView, *, ticket_url) -> dict:
    """The API's representation of one order (GET /api/orders/<number>)."""
    o = view.order
    return {
        "number": o.number, "customer": o.customer, "product": view.product.code,
        "product_name": view.product.name, "quantity": o.quantity, "due": o.due.isoformat(),
        "priority": o.priority, "status": o.status, "bundle_size": o.bundle_size,
        "operations": [{"code": op.code, "name": op.name, "work_center": view.work_centers[op.work_center_id].code,
                        "done": view.done(op), "defects": view.defects(op), "quantity": o.quantity}
                       for op in view.operations],
        "tickets": [{"token": t.token, "url": ticket_url(t), "bundle_no": t.bundle_no, "color": t.color,
                     "size": t.size, "quantity": t.quantity, "voided": t.voided_at is not None,
                     "done": {op.code: c.good for op, c in zip(view.operations, view.ticket_counts(t))}}
                    for t in view.tickets],
    }


def orders_summary_json(order: Order, product: Product) -> dict:
    return {"number": order.number, "customer": order.customer, "product": product.code,
            "quantity": order.quantity, "due": order.due.isoformat(), "priority": order.priority,
            "status": order.status}


def order_by_token(*, session: Session, token: str) -> Order | None:
    """The order a work order's QR opens."""
    if not token or len(token) > 64:
        return None
    return session.exec(select(Order).where(Order.token == token)).first()


def orders_with_products(*, session: Session, statuses: Sequence[str] | None = None,
                         newest_first: bool = True) -> list[tuple[Order, Product]]:
    """Orders with their product, newest first (or by due date), optionally of some statuses only."""
    query = select(Order, Product).join(Product, Product.id == Order.product_id)
    if statuses is not None:
        query = query.where(Order.status.in_(list(statuses)))
    query = query.order_by(Order.id.desc()) if newest_first else query.order_by(Order.due, Order.number)
    return list(session.exec(query))


def ticket_by_token(*, session: Session, token: str) -> Ticket | None:
    """The ticket a bundle's QR opens."""
    if not token or len(token) > 64:
        return None
    return session.exec(select(Ticket).where(Ticket.token == token)).first()


def variants_of(*, session: Session, order: Order, product: Product) -> Variants:
    """The colours and sizes the order is made in: its colour/size lines, the product's when they name none."""
    lines = session.exec(select(OrderLine.color, OrderLine.size).where(OrderLine.order_id == order.id)
                         .order_by(OrderLine.id)).all()
    return order_variants(lines, product.colors, product.size)
