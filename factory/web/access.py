"""Who is asking: the owner (password session or API token), a worker (badge cookie), or nobody.

Each view declares the role it needs with `owner_required` or `worker_required`.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from factory.data.db import get_session, single_read_connection
from factory.data.models import ApiToken, User, Worker, utcnow


def init_app(app: Flask) -> None:
    app.before_request(load_identity)
    app.context_processor(lambda: {"current_user": g.get("user"), "current_worker": g.get("worker")})


def load_identity() -> None:
    """Set g.user (a User signed in by password, or a TokenHolder for an API token) and g.worker
    (a badge cookie)."""
    g.user = None
    g.worker = None
    g.via_token = False
    if request.path.startswith("/api/"):
        # Bearer tokens are for the API only: a leaked scanner token must not open the owner's
        # pages (where it could mint a new token and outlive its own revocation).
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            # One statement on a connection of its own: no transaction is opened on the request's
            # session, which a scan would only have to end before its write.
            with single_read_connection() as connection:
                g.user = user_for_token(connection=connection, token=header[7:].strip())
            g.via_token = g.user is not None
        return
    if "user_id" in session and not _owner_session_expired():
        user = get_session().get(User, session["user_id"])
        if user is not None and session.get("generation") == user.session_generation:
            g.user = user
    if "worker_id" in session:
        worker = get_session().get(Worker, session["worker_id"])
        # A new badge token (lost phone, left the workshop) signs the old phone out.
        if worker and worker.active and session.get("badge") == badge_fingerprint(worker.badge_token):
            g.worker = worker


def _owner_session_expired() -> bool:
    from flask import current_app
    signed_in = session.get("signed_in_at", 0)
    hours = current_app.config["OWNER_SESSION_HOURS"]
    return datetime.now(UTC).timestamp() - signed_in > hours * 3600


def badge_fingerprint(badge_token: str) -> str:
    return hashlib.sha256(badge_token.encode()).hexdigest()[:16]


def sign_in_owner(user: User) -> None:
    session.pop("user_id", None)
    # A new CSRF token from here on: one planted or read before sign-in is worth nothing.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    session["user_id"] = user.id
    session["generation"] = user.session_generation
    session["signed_in_at"] = datetime.now(UTC).timestamp()
    session.permanent = True
    _form_token_now()


def sign_in_worker(worker: Worker) -> None:
    session["worker_id"] = worker.id
    session["badge"] = badge_fingerprint(worker.badge_token)
    session.permanent = True
    _form_token_now()


def _form_token_now() -> None:
    """Put the form (CSRF) token into the session in the sign-in's own answer. Otherwise the first
    page after it would add the token and so send the session cookie again: answered late, after
    another worker switched the phone to themselves, it would sign the first one back in. Only a
    sign-in, a switch or a sign-out then sends the session cookie (SESSION_REFRESH_EACH_REQUEST is off)."""
    generate_csrf()


def owner_required(view):
    """Owner only: strangers are sent to the login page (401 for the API), workers get 403."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        is_owner = g.get("user") is not None and g.user.role == "owner"
        if request.path.startswith("/api/"):
            # The API takes bearer tokens only: a browser's cookie must not reach it, since the API
            # is exempt from CSRF checks.
            if is_owner and g.via_token:
                return view(*args, **kwargs)
            abort(401)
        if is_owner:
            return view(*args, **kwargs)
        if g.get("worker") is not None:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return wrapped


def worker_required(view):
    """A signed-in worker (through their badge link)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("worker") is None:
            abort(401)
        return view(*args, **kwargs)
    return wrapped


# --- API tokens -----------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(*, session: Session, user: User) -> str:
    """Create a token for `user`; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    session.flush()
    return token


def api_tokens(*, session: Session) -> list[tuple[ApiToken, User]]:
    """Every API token with its owner, newest first (revoked ones too, marked)."""
    return list(session.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                             .order_by(ApiToken.id.desc())))


@dataclass(frozen=True)
class TokenHolder:
    """Who an API token speaks for: what the API's views and the audit log read of the user."""
    id: int
    username: str
    role: str


# Built once, in Core: every API request runs it.
_USERS, _TOKENS = User.__table__, ApiToken.__table__
_HOLDER_OF_TOKEN = (core_select(_USERS.c.id, _USERS.c.username, _USERS.c.role)
                    .join_from(_USERS, _TOKENS, _TOKENS.c.user_id == _USERS.c.id)
                    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None)))


def user_for_token(*, connection: Connection, token: str) -> TokenHolder | None:
    """The user a live (not revoked) API token speaks for, or None."""
    if not token:
        return None
    row = connection.execute(_HOLDER_OF_TOKEN, {"token_hash": hash_token(token)}).first()
    return TokenHolder(row.id, row.username, row.role) if row else None


def revoke_api_token(*, session: Session, token: str) -> bool:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    return True


