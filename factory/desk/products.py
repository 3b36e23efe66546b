"""Owner pages for products: their technique notes and photo, and the route of operations."""
from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from factory.web.access import owner_required
from factory.data.db import get_session
from factory.web.once import create_once
from factory.desk import bp
from factory.data.models import Operation, Product, WorkCenter
from factory.inputs import Code, Input, RequiredText, validate
from factory.data.workshop_setup import (ProductIn, Rejected, add_product, route_inputs, save_photo, save_product,
                                         save_route)

ROUTE_FIELDS = ("code", "name", "work_center", "minutes_per_piece", "setup_minutes", "piece_rate")


class NewProduct(Input):
    code: Code
    name: RequiredText


def find_product(code: str) -> Product:
    return get_session().exec(select(Product).where(Product.code == code)).first() or abort(404)


def product_page(product: Product, errors: dict, status: int = 200, route_rows: list[dict] | None = None):
    session = get_session()
    operations = list(session.exec(select(Operation).where(Operation.product_id == product.id)
                                   .order_by(Operation.position)))
    rows = route_rows if route_rows is not None else [{f: getattr(op, f if f != "work_center" else "work_center_id")
                                                       for f in ROUTE_FIELDS} for op in operations]
    return render_template("desk/product.html", product=product, errors=errors, route_rows=rows,
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
    new, errors = validate(NewProduct, {"code": request.form.get("code", ""), "name": request.form.get("name", "")})
    try:
        if errors:
            raise Rejected(errors)
        target = create_once(kind="product", key=request.form.get("once"),
                             create=lambda session: url_for("desk.product", code=add_product(
                                 session=session, code=new.code, name=new.name).code))
    except Rejected as rejected:
        session = get_session()
        return render_template("desk/products.html", products=session.exec(select(Product).order_by(Product.code)).all(),
                               routes={}, errors=rejected.errors, values=request.form), 422
    return redirect(target)



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
    try:
        if errors:
            raise Rejected(errors)
        save_route(session=get_session(), product=product, operations=operations)
    except Rejected as rejected:
        get_session().rollback()
        rows = [dict(zip(ROUTE_FIELDS, values)) for values in zip(*columns.values())]
        return product_page(product, rejected.errors, 422, route_rows=rows)
    return redirect(url_for("desk.product", code=product.code) + "#route")


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
