"""Shared fixtures and helpers: a migrated database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), app and clients per role, a small workshop, the demo, a live server with
Chromium; reading pages (BeautifulSoup) and the database as users and the app left them.

What keeps the suite fast without skipping a check: cheap password hashes in the tests only,
compiled templates shared between the tests' apps, the demo written once per process and copied,
snapshots of rows restored for tests that share costly set-up, one Chromium per test process,
and the long tests handed out first."""
from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from jinja2 import BytecodeCache
from sqlalchemy import Table, create_engine, func, inspect
from sqlalchemy import table as sql_table
from sqlalchemy import text as sql
from sqlmodel import Session, SQLModel, select

from factory import create_app
from factory.config import normalise_database_url
from factory.data import db, people
from factory.data.models import Scan, Ticket
from factory.data.people import create_owner
from factory.web.access import issue_api_token
from tests.workshop_data import Workshop, make_workshop

PG_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = bool(os.environ.get("CI"))
CHROMIUM = "/usr/bin/chromium"


def _worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


# --- passwords ---------------------------------------------------------------------------------

# What the app hashes owner passwords with outside the tests (test_foundation checks it is scrypt).
PRODUCTION_PASSWORD_HASH_METHOD = people.PASSWORD_HASH_METHOD
# scrypt costs 0.1 to 1 s of CPU per sign-in or new owner, by design; the suite signs in hundreds of
# times. Any werkzeug method is checked by the same code, so a cheap one changes nothing else.
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(people, "PASSWORD_HASH_METHOD", TEST_PASSWORD_HASH_METHOD)
        yield


# --- building apps -------------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def shared_app_building():
    """Each test builds its own app. Two parts of that gave the same answer every time and were most
    of its cost (about 0.1 s, 400 times a run), so each is worked out once per test process:
    - werkzeug compiles a Python function (ast, compile) to build each URL rule's links, for each
      new app; the function depends only on the rule's text and parts (it reads converters through
      the rule it is bound to), so rules with the same text share it;
    - the schema check reads every migration script to find the head revision, which cannot
      change while the tests run (each app still compares its own database with it)."""
    from werkzeug.routing.rules import Rule
    compile_builder = Rule._compile_builder
    builders: dict = {}

    def shared_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)  # a converted default is baked in: not shared
        key = (self.rule, tuple(self._trace), tuple(map(str, defaults)), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    heads: dict = {}
    head_revision = db.head_revision

    def shared_head(url):
        if "head" not in heads:
            heads["head"] = head_revision(url)
        return heads["head"]

    shared_builder.unshared = compile_builder  # for the test that checks the sharing changes no link
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", shared_builder)
        patch.setattr(db, "head_revision", shared_head)
        yield


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
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sql(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        own = url.rsplit("/", 1)[0] + "/" + name
        db.upgrade(own)
        yield {"kind": "postgresql", "url": own}
        if own in _CLEANERS:
            _CLEANERS.pop(own).dispose()
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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


def empty_database(database_template, directory: Path) -> str:
    """A migrated, empty database: a copy of the template in `directory` (SQLite), or this test
    process's own PostgreSQL database with every table emptied and every id counting from 1 again."""
    if database_template["kind"] == "sqlite":
        path = directory / "factory.db"
        shutil.copy(database_template["path"], path)
        return f"sqlite:///{path}"
    url = database_template["url"]
    with _cleaner(url).begin() as conn:
        conn.exec_driver_sql(_emptying_script(conn))
    return url


_CLEANERS: dict = {}


def _cleaner(url: str):
    """One engine per test process for emptying its PostgreSQL database between tests."""
    if url not in _CLEANERS:
        _CLEANERS[url] = create_engine(url)
    return _CLEANERS[url]


def _emptying_script(conn) -> str:
    """DELETE from every table, those that others refer to last, and restart the sequences of their
    ids: what `TRUNCATE ... RESTART IDENTITY CASCADE` does, for a tenth of its time (TRUNCATE makes
    new files for every table and index, 0.25 s a test here; these tables hold a few rows).
    Read from the catalogue each time, so a test that migrates down and up leaves nothing behind."""
    names = {r[0] for r in conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")}
    refers = {n: set() for n in names}  # table -> the tables it refers to
    for table, target in conn.exec_driver_sql(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"):
        if table in refers and target != table:
            refers[table].add(target)
    order: list[str] = []  # referring tables before the tables they refer to
    done: set[str] = set()

    def visit(name, referred_by=frozenset()):
        if name in done:
            return
        assert name not in referred_by, f"foreign keys in a cycle through {name}"
        for other in sorted(n for n, targets in refers.items() if name in targets):
            visit(other, referred_by | {name})
        done.add(name)
        order.append(name)

    for name in sorted(names):
        visit(name)
    sequences = [r[0] for r in conn.exec_driver_sql(
        "SELECT s.oid::regclass::text FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND n.nspname = 'public' "
        "AND t.relname <> 'alembic_version'")]
    return "; ".join([f'DELETE FROM "{n}"' for n in order] + [f"ALTER SEQUENCE {q} RESTART" for q in sorted(sequences)])


@pytest.fixture
def database_url(database_template, tmp_path):
    """A fresh, migrated, empty database for one test."""
    return empty_database(database_template, tmp_path)


Snapshot = list[tuple[Table, list[dict]]]


KEPT_BY_TRIGGERS = {"bundle_progress"}


def snapshot_rows(engine) -> Snapshot:
    """Every row of every table, to put back with `restore_rows`: for a module of tests that share
    one app and one prepared workshop, each test starting from the same rows."""
    with engine.connect() as conn:
        return [(t, [dict(r._mapping) for r in conn.execute(t.select().order_by(*t.primary_key.columns))])
                for t in SQLModel.metadata.sorted_tables]


def restore_rows(engine, snapshot: Snapshot) -> None:
    """Every table back to the snapshot: same rows, same ids, and the next id as it was."""
    with engine.begin() as conn:
        for t, _ in reversed(snapshot):
            conn.execute(t.delete())
        for t, rows in snapshot:
            # The bundle sums are the database's own (a trigger adds each scan inserted here):
            # inserting their rows too would count every scan twice.
            if rows and t.name not in KEPT_BY_TRIGGERS:
                conn.execute(t.insert(), rows)
        if engine.dialect.name == "postgresql":
            for t, _ in snapshot:
                if "id" in t.c and t.c.id.primary_key:
                    conn.execute(sql(f"SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                                      f'COALESCE(MAX(id), 0) + 1, false) FROM "{t.name}"'), {"t": t.name})


def app_config(database_url: str, **overrides) -> dict:
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
              "FACTORY_ENV": "development", "BASE_URL": "http://factory.test"}
    config.update(overrides)
    return config


class TemplateCache(BytecodeCache):
    """Compiled templates kept in memory for the whole test process: each test builds its own app,
    and without this each app compiled every template it rendered again (Jinja checks the source
    checksum, so an edited template is compiled anew)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = TemplateCache()


def make_app(database_url: str, **overrides):
    """`create_app` for a test, sharing compiled templates with the other tests of this process."""
    application = create_app(app_config(database_url, **overrides))
    application.jinja_env.bytecode_cache = TEMPLATES
    return application


@pytest.fixture
def app(database_url):
    application = make_app(database_url)
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


_DEMO: dict = {}


@pytest.fixture
def demo(app, session):
    """The demo workshop (factory.data.demo) in the test's empty database. Written by `load_demo`
    once per test process, then copied row for row (same ids) into each test's database that
    asks for it. Ask for `demo` before fixtures that write (e.g. `owner`)."""
    from factory.data.demo import load_demo
    engine = app.extensions["engine"]
    assert not any(row_counts(app)().values()), "demo needs an empty database: ask for it first"
    if "rows" not in _DEMO:
        _DEMO["demo"] = load_demo(session=session, today=date.today())
        session.commit()
        _DEMO["rows"] = snapshot_rows(engine)
    else:
        restore_rows(engine, _DEMO["rows"])
    return _DEMO["demo"]


# --- reading what users see and what the database holds ------------------------------------------

def soup(response) -> BeautifulSoup:
    """A page (a test client's response, or HTML text) as a tree to look into."""
    html = response if isinstance(response, str) else response.get_data(as_text=True)
    return BeautifulSoup(html, "html.parser")


def one(node, selector: str) -> Tag:
    """The one element matching a CSS selector: none, or more than one, fails the test."""
    found = node.select(selector)
    assert len(found) == 1, f"{len(found)} × {selector}"
    return found[0]


def text(node) -> str:
    """An element's text as a reader sees it: words separated by single spaces."""
    return " ".join(node.get_text(" ").split())


def fresh(session):
    """The test's session sees what requests committed since (SQLite keeps a read snapshot)."""
    session.rollback()
    return session


def tickets_of(session, order) -> list[Ticket]:
    """The order's tickets as the database holds them now, by bundle number."""
    return list(fresh(session).exec(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.bundle_no)))


def scans_in(session) -> list[Scan]:
    """Every scan stored, oldest first, as the database holds them now."""
    return list(fresh(session).exec(select(Scan).order_by(Scan.id)))


def add_scan(session, ticket, operation, worker, good, defects=0, at=None) -> Scan:
    """A scan written straight to the database (for the pages that read scans)."""
    scan = Scan(client_id=str(uuid.uuid4()), ticket_id=ticket.id, operation_id=operation.id, worker_id=worker.id,
                good=good, defects=defects, created_at=at or datetime.now(UTC))
    session.add(scan)
    session.commit()
    return scan


def row_counts(app):
    """A function answering {table: rows} for every table of the app's database."""
    engine = app.extensions["engine"]
    names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
    # One statement for all tables (the fuzzers count before and after every request).
    every_count = select(*(select(func.count()).select_from(sql_table(n)).scalar_subquery().label(n) for n in names))

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(zip(names, conn.execute(every_count).one()))
    return counts


# --- clients per role --------------------------------------------------------------------------

def post_form(client, url: str, data: dict | None = None):
    """A form posted by a signed-in client, with its CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def api_scan(client, headers, ticket, operation, worker, good, defects=0):
    """A scan through the JSON API (as the phones' queue or another program sends it); must be stored."""
    response = client.post("/api/scans", headers=headers, json={
        "id": str(uuid.uuid4()), "ticket": ticket.token, "operation": operation.code, "worker": worker.code,
        "good": good, "defects": defects, "confirm": True})  # the tests' claims are not about plausibility
    assert response.status_code == 201, response.get_json()
    return response


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    if match is None:
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def worker_form(client, path: str) -> dict:
    """The hidden fields a worker's ticket page puts in its forms: the CSRF token and the worker the
    page was opened by (a post without that name, or with another one, logs nothing)."""
    html = client.get(path).get_data(as_text=True)
    worker = re.search(r'id="queue"[^>]*data-worker="([^"]*)"', html, re.S)
    assert worker and worker.group(1), f"no signed-in worker on {path}"
    return {"csrf_token": csrf_token_in(html, path), "worker": worker.group(1)}


def csrf_token_in(html: str, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
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

def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium is marked `browser`. The browser tests and those marked
    `slow` are handed out first, so that the two test processes do not end with one of them alone
    on a long test. The browser tests are shared out like the others (one Chromium per test
    process): they are about half of the suite's time, and in one process they would make it wait.
    (They were once given one xdist_group, but added here, after xdist had read the groups, the
    mark never took effect.)"""
    for item in items:
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("slow") else 2)


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, as the browser sees it."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    # Polled every 50 ms for the shutdown below (the default, 0.5 s, made each browser test wait
    # about a quarter of a second for its server to stop).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
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


SCREENSHOTS = os.environ.get("SCREENSHOTS")  # a folder: save what the browser tests saw, for docs and review


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


AXE = "/static/vendor/axe-core-4.14.1.min.js"


def accessibility_violations(page) -> list[str]:
    """What axe-core (vendored, run inside the page) finds against WCAG 2 A and AA: one line per
    rule and element; an empty list when the page passes. Lighthouse's accessibility score is
    computed from these same axe rules. Loaded from the app's own static files, as the pages'
    Content-Security-Policy allows no inline script."""
    page.add_script_tag(url=page.evaluate("location.origin") + AXE)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return result.violations.flatMap(v => v.nodes.map(n => v.id + ": " + n.target.join(" ") + " " + n.failureSummary));
    }""")
    return found


def sign_in(page, base: str) -> None:
    """The owner signs in through the login page, as `owner` made them."""
    page.goto(base + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.fixture
def phone(browser, playwright_instance):
    """A Pixel 5 sized browser context, service workers blocked: Playwright's routes and offline
    switch do not see what a service worker fetches (the service worker tests use the next one)."""
    device = dict(playwright_instance.devices["Pixel 5"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="zh-CN", service_workers="block")
    yield context
    context.close()


@pytest.fixture
def phone_with_service_worker(browser, playwright_instance):
    """A Pixel 5 sized browser context where the app's service worker runs."""
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
