"""Reading the order form and the import upload; keeping an import's rows signed between the
preview and the owner's confirmation."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, select

from factory.data.models import Product
from factory.data.once import new_key, valid_key
from factory.data.orders import create_order
from factory.data.promises import promise_orders
from factory.inputs import OrderIn, form_lines, validate
from factory.web.workshop_time import workshop_today, workshop_zone

BLANK_LINES = 3
IMPORT_SALT = "order-import"
IMPORT_MAX_AGE = 3600


def order_input(form) -> tuple[OrderIn | None, dict[str, str], dict]:
    """The order form as an input model; also the raw values to show again on errors."""
    lines = form_lines(form)
    data = {k: form.get(k, "") for k in ("customer", "product", "quantity", "due", "priority", "notes")}
    data["bundle_size"] = form.get("bundle_size", "").strip() or None
    data["priority"] = data["priority"] or 0
    data["lines"] = lines
    order_in, errors = validate(OrderIn, data)
    return order_in, errors, data


def form_values(order_in: OrderIn | None = None) -> dict:
    if order_in is None:
        return {"priority": 0, "lines": []}
    data = order_in.model_dump(mode="json")
    data["bundle_size"] = data["bundle_size"] or ""
    return data


def product_choices(*, session: Session) -> list[Product]:
    return list(session.exec(select(Product).where(Product.active).order_by(Product.code)))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=IMPORT_SALT)


def sign_import(orders: list[OrderIn]) -> str:
    """The checked orders, signed, for the confirm form, with a one-time key: saving claims it in
    the database, so the confirmation creates the orders once however often it is sent."""
    return _serializer().dumps({"once": new_key(), "orders": [o.model_dump(mode="json") for o in orders]})


def unsign_import(token: str) -> tuple[list[OrderIn], str] | None:
    """The orders signed at preview and their one-time key; None when tampered or expired."""
    try:
        payload = _serializer().loads(token, max_age=IMPORT_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not valid_key(payload.get("once")):
        return None
    orders = [validate(OrderIn, data)[0] for data in payload.get("orders", [])]
    return (orders, payload["once"]) if orders and all(orders) else None


def create_orders(*, db: Session, orders: list[OrderIn]) -> list[str]:
    """Create every order in the caller's transaction (all or nothing: the caller commits or, on
    an exception, rolls back); returns their numbers."""
    created = [create_order(session=db, order_in=o) for o in orders]
    promise_orders(session=db, order_ids=[o.id for o in created], today=workshop_today(), zone=workshop_zone())
    db.flush()
    return [o.number for o in created]
