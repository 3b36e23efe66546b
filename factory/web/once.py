"""Creating once: run a create in the one write transaction together with the claim of its form's
one-time key, and answer a repeat (a double click, a resend, the loser of two parallel submits)
with the first result."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from factory.data.db import write_transaction
from factory.data.models import OnceKey
from factory.data.once import claim, settle, valid_key


def create_once(*, kind: str, key: object, create: Callable[[Session], str]) -> str:
    """`create(session)` returns the result to keep (e.g. where to redirect); with a valid `key`
    it runs once per key, and every later call returns that first result. Exceptions from
    `create` roll everything back, the claim too, so a refused form can be sent again."""
    key = valid_key(key)
    try:
        with write_transaction() as session:
            if key is not None:
                earlier = claim(session=session, key=key, kind=kind)
                if earlier is not None:
                    return earlier.result
            result = create(session)
            if key is not None:
                settle(session=session, key=key, result=result)
            return result
    except IntegrityError:
        if key is None:
            raise
        with write_transaction() as session:  # a parallel submit with this key committed first
            earlier = session.get(OnceKey, key)
            if earlier is None:
                raise
            return earlier.result
