"""The server's time when a worker's page was served, signed. A scan the phone kept offline carries
its tap time on the server's clock; the signed served time is the earliest that tap can be (the
phone cannot have tapped on a page before it had it), so a tap time cannot be moved back by
editing the page: a served time without a valid seal, or sealed for another worker, is ignored
and the scan counts as worked when it arrived."""
from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, Signer


def _signer() -> Signer:
    return Signer(current_app.secret_key, salt="factory.served-time")


def seal(*, worker: str, ms: int) -> str:
    return _signer().get_signature(f"{worker}:{ms}").decode()


def sealed_time(*, worker: str, ms: int | None, signature: str | None) -> datetime | None:
    """The served time if its seal is right for this worker, else None."""
    if ms is None or not signature:
        return None
    try:
        expected = _signer().get_signature(f"{worker}:{ms}").decode()
    except BadSignature:
        return None
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
