"""Tickets on paper: what each label, work order and badge says, the print count, void and reissue.

A reissued ticket is a new row (new token, next free bundle number of the order, `replaces_id`
pointing at the voided one, `bundle_id` at the bundle's first ticket), so the old paper keeps opening
its page, which says it is void and names its replacement; the scans already made on the old ticket
stay where they were and count for the bundle, so the replacement carries on where it stopped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Sequence

from sqlalchemy import func, update
from sqlmodel import Session, select

from factory.data.models import Operation, Order, OrderLine, Product, Ticket, WorkCenter, Worker, utcnow
from factory.data.orders import lock_order, variants_of
from factory.domain.refusal import Refusal, Refused
from factory.printing.render import Badge, BundleLabel, RouteStep, WorkOrderTicket


def orders_by_numbers(*, session: Session, numbers: Sequence[str]) -> tuple[list[Order], list[str]]:
    """The orders in the order asked for, and the numbers that do not exist."""
    found = {o.number: o for o in session.exec(select(Order).where(Order.number.in_(list(numbers))))}
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


def order_tickets(*, session: Session, order_ids: Sequence[int]) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(Ticket.order_id.in_(list(order_ids)))
                             .order_by(Ticket.order_id, Ticket.bundle_no)))


@dataclass(frozen=True)
class BundleNumber:
    """How a bundle is called on paper: n of m, with a reissue keeping the number it replaces."""
    shown: int
    count: int
    reissue_no: int | None


def bundle_numbers(tickets: Sequence[Ticket]) -> dict[int, BundleNumber]:
    """For one order's tickets (all of them, void ones included): ticket id → its number on paper."""
    by_id = {t.id: t for t in tickets}
    count = sum(1 for t in tickets if t.replaces_id is None)
    numbers = {}
    for t in tickets:
        root, seen = t, set()
        while root.replaces_id is not None and root.replaces_id in by_id and root.id not in seen:
            seen.add(root.id)
            root = by_id[root.replaces_id]
        numbers[t.id] = BundleNumber(root.bundle_no, count, t.bundle_no if root is not t else None)
    return numbers


def bundle_labels(*, session: Session, orders: Sequence[Order], url_for: Callable[[Ticket], str],
                  copies: int = 0) -> tuple[list[BundleLabel], list[Ticket]]:
    """Labels for every ticket in force of `orders`, bundle by bundle, each followed by its copies."""
    products = {p.id: p for p in session.exec(select(Product).where(
        Product.id.in_({o.product_id for o in orders})))}
    tickets = order_tickets(session=session, order_ids=[o.id for o in orders])
    labels, printed = [], []
    for order in orders:
        own = [t for t in tickets if t.order_id == order.id]
        numbers = bundle_numbers(own)
        for ticket in own:
            if ticket.voided_at is None:
                label = label_for(ticket, order, products[order.product_id], numbers[ticket.id], url_for(ticket))
                labels.extend([label] * (1 + copies))
                printed.append(ticket)
    return labels, printed


def label_for(ticket: Ticket, order: Order, product: Product, number: BundleNumber, url: str) -> BundleLabel:
    return BundleLabel(url=url, order_number=order.number, bundle_no=number.shown, bundle_count=number.count,
                       quantity=ticket.quantity, color=ticket.color, size=ticket.size, product=product.name,
                       due=order.due.isoformat(), reissue_no=number.reissue_no)


def ticket_label(*, session: Session, ticket: Ticket, url: str) -> BundleLabel:
    order = session.get(Order, ticket.order_id)
    numbers = bundle_numbers(order_tickets(session=session, order_ids=[order.id]))
    return label_for(ticket, order, session.get(Product, order.product_id), numbers[ticket.id], url)


def count_printed(*, session: Session, tickets: Sequence[Ticket]) -> None:
    """One more print for each ticket, counted in the database (two printers at once both count)."""
    if tickets:
        session.exec(update(Ticket).where(Ticket.id.in_([t.id for t in tickets]))
                     .values(printed_count=Ticket.printed_count + 1))


def work_order_ticket(*, session: Session, order: Order, url: str, labels: dict[str, str],
                      printed: date | None = None) -> WorkOrderTicket:
    """Everything the work-order ticket shows; `labels` names the technique fields in the reader's language."""
    product = session.get(Product, order.product_id)
    steps = session.exec(select(Operation, WorkCenter).join(WorkCenter, WorkCenter.id == Operation.work_center_id)
                         .where(Operation.product_id == product.id).order_by(Operation.position)).all()
    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
    bundles = session.exec(select(func.count()).select_from(Ticket).where(
        Ticket.order_id == order.id, Ticket.voided_at.is_(None))).one()
    variants = variants_of(session=session, order=order, product=product)
    values = {"yarn": product.yarn, "colors": variants.colors, "stitch": product.stitch, "size": variants.sizes,
              "notes": product.notes}  # the ORDER's colours and sizes, never the product's usual ones
    technique = [(labels[name], values[name]) for name in ("yarn", "colors", "stitch", "size", "notes")]
    return WorkOrderTicket(
        url=url, number=order.number, customer=order.customer, product_code=product.code,
        product_name=product.name, quantity=order.quantity, due=order.due.isoformat(), priority=order.priority,
        technique=technique, breakdown=[(line.color, line.size, line.quantity) for line in lines],
        bundles=bundles, bundle_size=order.bundle_size,
        route=[RouteStep(op.name, wc.name) for op, wc in steps], notes=order.notes, photo=product.photo,
        printed=printed.isoformat() if printed else "")


def active_badges(*, session: Session, url_for: Callable[[Worker], str], workshop: str = "",
                  codes: list[str] | None = None) -> list[Badge]:
    """Badges of the active workers (only those with `codes` when given, e.g. a new badge)."""
    query = select(Worker).where(Worker.active).order_by(Worker.code)
    if codes:
        query = query.where(Worker.code.in_(codes))
    workers = session.exec(query).all()
    return [Badge(url_for(w), w.name, w.code, workshop) for w in workers]


def _locked(session: Session, token: str) -> Ticket | None:
    """The ticket, locked after its order (the fixed order every writer follows)."""
    ticket = session.exec(select(Ticket).where(Ticket.token == token)).first()
    if ticket is None:
        return None
    lock_order(session=session, order_id=ticket.order_id)
    return session.exec(select(Ticket).where(Ticket.id == ticket.id).with_for_update()
                        .execution_options(populate_existing=True)).first()


def void_ticket(*, session: Session, token: str) -> Ticket | None:
    """Mark the ticket void (idempotent); None if there is no such ticket. `session` is a write transaction."""
    ticket = _locked(session, token)
    if ticket is not None and ticket.voided_at is None:
        ticket.voided_at = utcnow()
        session.add(ticket)
    return ticket


def reissue_ticket(*, session: Session, token: str) -> Ticket | None:
    """Void the ticket and make its replacement with the same bundle; None if there is no such
    ticket, Refused (409) when it was replaced already. The order is locked (by `_locked`), so two
    reissues cannot take the same bundle number."""
    ticket = _locked(session, token)
    if ticket is None:
        return None
    existing = session.exec(select(Ticket).where(Ticket.replaces_id == ticket.id)).first()
    if existing is not None:
        raise Refused(Refusal("already_replaced", "ticket", {"no": existing.bundle_no}), status=409)
    last = session.exec(select(func.max(Ticket.bundle_no)).where(Ticket.order_id == ticket.order_id)).one()
    if ticket.voided_at is None:
        ticket.voided_at = utcnow()
        session.add(ticket)
    replacement = Ticket(order_id=ticket.order_id, bundle_no=(last or 0) + 1, color=ticket.color,
                         size=ticket.size, quantity=ticket.quantity, replaces_id=ticket.id,
                         bundle_id=ticket.bundle_key)
    session.add(replacement)
    session.flush()
    return replacement
