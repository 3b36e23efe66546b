"""Public links printed in QR codes and returned by the API."""
from __future__ import annotations

from flask import current_app, request, url_for

from factory.data.models import Order, Ticket, Worker


def public_url(endpoint: str, **values) -> str:
    """An absolute URL: BASE_URL when set (the LAN address printed on tickets), else this request's host."""
    base = current_app.config.get("BASE_URL")
    path = url_for(endpoint, **values)
    if base:
        return base + path
    return request.host_url.rstrip("/") + path


def ticket_url(ticket: Ticket) -> str:
    return public_url("floor.ticket", token=ticket.token)


def badge_url(worker: Worker) -> str:
    return public_url("auth.badge", token=worker.badge_token)


def order_url(order: Order) -> str:
    return public_url("floor.order_sheet", token=order.token)


def share_url(link) -> str:
    """A customer's read-only status link (its own token, never the work order's)."""
    return public_url("floor.shared_status", token=link.token)
