"""JSON API views: workers and orders (read)."""
from __future__ import annotations

from flask import abort, request

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session
from factory.data.models import OrderStatus
from factory.data.orders import order_by_number, order_json, order_view, orders_summary_json, orders_with_products
from factory.data.workforce import workers_with_centers
from factory.web.access import owner_required
from factory.web.links import badge_url, ticket_url


@bp.get("/workers")
@owner_required
def workers():
    """Every worker with their work centers and badge link."""
    return answer(outputs.Workers, {"workers": [
        {"code": w.code, "name": w.name, "active": w.active, "work_centers": [wc.code for wc in centers],
         "badge_url": badge_url(w)} for w, centers in workers_with_centers(session=get_session())]})


@bp.get("/orders")
@owner_required
def orders():
    """Orders, newest first; `?status=accepted` filters."""
    status = request.args.get("status")
    if status is not None and status not in {s.value for s in OrderStatus}:
        return {"errors": {"status": f"one of {', '.join(s.value for s in OrderStatus)}"}}, 422
    rows = orders_with_products(session=get_session(), statuses=[status] if status else None)
    return answer(outputs.Orders, {"orders": [orders_summary_json(o, p) for o, p in rows]})


@bp.get("/orders/<order_number:number>")
@owner_required
def order(number: str):
    """One order with its operations and tickets, progress included."""
    found = order_by_number(session=get_session(), number=number)
    if found is None:
        abort(404)
    return answer(outputs.Order, order_json(order_view(session=get_session(), order=found), ticket_url=ticket_url))
