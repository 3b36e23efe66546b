"""Owner accounts: creating them, their password rule, checking passwords, ending sessions."""
from __future__ import annotations

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from factory.data.models import User
from factory.domain.refusal import Refusal

DEMO_PASSWORDS = frozenset({"owner"})
MIN_PASSWORD_LENGTH = 10
# The most used passwords of 10 characters or more (leaked-password lists, Chinese ones among
# them): the first ones anybody guessing would try.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "0987654321", "9876543210", "12345678910", "123456789a", "a123456789",
    "1234567890a", "qwertyuiop", "asdfghjkl;", "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "zaq12wsxcde3",
    "qwerty1234", "qwer123456", "qwe1234567", "asdf123456", "abc1234567", "abcd123456", "abcdefghij",
    "password12", "password123", "password1234", "passw0rd123", "p@ssw0rd123", "administrator", "admin12345",
    "admin123456", "administrator1", "iloveyou12", "iloveyou123", "woaini1314", "woaini520", "5201314520",
    "1314520520", "a5201314", "woaini123456", "wangyang123", "zhang123456", "li12345678", "changeme123",
    "welcome123", "letmein123", "football123", "baseball123", "sunshine123", "princess123", "monkey12345",
    "dragon12345", "master12345", "superman123", "trustno1234", "computer123", "internet123", "factory123",
    "factory1234", "owner12345", "owner123456", "password", "qwertyuiop123", "1111111111", "0000000000",
    "1212121212", "1122334455", "1357924680", "123123123123", "147258369", "1472583690", "3141592653",
})


class WeakPassword(ValueError):
    """The password breaks the owner's password rule; the message says which part."""


def password_problem(password: str) -> str | None:
    """Why this password is too weak for the owner, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "this password is among the first ones anybody would guess: choose another"
    return None

# Slow on purpose (scrypt). The test suite alone sets a cheap method here (tests/conftest.py), so that
# its hundreds of sign-ins do not spend minutes hashing; a test checks this default stays scrypt.
PASSWORD_HASH_METHOD = "scrypt"


def create_owner(*, session: Session, username: str, password: str) -> User:
    """Create the owner account, or set a new password if it exists (which ends every session
    signed in with the old one)."""
    username = username.strip()
    if not username:
        raise ValueError("username is required")
    problem = password_problem(password)
    if problem:
        raise WeakPassword(problem)
    return _save_owner(session=session, username=username, password=password)


def create_demo_owner(*, session: Session, username: str, password: str) -> User:
    """The demo workshop's owner with the demo password, which the rule would refuse; the demo
    is never loaded in production, and production refuses the demo password at sign-in."""
    if password not in DEMO_PASSWORDS:
        raise ValueError("only the demo password is set this way")
    return _save_owner(session=session, username=username, password=password)


def _save_owner(*, session: Session, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, password_hash="")
    else:
        user.session_generation += 1
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    user.role = "owner"
    session.add(user)
    session.flush()
    return user


def end_owner_sessions(*, session: Session, user_id: int) -> None:
    """Every session this owner signed in before stops working (sign-out, lost phone)."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_generation += 1


# Checked for unknown usernames, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password anyone has")
MAX_CREDENTIAL = 200


def authenticate_owner(*, session: Session, username: str, password: str,
                       production: bool) -> tuple[User | None, tuple[Refusal, ...]]:
    """The owner for these credentials, or None with the refusals (codes by field)."""
    missing = tuple(Refusal(f"{name}_missing", name) for name, value in (("username", username.strip()),
                                                                          ("password", password)) if not value)
    if missing:
        return None, missing
    wrong = (Refusal("wrong_credentials", "password"),)
    if len(username) > MAX_CREDENTIAL or len(password) > MAX_CREDENTIAL or "\x00" in username + password:
        # Never a real account (names are at most 80 characters; PostgreSQL refuses NUL), and a
        # megabyte password would make the hash slow for nothing.
        check_password_hash(_DUMMY_HASH, password[:MAX_CREDENTIAL])
        return None, wrong
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None, wrong
    if not check_password_hash(user.password_hash, password):
        return None, wrong
    if production and password in DEMO_PASSWORDS:
        return None, (Refusal("demo_password_in_production", "password"),)
    return user, ()
