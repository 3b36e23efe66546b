"""Owner pages for products: their technique notes and photo, and the route of operations."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from factory.web.access import owner_required
from factory.data.db import get_session, write_transaction
from factory.data.pay import closed_through, rate_entries, rate_histories, set_rate
from factory.domain.pay import rate_on
from factory.domain.refusal import Refused
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today
from factory.desk import bp
from factory.data.models import Operation, Product, WorkCenter
from factory.inputs import Code, Input, RequiredText, validate
from factory.data.workshop_setup import ProductIn, Rejected, route_inputs, save_photo, save_product, save_route

ROUTE_FIELDS = ("code", "name", "work_center", "minutes_per_piece", "setup_minutes", "piece_rate")


class NewProduct(Input):
    code: Code
    name: RequiredText


def find_product(code: str) -> Product:
    return get_session().exec(select(Product).where(Product.code == code)).first() or abort(404)


def product_page(product: Product, errors: dict, status: int = 200, route_rows: list[dict] | None = None,
                 values: dict | None = None):
    session, today = get_session(), workshop_today()
    operations = list(session.exec(select(Operation).where(Operation.product_id == product.id)
                                   .order_by(Operation.position)))
    histories = rate_histories(session=session, operation_ids={op.id for op in operations})
    rows = route_rows if route_rows is not None else [
        {**{f: getattr(op, f if f != "work_center" else "work_center_id") for f in ROUTE_FIELDS},
         "piece_rate": rate_on(histories[op.id], today)} for op in operations]
    rates = [(op, rate_entries(session=session, operation_id=op.id) or None) for op in operations]
    return render_template("desk/product.html", product=product, errors=errors, route_rows=rows, rates=rates,
                           today=today, values=values or {}, closed_through=closed_through(session=session),
                           centers=session.exec(select(WorkCenter).order_by(WorkCenter.position)).all()), status


@bp.get("/products")
@owner_required
def products():
    """Every product with its route at a glance."""
    session = get_session()
    routes: dict[int, list[Operation]] = {}
    for op in session.exec(select(Operation).order_by(Operation.product_id, Operation.position)):
        routes.setdefault(op.product_id, []).append(op)
    return render_template("desk/products.html", products=session.exec(select(Product).order_by(Product.code)).all(),
                           routes=routes, errors={}, values={})


@bp.post("/products")
@owner_required
def product_new():
    """Add a product by code and name; its details and route are filled in on its own page."""
    session = get_session()
    new, errors = validate(NewProduct, {"code": request.form.get("code", ""), "name": request.form.get("name", "")})
    if new and session.exec(select(Product).where(Product.code == new.code)).first():
        errors = {"code": _("A product with this code exists already.")}
    if errors:
        return render_template("desk/products.html", products=session.exec(select(Product).order_by(Product.code)).all(),
                               routes={}, errors=errors, values=request.form), 422
    session.add(Product(code=new.code, name=new.name))
    session.commit()
    return redirect(url_for("desk.product", code=new.code))


@bp.route("/products/<code>", methods=["GET", "POST"])
@owner_required
def product(code: str):
    """A product's technique notes and photo."""
    product = find_product(code)
    if request.method == "GET":
        return product_page(product, {})
    product_in, errors = validate(ProductIn, {k: request.form.get(k, "") for k in ProductIn.model_fields})
    photo = request.files.get("photo")
    try:
        if errors:
            raise Rejected(errors)
        if photo and photo.filename:
            save_photo(session=get_session(), product=product, data=photo.read())
        save_product(session=get_session(), product=product, product_in=product_in)
    except Rejected as rejected:
        get_session().rollback()
        return product_page(product, rejected.errors, 422)
    return redirect(url_for("desk.product", code=product.code))


@bp.post("/products/<code>/route")
@owner_required
def product_route(code: str):
    """Replace the product's route: operations with work center, minutes, setup and piece rate."""
    product = find_product(code)
    columns = {f: request.form.getlist(f) for f in ROUTE_FIELDS}
    operations, errors = route_inputs(columns)
    rates_from = _day(request.form.get("rates_from", ""), errors, "rates_from")
    try:
        if errors:
            raise Rejected(errors)
        save_route(session=get_session(), product=product, operations=operations, rates_from=rates_from,
                   by=g.user.username)
    except (Rejected, Refused) as rejected:
        get_session().rollback()
        rows = [dict(zip(ROUTE_FIELDS, values)) for values in zip(*columns.values())]
        found = rejected.errors if isinstance(rejected, Rejected) else {
            "rates_from" if k == "effective_from" else k: v for k, v in refusal_errors(rejected).items()}
        return product_page(product, found, 422 if isinstance(rejected, Rejected) else rejected.status,
                            route_rows=rows, values=request.form)
    return redirect(url_for("desk.product", code=product.code) + "#route")


def _day(raw: str, errors: dict, field: str) -> date:
    """A date field (today when left empty); a bad one adds an error under `field`."""
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else workshop_today()
    except ValueError:
        errors[field] = _("Enter a date as YYYY-MM-DD.")
        return workshop_today()


@bp.post("/products/<code>/rates")
@owner_required
def operation_rate(code: str):
    """A new piece rate for one operation from a date; the pay of earlier work keeps its rate."""
    product = find_product(code)
    errors: dict = {}
    code_in = request.form.get("operation", "")
    op = None if "\x00" in code_in else get_session().exec(select(Operation).where(
        Operation.product_id == product.id, Operation.code == code_in)).first()
    if op is None:
        errors["operation"] = _("Choose an operation.")
    try:
        rate = Decimal(request.form.get("piece_rate", "").strip())
    except InvalidOperation:
        errors["piece_rate"] = _("Enter a number.")
    effective_from = _day(request.form.get("effective_from", ""), errors, "effective_from")
    try:
        if errors:
            raise Rejected(errors)
        with write_transaction() as session:
            set_rate(session=session, operation=session.get(Operation, op.id), rate=rate,
                     effective_from=effective_from, by=g.user.username)
    except Rejected as rejected:
        return product_page(product, {f"rate_{k}": v for k, v in rejected.errors.items()}, 422,
                            values=request.form)
    except Refused as refused:
        return product_page(product, {f"rate_{k}": v for k, v in refusal_errors(refused).items()},
                            refused.status, values=request.form)
    get_session().rollback()
    return redirect(url_for("desk.product", code=product.code) + "#rates", 303)


@bp.get("/products/<code>/photo")
def product_photo(code: str):
    """The product's photo, for the owner and for signed-in workers (the ticket page may show it)."""
    if g.get("user") is None and g.get("worker") is None:
        abort(401)
    product = find_product(code)
    if not product.photo:
        abort(404)
    return Response(product.photo, mimetype=product.photo_type or "image/jpeg",
                    headers={"Cache-Control": "private, max-age=300"})
