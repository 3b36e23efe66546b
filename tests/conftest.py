"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), app and clients per role, a small workshop, and a live server with Chromium."""
from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from factory import create_app

from factory.data import db
from factory.web.access import issue_api_token
from factory.config import normalise_database_url
from factory.data.people import create_owner
from tests.workshop_data import Workshop, make_workshop

PG_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = bool(os.environ.get("CI"))
CHROMIUM = "/usr/bin/chromium"


def _worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


# --- databases ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def database_template(request, tmp_path_factory):
    """A migrated empty database made once per test process: a SQLite file to copy, or a
    PostgreSQL database of this process's own (so parallel test processes never collide)."""
    if PG_URL:
        url = normalise_database_url(PG_URL)
        # The process id keeps concurrent test runs on one machine apart.
        name = f"factory_test_{_worker_id(request)}_{os.getpid()}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        own = url.rsplit("/", 1)[0] + "/" + name
        db.upgrade(own)
        yield {"kind": "postgresql", "url": own}
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    # Fold the WAL into the main file so a plain copy is a complete database.
    engine = db.make_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    yield {"kind": "sqlite", "path": path}


TABLES = ("scan", "ticket", "order_line", "production_order", "worker_work_center", "worker", "operation",
          "product", "holiday", "workday", "work_center", "api_token", "app_user")


@pytest.fixture
def database_url(database_template, tmp_path):
    """A fresh, migrated, empty database for one test."""
    if database_template["kind"] == "sqlite":
        path = tmp_path / "factory.db"
        shutil.copy(database_template["path"], path)
        yield f"sqlite:///{path}"
        return
    url = database_template["url"]
    engine = create_engine(url)
    with engine.begin() as conn:
        existing = [t for t in TABLES if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]
        extra = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        names = sorted(set(existing) | set(extra))
        if names:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


def app_config(database_url: str, **overrides) -> dict:
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
              "FACTORY_ENV": "development", "BASE_URL": "http://factory.test"}
    config.update(overrides)
    return config


@pytest.fixture
def app(database_url):
    application = create_app(app_config(database_url))
    yield application
    application.extensions["engine"].dispose()


@pytest.fixture
def session(app):
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        yield s


@pytest.fixture
def workshop(session) -> Workshop:
    """A small workshop: two work centers, a product with a 3-step route, workers, an order."""
    return make_workshop(session=session, today=date.today())


@pytest.fixture
def demo(app, session):
    from factory.data.demo import load_demo
    demo = load_demo(session=session, today=date.today())
    session.commit()
    return demo


# --- clients per role --------------------------------------------------------------------------

def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    if match is None:
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def owner(session):
    user = create_owner(session=session, username="boss", password="boss-password")
    session.commit()
    return user


@pytest.fixture
def owner_client(app, owner):
    c = app.test_client()
    response = c.post("/login", data={"username": "boss", "password": "boss-password",
                                      "csrf_token": csrf_token(c)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


@pytest.fixture
def api_headers(session, owner):
    token = issue_api_token(session=session, user=owner)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def worker_client(app, workshop):
    c = app.test_client()
    assert c.get(f"/w/{workshop.knitter.badge_token}").status_code == 302
    return c


# --- the browser -------------------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, as the browser sees it."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
    yield b
    b.close()


@pytest.fixture
def phone(browser, playwright_instance):
    """A Pixel 5 sized browser context."""
    device = dict(playwright_instance.devices["Pixel 5"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def desk_browser(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context
    context.close()
