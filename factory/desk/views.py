"""Owner pages: the production board, the list of orders with its export, one order."""
from __future__ import annotations

from flask import Response, abort, request

from factory.data.board import board_rows
from factory.data.db import get_session
from factory.data.floor import share_links
from factory.data.models import OrderStatus
from factory.data.order_edits import CONFIRMED_MOVES, can_edit, has_scans, order_moves
from factory.data.orders import order_by_number, order_view
from factory.desk import bp
from factory.desk.order_data import find_orders, order_details, search_from_args
from factory.files.spreadsheets import XLSX, orders_workbook
from factory.web.access import owner_required
from factory.web.links import share_url, ticket_url
from factory.web.pages import page
from factory.web.workshop_time import day_start_utc, workshop_today, workshop_zone


@bp.get("/orders")
@owner_required
def orders():
    """All orders, filtered by status, customer or number, and due date range."""
    search, errors = search_from_args(request.args)
    found = find_orders(session=get_session(), search=search) if not errors else []
    return page("desk/orders.html", "desk/_orders_table.html", status=422 if errors else 200, orders=found,
                search=search, errors=errors, statuses=list(OrderStatus), args=request.args)


@bp.get("/orders/export.xlsx")
@owner_required
def orders_export():
    """Orders of the chosen status (open ones by default) with their progress, as an Excel file."""
    status = request.args.get("status", "")
    statuses = [s for s in OrderStatus if s.value == status] or None
    rows = board_rows(session=get_session(), today=workshop_today(),
                      **({"statuses": statuses} if statuses else {}))
    return Response(orders_workbook(rows), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=orders-{workshop_today().isoformat()}.xlsx"})


@bp.get("/orders/<number>")
@owner_required
def order(number: str):
    """Everything about one order: tickets and progress, the scan timeline, defects, plan against actual."""
    found = order_by_number(session=get_session(), number=number) or abort(404)
    session = get_session()
    scanned = has_scans(session=session, order_id=found.id)
    return page("desk/order.html", view=order_view(session=session, order=found), ticket_url=ticket_url,
                details=order_details(session=session, order=found, today=workshop_today()),
                moves=order_moves(found, scanned=scanned, day_start=day_start_utc(workshop_today(), workshop_zone())),
                confirmed_moves=CONFIRMED_MOVES, editable=can_edit(found.status, scanned),
                share_links=share_links(session=session, order=found), share_url=share_url)
