"""Owner pages that change orders: new, edit before work starts, status moves, import from a file."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from factory.assess.views import verdict_label
from factory.data.db import get_session, write_transaction
from factory.data.inquiries import assess_inquiry, product_by_code
from factory.data.models import OrderStatus
from factory.data.order_edits import (
    CONFIRMED_MOVES,
    can_edit,
    has_scans,
    move_order,
    order_form_data,
    printed_tickets,
    update_order,
)
from factory.data.orders import create_order, order_by_number, order_refusals
from factory.data.promises import promise_orders
from factory.desk import bp
from factory.desk.order_forms import (
    BLANK_LINES,
    create_orders,
    form_values,
    order_input,
    product_choices,
    sign_import,
    unsign_import,
)
from factory.domain.refusal import Refused
from factory.files.order_import import field_label, parse_rows, problem, read_table
from factory.inputs import InquiryIn, validate
from factory.web.access import owner_required
from factory.web.confirm import confirm_page
from factory.web.i18n import select_locale
from factory.web.once import create_once
from factory.web.pages import page
from factory.web.refusals import errors as refusal_errors
from factory.web.refusals import explain
from factory.web.workshop_time import day_start_utc, workshop_today, workshop_zone


def order_verdict_for(values, order=None):
    """The capacity verdict for an order form's product, quantity and due date (the engine of "can
    we take it?", the order being edited left out of the booked load); None while they are incomplete."""
    inquiry, errors = validate(InquiryIn, {k: values.get(k) for k in ("product", "quantity", "due")
                                           if values.get(k) not in (None, "")})
    if errors:
        return None
    try:
        return assess_inquiry(session=get_session(), inquiry=inquiry, today=workshop_today(), lang=select_locale(),
                              exclude=order.number if order else None)
    except Refused:
        return None


def form_page(values: dict, errors: dict, order=None, status: int = 200, verdict=None, late: bool = False):
    rows = len(request.form.getlist("color")) if request.method == "POST" else 0
    blank = max(BLANK_LINES, rows) - len(values.get("lines") or []) + (1 if request.form.get("add_line") else 0)
    return render_template("desk/order_form.html", values=values, errors=errors, order=order,
                           blank_lines=max(blank, 1), verdict=verdict, late=late, verdict_label=verdict_label,
                           products=product_choices(session=get_session()),
                           printed=printed_tickets(session=get_session(), order_id=order.id) if order else 0), status


@bp.route("/orders/new", methods=["GET", "POST"])
@owner_required
def order_new():
    """A new order (accepted, or kept as a draft), split into bundle tickets."""
    if request.method == "GET":
        return form_page(form_values(), {})
    if request.form.get("add_line"):  # one more colour/size row; nothing is saved yet
        return form_page(order_input(request.form)[2], {})
    order_in, errors, raw = order_input(request.form)
    if order_in is None:
        return form_page(raw, errors, status=422)
    if not request.form.get("draft") and (late := _too_late(order_in, raw)):
        return form_page(raw, {}, status=409, verdict=late, late=True)
    status = OrderStatus.draft.value if request.form.get("draft") else OrderStatus.accepted.value
    def create(session) -> str:
        order = create_order(session=session, order_in=order_in, status=status)
        promise_orders(session=session, order_ids=[order.id], today=workshop_today(), zone=workshop_zone())
        return url_for("desk.order", number=order.number)

    try:  # orders are numbered one at a time, in the write transaction that claims the form's key
        target = create_once(kind="order", key=request.form.get("once"), create=create)
    except Refused as refused:
        return form_page(raw, refusal_errors(refused), status=422)
    return redirect(target)


def _too_late(order_in, values: dict, order=None):
    """The verdict when the order cannot be made by its due date and the owner has not chosen
    "save anyway" on the form that showed it; else None. An order with other faults is left to
    the save, which names them by field."""
    product = product_by_code(session=get_session(), code=order_in.product)
    if request.form.get("save_anyway") or order_refusals(order_in, product):
        return None
    verdict = order_verdict_for(values, order)
    return verdict if verdict and verdict.assessment["verdict"] == "infeasible" else None


@bp.get("/orders/verdict")
@owner_required
def order_verdict():
    """The verdict for the order form as it is filled in (htmx, before saving); `number`: the
    order being edited."""
    number = request.args.get("number", "")
    order = order_by_number(session=get_session(), number=number) if number else None
    return page("desk/_order_verdict_body.html", verdict=order_verdict_for(request.args, order), late=False,
                verdict_label=verdict_label, order=order)


@bp.route("/orders/<number>/edit", methods=["GET", "POST"])
@owner_required
def order_edit(number: str):
    """Edit an order before any piece is logged; its tickets are split again."""
    session = get_session()
    order = order_by_number(session=session, number=number) or abort(404)
    if not can_edit(order.status, has_scans(session=session, order_id=order.id)):
        abort(409, _("Work on this order has started; it can no longer be edited."))
    if request.method == "GET":
        return form_page(form_values(order_form_data(session=session, order=order)), {}, order)
    if request.form.get("add_line"):
        return form_page(order_input(request.form)[2], {}, order)
    order_in, errors, raw = order_input(request.form)
    if order_in is None:
        return form_page(raw, errors, order, status=422)
    if order.status != OrderStatus.draft.value and (late := _too_late(order_in, raw, order)):
        return form_page(raw, {}, order, status=409, verdict=late, late=True)
    try:
        with write_transaction() as session:
            update_order(session=session, order=order, order_in=order_in)
    except Refused as refused:
        if refused.status == 409:
            abort(409, explain(refused.refusal))
        return form_page(raw, refusal_errors(refused), order, status=422)
    return redirect(url_for("desk.order", number=order.number))


@bp.get("/orders/<number>/status/confirm")
@owner_required
def order_status_confirm(number: str):
    """Asks once before cancelling or shipping an order, naming what follows and how to undo it."""
    order = order_by_number(session=get_session(), number=number) or abort(404)
    target = request.args.get("status", "")
    if target not in CONFIRMED_MOVES:
        abort(404)
    back = url_for("desk.order", number=order.number)
    if target == "cancelled":
        return confirm_page(
            question=_("Cancel order %(number)s?", number=order.number), back=back,
            consequences=[_("It leaves the board and its tickets no longer take scans; pieces already logged "
                            "stay in the records and in pay."),
                          _("You can reopen it later from this order's page.")],
            action=url_for("desk.order_status", number=order.number), fields={"status": target},
            button=_("Yes, cancel the order"))
    return confirm_page(
        question=_("Mark order %(number)s shipped?", number=order.number), back=back,
        consequences=[_("It leaves the board as delivered and its tickets no longer take scans."),
                      _("You can undo this today only, from this order's page.")],
        action=url_for("desk.order_status", number=order.number), fields={"status": target},
        button=_("Yes, mark it shipped"), danger=False)


@bp.post("/orders/<number>/status")
@owner_required
def order_status(number: str):
    """Accept, finish, ship or cancel an order (only the moves the table allows), reopen a cancelled
    one, or take back a shipment made today."""
    order = order_by_number(session=get_session(), number=number) or abort(404)
    try:
        with write_transaction() as session:
            move_order(session=session, order=order, target=request.form.get("status", ""),
                       day_start=day_start_utc(workshop_today(), workshop_zone()))
            promise_orders(session=session, order_ids=[order.id], today=workshop_today(), zone=workshop_zone())
    except Refused as refused:
        abort(409, explain(refused.refusal))
    return redirect(url_for("desk.order", number=order.number))


@bp.route("/orders/import", methods=["GET", "POST"])
@owner_required
def order_import():
    """Upload an .xlsx or .csv file of orders: every row is checked and shown; nothing is saved yet."""
    if request.method == "GET":
        return render_template("desk/import.html", rows=None, problem=None)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise problem("file_missing")
        codes = {p.code for p in product_choices(session=get_session())}
        rows = parse_rows(read_table(upload.filename, upload.read()), codes)
    except Refused as refused:
        words = explain(refused.refusal)
        named = _("%(file)s: %(problem)s", file=upload.filename, problem=words) if upload and upload.filename \
            else words
        return render_template("desk/import.html", rows=None, problem=named), 422
    good = all(row.order_in for row in rows)
    token = sign_import([row.order_in for row in rows]) if good else None
    return render_template("desk/import.html", rows=rows, problem=None, token=token, field_label=field_label,
                           filename=upload.filename), 200 if good else 422


@bp.post("/orders/import/confirm")
@owner_required
def order_import_confirm():
    """Save the orders of a previewed import, all or none."""
    signed = unsign_import(request.form.get("token", ""))
    if signed is None:
        return render_template("desk/import.html", rows=None,
                               problem=_("This import has expired. Upload the file again.")), 422
    orders, key = signed
    try:  # all or nothing, numbered one at a time; the signed key makes a second click answer the first
        numbers = create_once(kind="import", key=key, create=lambda session: ", ".join(
            create_orders(db=session, orders=orders))).split(", ")
    except Refused as refused:
        return render_template("desk/import.html", rows=None,
                               problem="; ".join(refusal_errors(refused).values())), 422
    flash(ngettext("%(num)s order imported: %(numbers)s", "%(num)s orders imported: %(numbers)s", len(numbers),
                   numbers=", ".join(numbers)))
    return redirect(url_for("desk.orders"))
