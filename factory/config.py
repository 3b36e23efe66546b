"""Settings for the app: one object that reads the environment, with development defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
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
            "Signs session cookies and CSRF tokens. Required (long and random) when FACTORY_ENV=production."),
    Setting("FACTORY_ENV", "development",
            "development or production. Production refuses the placeholder secret and the demo password."),
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
    secret = env.get("SECRET_KEY") or PLACEHOLDER_SECRET
    return {
        "FACTORY_ENV": factory_env,
        "SECRET_KEY": secret,
        "DATABASE_URL": normalise_database_url(database_url),
        "BASE_URL": (env.get("BASE_URL") or "").rstrip("/") or None,
        "PORT": int(env.get("PORT", "5000")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SECURE_COOKIES", "0") == "1",
        # Workers stay signed in on their own phone for a season; owner sessions expire sooner
        # (see auth.views).
        "PERMANENT_SESSION_LIFETIME": timedelta(days=400),
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


def check_config(config: dict) -> None:
    """Refuse a placeholder secret outside development."""
    if config.get("FACTORY_ENV") == "production" and config.get("SECRET_KEY") in (None, "", PLACEHOLDER_SECRET):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value when FACTORY_ENV=production "
            "(for example: python -c \"import secrets; print(secrets.token_urlsafe(32))\")."
        )
