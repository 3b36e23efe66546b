"""Owner pages for products: their technique notes and photo, and the route of operations."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from factory.data.db import get_session, write_transaction
from factory.data.measured import ENOUGH_SAMPLES, auto_measured, operation_rates
from factory.data.models import Product
from factory.data.orders import route_of
from factory.data.pay import closed_through, rate_entries, rate_histories, set_rate
from factory.data.workshop_setup import (
    add_product,
    all_products,
    product_by_code,
    routes_by_product,
    save_photo,
    save_product,
    save_route,
    work_centers,
)
from factory.desk import bp
from factory.domain.pay import rate_on
from factory.domain.refusal import Refusal, Refused
from factory.inputs import NewProductIn, OperationIn, ProductIn, validate
from factory.web.access import owner_required
from factory.web.once import create_once
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today, workshop_zone

ROUTE_FIELDS = ("code", "name", "work_center", "minutes_per_piece", "setup_minutes", "piece_rate")


def find_product(code: str) -> Product:
    return product_by_code(session=get_session(), code=code) or abort(404)


def product_page(product: Product, errors: dict, status: int = 200, route_rows: list[dict] | None = None,
                 values: dict | None = None):
    session, today = get_session(), workshop_today()
    operations = route_of(session=session, product_id=product.id)
    histories = rate_histories(session=session, operation_ids={op.id for op in operations})
    rows = route_rows if route_rows is not None else [
        {**{f: getattr(op, f if f != "work_center" else "work_center_id") for f in ROUTE_FIELDS},
         "piece_rate": rate_on(histories[op.id], today)} for op in operations]
    rates = [(op, rate_entries(session=session, operation_id=op.id) or None) for op in operations]
    measured = operation_rates(session=session, today=today, zone=workshop_zone(), operations=operations)
    return render_template("desk/product.html", product=product, errors=errors, route_rows=rows, rates=rates,
                           measured=measured, auto_measured=auto_measured(session=session),
                           enough_samples=ENOUGH_SAMPLES,
                           today=today, values=values or {}, closed_through=closed_through(session=session),
                           centers=work_centers(session=session)), status


@bp.get("/products")
@owner_required
def products():
    """Every product with its route at a glance."""
    session = get_session()
    return render_template("desk/products.html", products=all_products(session=session),
                           routes=routes_by_product(session=session), errors={}, values={})


@bp.post("/products")
@owner_required
def product_new():
    """Add a product by code and name; its details and route are filled in on its own page."""
    session = get_session()
    new, errors = validate(NewProductIn, {"code": request.form.get("code", ""), "name": request.form.get("name", "")})
    if errors:
        return render_template("desk/products.html", products=all_products(session=session),
                               routes=routes_by_product(session=session), errors=errors, values=request.form), 422
    try:
        target = create_once(kind="product", key=request.form.get("once"),
                             create=lambda session: url_for("desk.product", code=add_product(
                                 session=session, code=new.code, name=new.name).code))
    except Refused as refused:
        return render_template("desk/products.html", products=all_products(session=session),
                               routes=routes_by_product(session=session), errors=refusal_errors(refused),
                               values=request.form), 422
    return redirect(target)


@bp.route("/products/<code>", methods=["GET", "POST"])
@owner_required
def product(code: str):
    """A product's technique notes and photo."""
    product = find_product(code)
    if request.method == "GET":
        return product_page(product, {})
    product_in, errors = validate(ProductIn, {k: request.form.get(k, "") for k in ProductIn.model_fields})
    if errors:
        return product_page(product, errors, 422)
    photo = request.files.get("photo")
    try:
        with write_transaction() as session:
            if photo and photo.filename:
                save_photo(session=session, product=product, data=photo.read())
            save_product(session=session, product=product, product_in=product_in)
    except Refused as refused:
        return product_page(product, refusal_errors(refused), 422)
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
            raise Refused(*errors)
        with write_transaction() as session:
            save_route(session=session, product=product, operations=operations, rates_from=rates_from,
                       by=g.user.username)
    except Refused as refused:
        rows = [dict(zip(ROUTE_FIELDS, values)) for values in zip(*columns.values())]
        found = {"rates_from" if k == "effective_from" else k: v for k, v in refusal_errors(refused).items()}
        return product_page(product, found, refused.status, route_rows=rows, values=request.form)
    return redirect(url_for("desk.product", code=product.code) + "#route")


def _day(raw: str, errors: list[Refusal], field: str) -> date:
    """A date field (today when left empty); a bad one adds a refusal naming `field`."""
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else workshop_today()
    except ValueError:
        errors.append(Refusal("message", field, {"text": _("Enter a date as YYYY-MM-DD.")}))
        return workshop_today()


@bp.post("/products/<code>/rates")
@owner_required
def operation_rate(code: str):
    """A new piece rate for one operation from a date; the pay of earlier work keeps its rate."""
    product = find_product(code)
    errors: list[Refusal] = []
    wanted = request.form.get("operation", "")
    op = next((o for o in route_of(session=get_session(), product_id=product.id) if o.code == wanted), None)
    if op is None:
        errors.append(Refusal("message", "operation", {"text": _("Choose an operation.")}))
    try:
        rate = Decimal(request.form.get("piece_rate", "").strip())
        if not rate.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.append(Refusal("message", "piece_rate", {"text": _("Enter a number.")}))
    effective_from = _day(request.form.get("effective_from", ""), errors, "effective_from")
    try:
        if errors:
            raise Refused(*errors)
        with write_transaction() as session:
            set_rate(session=session, operation=session.get(type(op), op.id), rate=rate,
                     effective_from=effective_from, by=g.user.username)
    except Refused as refused:
        return product_page(product, {f"rate_{k}": v for k, v in refusal_errors(refused).items()},
                            refused.status, values=request.form)
    return redirect(url_for("desk.product", code=product.code) + "#rates", 303)


def route_inputs(columns: dict[str, list[str]]) -> tuple[list[OperationIn], list[Refusal]]:
    """Operations from the route form's columns (one list per field); blank rows are skipped.
    Refusals name `<row>.<field>` (rows from 0)."""
    operations: list[OperationIn] = []
    errors: list[Refusal] = []
    count = max((len(v) for v in columns.values()), default=0)
    for i in range(count):
        row = {k: (v[i] if i < len(v) else "") for k, v in columns.items()}
        if not any(str(x).strip() for x in row.values()):
            continue
        op, row_errors = validate(OperationIn, row)
        errors += [Refusal("message", f"{i}.{k}", {"text": v}) for k, v in row_errors.items()]
        if op:
            operations.append(op)
    codes = [op.code for op in operations]
    if not errors:
        for i, code in enumerate(codes):
            if codes.count(code) > 1:
                errors.append(Refusal("operation_code_twice", f"{i}.code"))
                break
        if not operations:
            errors.append(Refusal("route_empty", "route"))
    return operations, errors


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
