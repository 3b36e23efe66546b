"""The address phones use to reach the server: what QR codes on paper hold.

A QR code that holds `localhost` or 127.0.0.1 opens nothing on a worker's phone: those names mean
"this device". The office PC often opens the app at http://localhost:5000, so that address must
never reach paper by accident.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from factory.domain.refusal import Refusal

MAX_LENGTH = 200


def is_loopback(url: str) -> bool:
    """Whether `url` names this device only (localhost, 127.x.x.x, ::1, 0.0.0.0): no phone can open it."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def normalise(text: str) -> tuple[str | None, Refusal | None]:
    """An address as typed ("192.168.1.20:5000", "http://tracker.lan/") made canonical
    ("http://192.168.1.20:5000"), or the refusal saying what is wrong with it."""
    text = text.strip()
    if not text:
        return None, Refusal("address_missing", "address")
    if len(text) > MAX_LENGTH:
        return None, Refusal("address_invalid", "address", {"max": MAX_LENGTH})
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None, Refusal("address_invalid", "address", {"max": MAX_LENGTH})
    host = parts.hostname or ""
    if (parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment or parts.username
            or parts.password or parts.path.strip("/") or any(ch.isspace() for ch in text)):
        return None, Refusal("address_invalid", "address", {"max": MAX_LENGTH})
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}", None


def with_port(host: str, scheme: str, port: int | None) -> str:
    """The address of `host` as phones would type it, the port left out when it is the scheme's own."""
    default = 443 if scheme == "https" else 80
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port and port != default else "")
