"""Owner pages: the production board, the list of orders, one order."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from sqlmodel import select

from factory.access import owner_required
from factory.board import board_rows
from factory.db import get_session
from factory.desk import bp
from factory.links import ticket_url
from factory.models import Order, OrderStatus, Product
from factory.orders import order_by_number, order_view


@bp.get("/")
@owner_required
def board():
    """The live production board: every open order and how far it has come."""
    return render_template("desk/board.html", rows=board_rows(session=get_session()), today=date.today())


@bp.get("/orders")
@owner_required
def orders():
    """All orders, filtered by status and a search on number or customer."""
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    query = select(Order, Product).join(Product, Product.id == Order.product_id).order_by(Order.due.desc())
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == status)
    if q:
        query = query.where(Order.number.contains(q) | Order.customer.contains(q))
    return render_template("desk/orders.html", orders=get_session().exec(query.limit(500)).all(),
                           status=status, q=q, statuses=list(OrderStatus))


@bp.get("/orders/<number>")
@owner_required
def order(number: str):
    """Everything about one order: its route, tickets and progress."""
    found = order_by_number(session=get_session(), number=number)
    if found is None:
        abort(404)
    return render_template("desk/order.html", view=order_view(session=get_session(), order=found),
                           ticket_url=ticket_url)
