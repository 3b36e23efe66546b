"""The foundation: migrations, data rules, demo workshop, CLI, configuration, languages."""
from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from factory import create_app
from factory.config import SETTINGS, ConfigError
from factory.data import db
from factory.data.models import Order, Scan, Ticket, WorkCenter, Worker
from factory.data.orders import create_order
from factory.domain.bundles import ColorSizeLine, split_into_bundles
from factory.domain.refusal import Refused
from factory.inputs import OrderIn, validate
from tests.conftest import app_config, csrf_token, make_app

# --- migrations ----------------------------------------------------------------------------------

def test_migrations_upgrade_an_empty_database_and_downgrade_cleanly(database_template, tmp_path):
    if database_template["kind"] == "postgresql":
        url = database_template["url"]
    else:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = db.make_engine(url)
    db.downgrade(url, "base")
    assert db.current_revision(engine) is None
    assert "production_order" not in inspect(engine).get_table_names()
    db.upgrade(url)
    assert db.current_revision(engine) == db.head_revision(url)
    assert {"production_order", "ticket", "scan", "worker", "work_center"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_of_a_populated_database_keeps_its_data(app, session, demo):
    url = app.config["DATABASE_URL"]
    before = (session.exec(select(func.count()).select_from(Scan)).one(),
              session.exec(select(func.count()).select_from(Order)).one())
    session.close()
    # Walk the newest migration down and up again over real data.
    db.downgrade(url, "-1") if db.head_revision(url) != "0001" else None
    db.upgrade(url)
    with Session(app.extensions["engine"]) as fresh:
        after = (fresh.exec(select(func.count()).select_from(Scan)).one(),
                 fresh.exec(select(func.count()).select_from(Order)).one())
    assert after == before and before[0] > 1000


def test_the_app_refuses_an_unmigrated_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app(app_config(url))
    page = app.test_client().get("/login")
    assert page.status_code == 503
    assert "flask --app app migrate" in page.get_data(as_text=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/login").status_code == 200


# --- data rules ----------------------------------------------------------------------------------

def test_database_refuses_rows_that_break_the_rules(session, workshop):
    for bad in (WorkCenter(code="x", name="x", units=0),
                Ticket(order_id=workshop.order.id, bundle_no=99, quantity=0),
                Scan(client_id="c1", ticket_id=workshop.tickets[0].id, operation_id=workshop.operations[0].id,
                     worker_id=workshop.knitter.id, good=0, defects=0)):
        session.add(bad)
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()


def test_order_status_must_be_known(session, workshop):
    workshop.order.status = "lost"
    session.add(workshop.order)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_order_input_errors_name_each_field(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        order, errors = validate(OrderIn, {"customer": "", "product": "no such!", "quantity": -3,
                                               "due": "1900-01-01", "bundle_size": "x", "colour": "red"})
    assert order is None
    assert set(errors) == {"customer", "product", "quantity", "due", "bundle_size", "colour"}
    assert errors["quantity"] == "Must be more than 0."
    assert "2000-01-01" in errors["due"]


def test_order_input_errors_are_chinese_by_default(app):
    with app.test_request_context():
        _, errors = validate(OrderIn, {"customer": "A", "product": "P", "quantity": "many", "due": "soon"})
    assert errors["quantity"] == "请输入整数。"
    assert "年-月-日" in errors["due"]


def test_an_order_is_split_into_bundle_tickets_with_unguessable_tokens(session, workshop):
    assert [t.quantity for t in workshop.tickets] == [40, 40, 20]
    tokens = {t.token for t in workshop.tickets} | {workshop.order.token}
    assert len(tokens) == 4
    assert all(len(t) >= 22 for t in tokens)  # 16 random bytes, base64url


def test_color_size_lines_must_add_up(session, workshop):
    order_in = OrderIn(customer="c", product="SCARF", quantity=100, due=date.today(),
                           lines=[{"quantity": 50, "color": "红"}, {"quantity": 40, "color": "黄"}])
    with pytest.raises(Refused) as refused:
        create_order(session=session, order_in=order_in)
    assert refused.value.codes == {"lines": "lines_sum"}
    session.rollback()
    assert session.exec(select(func.count()).select_from(Order)).one() == 1


def test_bundles_never_mix_colors_and_add_up():
    bundles = split_into_bundles([ColorSizeLine(45, "红", "M"), ColorSizeLine(30, "黄", "L")], 20)
    assert [(b.quantity, b.color) for b in bundles] == [(20, "红"), (20, "红"), (5, "红"), (20, "黄"), (10, "黄")]
    assert [b.bundle_no for b in bundles] == [1, 2, 3, 4, 5]
    assert [b.quantity for b in split_into_bundles([ColorSizeLine(75)], None)] == [75]


# --- demo, CLI, configuration ----------------------------------------------------------------------

def test_demo_workshop_is_believable(session, demo):
    assert session.exec(select(func.count()).select_from(WorkCenter)).one() == 5
    assert session.exec(select(func.count()).select_from(Worker)).one() == 30
    statuses = set(session.exec(select(Order.status)).all())
    assert statuses == {"draft", "accepted", "in_production", "done", "shipped", "cancelled"}
    first, last = session.exec(select(func.min(Scan.created_at), func.max(Scan.created_at))).one()
    assert (last - first).days >= 14


def test_demo_scans_respect_the_flow_of_every_ticket(session, demo):
    from factory.data.orders import order_view
    from factory.domain.progress import open_pieces
    for order in session.exec(select(Order)):
        view = order_view(session=session, order=order)
        for ticket in view.tickets:
            counts = view.ticket_counts(ticket)
            assert all(o >= 0 for o in open_pieces(ticket.quantity, counts))
            for k in range(1, len(counts)):
                assert counts[k].good + counts[k].defects <= counts[k - 1].good


def test_cli_demo_owner_and_api_token(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "--reset" in again.output
    assert runner.invoke(args=["demo", "--reset"]).exit_code == 0
    assert runner.invoke(args=["create-owner", "--username", "lin", "--password", "s3cret-pass"]).exit_code == 0
    token = runner.invoke(args=["api-token", "lin"]).output.strip()
    response = app.test_client().get("/api/workers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    workers = response.get_json()["workers"]
    assert len(workers) == 30
    assert workers[0]["badge_url"].startswith("http://factory.test/w/")
    assert workers[0]["work_centers"]


def test_production_refuses_placeholder_secret_demo_and_demo_password(database_url, session):
    with pytest.raises(ConfigError):
        create_app(app_config(database_url, FACTORY_ENV="production", SECRET_KEY="dev-only-not-secret"))
    app = create_app(app_config(database_url, FACTORY_ENV="production", SECRET_KEY="k7Qw9-ZpL2xR8vT4nB6mY1cH3jF5dS0aE_uG"))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code != 0
    from factory.data.people import create_demo_owner
    create_demo_owner(session=session, username="owner", password="owner")
    session.commit()
    client = app.test_client()
    page = client.post("/login", data={"username": "owner", "password": "owner", "csrf_token": csrf_token(client)})
    assert page.status_code == 422
    assert "flask --app app create-owner" in page.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_every_setting_is_documented():
    readme = open("README.md", encoding="utf-8").read()
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name


# --- sign-in and language ------------------------------------------------------------------------

def test_owner_login_rejects_wrong_password_beside_the_field(client, owner):
    page = client.post("/login", data={"username": "boss", "password": "nope", "csrf_token": csrf_token(client)})
    assert page.status_code == 422
    assert re.search(r'data-field="password">[^<]*用户名或密码错误', page.get_data(as_text=True))


def test_outside_the_tests_owner_passwords_are_hashed_with_scrypt(client, session, monkeypatch):
    """The suite hashes with a cheap method (conftest); the app itself uses scrypt, and signs in with it."""
    from factory.data import people
    from tests.conftest import PRODUCTION_PASSWORD_HASH_METHOD
    assert PRODUCTION_PASSWORD_HASH_METHOD == "scrypt"
    monkeypatch.setattr(people, "PASSWORD_HASH_METHOD", PRODUCTION_PASSWORD_HASH_METHOD)
    user = people.create_owner(session=session, username="boss", password="boss-password")
    session.commit()
    assert user.password_hash.startswith("scrypt:") and "boss-password" not in user.password_hash
    response = client.post("/login", data={"username": "boss", "password": "boss-password",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302


def test_login_without_csrf_token_is_refused(client, owner):
    assert client.post("/login", data={"username": "boss", "password": "boss-password"}).status_code == 400


def test_owner_sees_demo_orders_in_english_after_switching(demo, owner_client):
    owner_client.get("/lang/en?next=/")
    page = owner_client.get("/orders").get_data(as_text=True)
    assert "Orders" in page and "SO" in page
    assert page.count("<tr>") >= 40


def test_badge_link_signs_a_phone_in_and_a_new_badge_signs_it_out(app, session, workshop):
    phone = app.test_client()
    assert phone.get(f"/w/{workshop.knitter.badge_token}").headers["Location"].endswith("/me")
    assert workshop.knitter.name in phone.get("/me").get_data(as_text=True)
    workshop.knitter.badge_token = "new-" + workshop.knitter.badge_token
    session.add(workshop.knitter)
    session.commit()
    assert phone.get("/me").status_code == 401
    assert app.test_client().get("/w/not-a-badge").status_code == 404


def test_migrations_match_the_models(app):
    """A model changed without a migration (or the reverse) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel
    with app.extensions["engine"].connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


# --- hardening -----------------------------------------------------------------------------------

def test_pages_carry_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie



def test_behind_https_the_session_cookie_is_secure(database_url, monkeypatch):
    from factory import create_app
    from tests.conftest import app_config
    plain = create_app(app_config(database_url)).test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" not in plain  # on plain http:// the phone would drop a Secure cookie
    monkeypatch.setenv("SECURE_COOKIES", "1")
    app = create_app(app_config(database_url))
    cookie = app.test_client().get("/login", base_url="https://factory.test").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["engine"].dispose()

def test_no_template_has_inline_script():
    """The CSP allows only the app's own script files, so an inline script would silently not run."""
    import pathlib
    import re as regex
    for path in pathlib.Path("templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not regex.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {path}"
        assert not regex.search(r"\son[a-z]+=\"", text), f"inline event handler in {path}"
        assert "hx-on" not in text, f"hx-on needs eval, which the CSP forbids: {path}"


def test_owner_login_is_rate_limited(client, owner):
    token = csrf_token(client)
    statuses = [client.post("/login", data={"username": "boss", "password": "guess", "csrf_token": token}).status_code
                for _ in range(12)]
    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429, 429]


def test_the_demo_is_loaded_up_to_the_workshops_today_not_the_servers(database_url, monkeypatch):
    """A server whose clock runs in UTC is a day behind a workshop in Shanghai from 16:00 to
    midnight UTC: the demo must end on the workshop's today. The workshop's zone is chosen so that
    its date differs from the server's right now (one of UTC+14 and UTC-12 always does)."""
    from datetime import datetime

    from factory import cli
    zone = next(z for z in ("Etc/GMT-14", "Etc/GMT+12") if datetime.now(ZoneInfo(z)).date() != date.today())
    app = make_app(database_url, BABEL_DEFAULT_TIMEZONE=zone)
    loaded = []
    real = cli.load_demo
    monkeypatch.setattr(cli, "load_demo", lambda *, session, today: loaded.append(today) or real(session=session, today=today))
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    assert loaded == [datetime.now(ZoneInfo(zone)).date()]
    app.extensions["engine"].dispose()


def test_the_tests_shared_url_builders_build_the_links_a_plain_app_builds(app):
    """conftest shares werkzeug's compiled link builders between the tests' apps (a speed-up):
    every rule of a new app must build the same links with them as with builders of its own."""
    from werkzeug.routing.converters import NumberConverter
    from werkzeug.routing.rules import Rule
    unshared = Rule._compile_builder.unshared
    checked = 0
    for rule in app.url_map.iter_rules():
        values = {name: 7 if isinstance(rule._converters.get(name), NumberConverter) else "ab-c"
                  for name in rule.arguments}
        for append_unknown in (False, True):
            extra = {"page": "2"} if append_unknown else {}
            shared = rule._compile_builder(append_unknown).__get__(rule, None)(**values, **extra)
            own = unshared(rule, append_unknown).__get__(rule, None)(**values, **extra)
            assert shared == own, rule.rule
            checked += 1
    assert checked > 100
