"""One-time keys of create forms: claimed in the transaction that creates, so a double click, a
resent form or a replayed request creates once and is answered with the first result."""
from __future__ import annotations

import re
import secrets

from sqlmodel import Session

from factory.data.models import OnceKey

KEY = re.compile(r"[A-Za-z0-9_-]{8,40}")


def new_key() -> str:
    """A fresh key for a form."""
    return secrets.token_urlsafe(16)


def valid_key(value: object) -> str | None:
    """The submitted key, or None when there is none (a form without one creates every time)."""
    return value if isinstance(value, str) and KEY.fullmatch(value) else None


def claim(*, session: Session, key: str, kind: str) -> OnceKey | None:
    """Claim `key` in the caller's write transaction: the earlier claim when it was used already
    (its result answers the repeat), else None and the key is ours until the transaction ends.
    A concurrent claim of the same key waits on the primary key and fails with IntegrityError
    when this one commits."""
    earlier = session.get(OnceKey, key)
    if earlier is not None:
        return earlier
    session.add(OnceKey(key=key, kind=kind))
    session.flush()
    return None


def settle(*, session: Session, key: str, result: str) -> None:
    """Keep what the create answered, for the repeats."""
    claimed = session.get(OnceKey, key)
    claimed.result = result[:500]
    session.add(claimed)
