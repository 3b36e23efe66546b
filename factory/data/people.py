"""Owner accounts: creating them and checking their passwords."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from factory.data.models import User

DEMO_PASSWORDS = frozenset({"owner"})


def create_owner(*, session: Session, username: str, password: str) -> User:
    """Create the owner account, or set a new password if it exists."""
    username = username.strip()
    if not username:
        raise ValueError("username is required")
    if len(password) < 4:
        raise ValueError("password must have at least 4 characters")
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, password_hash="")
    user.password_hash = generate_password_hash(password)
    user.role = "owner"
    session.add(user)
    session.flush()
    return user


def authenticate_owner(*, session: Session, username: str, password: str,
                       production: bool) -> tuple[User | None, dict]:
    """The owner for these credentials, or None with errors keyed by field."""
    errors: dict = {}
    if not username.strip():
        errors["username"] = _l("Enter your username.")
    if not password:
        errors["password"] = _l("Enter your password.")
    if errors:
        return None, errors
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not check_password_hash(user.password_hash, password):
        return None, {"password": _l("Wrong username or password.")}
    if production and password in DEMO_PASSWORDS:
        return None, {"password": _l("The demo password is not allowed in production. "
                                     "Set a new one with: flask --app app create-owner")}
    return user, {}
