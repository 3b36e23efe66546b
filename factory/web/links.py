"""Public links printed in QR codes and returned by the API, and the address phones use.

The address comes, first found: the `BASE_URL` setting of the server (environment), the address
the owner chose on the page `/print/address` (kept in the database), else the address this
request came in on, which on the office PC is often http://localhost:5000. Paper must never carry
that last kind: `loopback_problem` says when it would, and the print views refuse (until the owner
insists) instead of printing QR codes no phone can open.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass

from flask import current_app, g, request, url_for

from factory.data.app_settings import phone_address
from factory.data.db import get_session
from factory.data.models import Order, Ticket, Worker
from factory.domain.addresses import is_loopback, with_port

INSIST = "insist"  # ?insist=1: print QR codes that hold a loopback address anyway


@dataclass(frozen=True)
class PublicBase:
    address: str  # e.g. http://192.168.1.20:5000, no trailing slash
    source: str  # "env" (BASE_URL), "setting" (the owner's page) or "request" (this request's own host)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.address)


def public_base() -> PublicBase:
    """The address QR codes and API links hold, read once per request."""
    found = g.get("_public_base")
    if found is None:
        env = current_app.config.get("BASE_URL")
        saved = None if env else phone_address(session=get_session())
        if env:
            found = PublicBase(env, "env")
        elif saved:
            found = PublicBase(saved, "setting")
        else:
            found = PublicBase(request.host_url.rstrip("/"), "request")
        g._public_base = found
    return found


def public_url(endpoint: str, **values) -> str:
    """An absolute URL at the address phones use (see `public_base`)."""
    return public_base().address + url_for(endpoint, **values)


def ticket_url(ticket: Ticket) -> str:
    return public_url("floor.ticket", token=ticket.token)


def badge_url(worker: Worker) -> str:
    return public_url("auth.badge", token=worker.badge_token)


def order_url(order: Order) -> str:
    return public_url("floor.order_sheet", token=order.token)


def insisted() -> bool:
    return request.args.get(INSIST) == "1" or request.form.get(INSIST) == "1"


def loopback_problem() -> PublicBase | None:
    """The address, when QR codes printed now would hold one that names this computer only and the
    owner has not insisted; None when printing may go ahead. Every view that prints a QR asks."""
    base = public_base()
    return base if base.loopback and not insisted() else None


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that phones on the same network can reach."""
    found = set()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # No packet is sent: connecting a UDP socket only picks the outgoing interface.
            probe.connect(("10.255.255.255", 1))
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127.") and a != "0.0.0.0")


def address_choices() -> list[str]:
    """The addresses phones could use: each LAN address of this server, with the port and scheme this
    request came in on (the office PC's browser reached the app there, so phones can too)."""
    port = request.host.rsplit(":", 1)[1] if ":" in request.host.rsplit("]", 1)[-1] else None
    return [with_port(address, request.scheme, int(port) if port and port.isdigit() else None)
            for address in lan_addresses()]

def share_url(link) -> str:
    """A customer's read-only status link (its own token, never the work order's)."""
    return public_url("floor.shared_status", token=link.token)
