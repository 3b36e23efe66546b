"""Settings for the app: one object that reads the environment, with development defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PLACEHOLDER_SECRET = "dev-only-not-secret"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One configuration variable, declared as data so docs and tests can list them."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", None,
            "SQLAlchemy URL of the database. Default: SQLite in WAL mode at instance/factory.db. "
            "PostgreSQL: postgresql+psycopg://user@host:5432/dbname"),
    Setting("SECRET_KEY", None,
            "Signs session cookies and CSRF tokens. Required in production: at least 32 random characters. "
            "Default outside production: a random key made on first start in instance/secret_key (owner-only)."),
    Setting("FACTORY_ENV", "development",
            "development or production. Production refuses a missing or short secret, the demo workshop and the "
            "demo password."),
    Setting("PORT", "5000", "Port the server listens on (all interfaces, so phones on the LAN reach it)."),
    Setting("BASE_URL", None,
            "Public address printed in QR codes, e.g. http://192.168.1.20:5000. "
            "Default: the address the request came in on."),
    Setting("SECURE_COOKIES", "0", "1 when the app is served over HTTPS: cookies get the Secure flag."),
    Setting("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024),
            "Largest request body in bytes (an order file, a product photo, an API body); larger ones get 413."),
    Setting("TRUSTED_PROXIES", "0",
            "How many reverse proxies (e.g. Caddy for HTTPS) stand in front of the app: their X-Forwarded-For "
            "and X-Forwarded-Proto are then trusted, so sign-in limits and the audit log see each phone's address."),
)


def settings_from_env(environ: os._Environ | dict | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    factory_env = env.get("FACTORY_ENV", "development")
    instance = ROOT / "instance"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'factory.db'}"
    return {
        "FACTORY_ENV": factory_env,
        # None: create_app takes the instance folder's own key (made on first start) outside production.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SECRET_KEY_FILE": str(instance / "secret_key"),
        "DATABASE_URL": normalise_database_url(database_url),
        "BASE_URL": (env.get("BASE_URL") or "").rstrip("/") or None,
        "PORT": int(env.get("PORT", "5000")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SECURE_COOKIES", "0") == "1",
        # Workers stay signed in on their own phone for a season; owner sessions expire sooner
        # (see auth.views).
        "PERMANENT_SESSION_LIFETIME": timedelta(days=400),
        # The session cookie is sent only by an answer that changes the session: a sign-in (it
        # adds the form token at once, web/access.py), a switch, a sign-out. With Flask's default
        # every answer sent it again, so a request made
        # as the previous worker (a poll, a stylesheet) answered after a badge switch signed the
        # phone back in as them, and the new worker's pieces would have counted for the old one.
        # The 400 days therefore run from the sign-in, not from the last request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "OWNER_SESSION_HOURS": 12,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH") or 8 * 1024 * 1024),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "SCHEMA_CHECK": True,
    }


def normalise_database_url(url: str) -> str:
    """Let people write postgresql:// and still get the psycopg 3 driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the message says how to fix it."""


MIN_SECRET_LENGTH = 32


def check_config(config: dict) -> None:
    """Refuse a missing, placeholder, short or repetitive secret in production."""
    if config.get("FACTORY_ENV") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if (secret == PLACEHOLDER_SECRET or len(secret) < MIN_SECRET_LENGTH
            or len(set(secret)) < MIN_SECRET_LENGTH // 3):
        raise ConfigError(
            f"SECRET_KEY must be a long random value (at least {MIN_SECRET_LENGTH} characters) when "
            "FACTORY_ENV=production (for example: python -c \"import secrets; print(secrets.token_urlsafe(32))\")."
        )


def instance_secret(path: str | os.PathLike) -> str:
    """The secret key kept in the instance folder, made (random, owner-only) the first time.

    A development install must not sign cookies with a constant anyone can read in the source:
    the server listens on the whole LAN, so that would let anyone on the Wi-Fi forge an owner."""
    import secrets
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            path.chmod(0o600)
        secret = path.read_text().strip()
        if len(secret) >= MIN_SECRET_LENGTH:
            return secret
        raise ConfigError(f"{path} holds no usable secret key: delete it and start again (a new one is made).") from None
    with os.fdopen(fd, "w") as out:
        secret = secrets.token_urlsafe(48)
        out.write(secret + "\n")
    return secret
