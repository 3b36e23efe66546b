"""JSON API for the desk: creating orders, listing products with their routes."""
from __future__ import annotations

from flask import request

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session, write_transaction
from factory.data.orders import create_order, order_by_number, order_json, order_view
from factory.data.pay import rate_histories
from factory.data.promises import promise_orders
from factory.data.workshop_setup import all_products, routes_by_product, work_centers
from factory.domain.pay import rate_on
from factory.domain.refusal import Refused
from factory.inputs import OrderIn, validate_json
from factory.web.access import owner_required
from factory.web.links import ticket_url
from factory.web.refusals import json_answer
from factory.web.workshop_time import workshop_today, workshop_zone


@bp.post("/orders")
@owner_required
def order_create():
    """Create an accepted order with its tickets; 422 names each bad field."""
    order_in, errors = validate_json(OrderIn, request.get_json(silent=True))
    if errors:
        return {"errors": errors}, 422
    try:
        with write_transaction() as session:  # orders are numbered one at a time
            created = create_order(session=session, order_in=order_in)
            promise_orders(session=session, order_ids=[created.id], today=workshop_today(), zone=workshop_zone())
            number = created.number
    except Refused as refused:
        return json_answer(refused)
    order = order_by_number(session=get_session(), number=number)
    body = order_json(order_view(session=get_session(), order=order), ticket_url=ticket_url)
    return answer(outputs.Order, body, 201, {"Location": f"/api/orders/{order.number}"})


@bp.get("/products")
@owner_required
def products():
    """Every product with its code, name and route (operations in order)."""
    session = get_session()
    centers = {wc.id: wc.code for wc in work_centers(session=session)}
    routes = routes_by_product(session=session)
    rates, today = rate_histories(session=session), workshop_today()
    return answer(outputs.Products, {"products": [{"code": p.code, "name": p.name, "active": p.active, "route": [
        {"code": op.code, "name": op.name, "work_center": centers[op.work_center_id],
         "minutes_per_piece": op.minutes_per_piece, "setup_minutes": op.setup_minutes,
         "piece_rate": str(rate_on(rates[op.id], today))} for op in routes.get(p.id, [])]}
        for p in all_products(session=session)]})
