"""Worker pages: the ticket a QR opens, the order sheet, the worker's own day."""
from __future__ import annotations

from flask import abort, g, render_template
from sqlmodel import select

from factory.access import worker_required
from factory.db import get_session
from factory.floor import bp
from factory.links import ticket_url
from factory.models import Order, Ticket
from factory.orders import order_view
from factory.workforce import work_centers_of


@bp.get("/t/<token>")
def ticket(token: str):
    """What a ticket's QR opens: the bundle, its technique and its progress."""
    found = get_session().exec(select(Ticket).where(Ticket.token == token)).first()
    if found is None:
        abort(404)
    view = order_view(session=get_session(), order=get_session().get(Order, found.order_id))
    return render_template("floor/ticket.html", ticket=found, view=view)


@bp.get("/o/<token>")
def order_sheet(token: str):
    """What the work order's QR opens: the order and a link to each bundle's ticket."""
    found = get_session().exec(select(Order).where(Order.token == token)).first()
    if found is None:
        abort(404)
    return render_template("floor/order_sheet.html", view=order_view(session=get_session(), order=found),
                           ticket_url=ticket_url)


@bp.get("/me")
@worker_required
def my_day():
    """The signed-in worker's own page."""
    return render_template("floor/me.html", worker=g.worker,
                           work_centers=work_centers_of(session=get_session(), worker=g.worker))
