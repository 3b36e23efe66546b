"""What an attacker on the workshop Wi-Fi could still do (issue 13), each tried against the real
server or the test client: proxy addresses, the secret key, tokens, sessions, passwords, strict
input, costly uploads, exports."""
from __future__ import annotations

import http.client
import re
import stat
from datetime import UTC
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from factory import create_app
from factory.config import PLACEHOLDER_SECRET, ConfigError
from factory.data import db
from factory.data.models import AuditEntry
from factory.data.people import create_owner
from tests.conftest import PG_URL, app_config, csrf_token
from tests.server_process import Server


class Browser:
    """A phone's browser against the real server: keeps its cookie, can claim an address
    through the proxy's X-Forwarded-For."""

    def __init__(self, port: int, forwarded_for: str | None = None):
        self.port, self.forwarded_for, self.cookie = port, forwarded_for, ""

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            for header in answer.headers.get_all("Set-Cookie") or []:
                self.cookie = header.split(";", 1)[0]
            return answer.status, answer.read().decode()
        finally:
            connection.close()

    def csrf(self) -> str:
        status, page = self.send("GET", "/login")
        assert status == 200
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def wrong_password(self) -> int:
        return self.send("POST", "/login", {"username": "boss", "password": "not-the-password",
                                             "csrf_token": self.csrf()})[0]


def _server_with_owner(database_url: str, tmp_path: Path, **kwargs) -> Server:
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    with Session(engine) as session:
        create_owner(session=session, username="boss", password="boss-password")
        session.commit()
    engine.dispose()
    server = Server(database_url, tmp_path / "server.log", **kwargs)
    server.start()
    return server


def _audited_addresses(database_url: str) -> list[str]:
    engine = db.make_engine(database_url)
    with Session(engine) as session:
        found = [e.remote_addr for e in session.exec(select(AuditEntry).where(AuditEntry.action == "auth.login"))]
    engine.dispose()
    return found


# --- behind the HTTPS proxy, every phone keeps its own address -----------------------------------

def test_behind_the_proxy_each_phone_has_its_own_sign_in_limit_and_audit_address(database_url, tmp_path):
    server = _server_with_owner(database_url, tmp_path, env={"TRUSTED_PROXIES": "1"})
    try:
        guesser, owner = Browser(server.port, "10.0.0.7"), Browser(server.port, "10.0.0.8")
        assert [guesser.wrong_password() for _ in range(10)] == [422] * 10
        assert guesser.wrong_password() == 429
        # The owner's phone, behind the same proxy, is not locked out by the guesser.
        assert owner.wrong_password() == 422
        status, _ = owner.send("POST", "/login", {"username": "boss", "password": "boss-password",
                                                   "csrf_token": owner.csrf()})
        assert status == 302
    finally:
        server.stop()
    addresses = _audited_addresses(database_url)
    assert addresses.count("10.0.0.7") == 10
    assert addresses.count("10.0.0.8") == 2
    assert "127.0.0.1" not in addresses


def test_behind_the_proxy_with_several_processes_the_audit_log_sees_each_phone(database_url, tmp_path):
    server = _server_with_owner(database_url, tmp_path, processes=2, env={"TRUSTED_PROXIES": "1"})
    try:
        assert Browser(server.port, "10.0.0.7").wrong_password() == 422
        assert Browser(server.port, "10.0.0.8").wrong_password() == 422
    finally:
        server.stop()
    assert sorted(_audited_addresses(database_url)) == ["10.0.0.7", "10.0.0.8"]


def test_without_a_proxy_a_forged_forwarded_for_is_ignored(database_url, tmp_path):
    server = _server_with_owner(database_url, tmp_path)
    try:
        assert Browser(server.port, "10.0.0.7").wrong_password() == 422
    finally:
        server.stop()
    assert _audited_addresses(database_url) == ["127.0.0.1"]


# --- the secret key ------------------------------------------------------------------------------

def test_a_fresh_install_makes_its_own_secret_kept_owner_only(database_url, tmp_path, session):
    key_file = tmp_path / "instance" / "secret_key"
    first = create_app(app_config(database_url, SECRET_KEY=None, SECRET_KEY_FILE=str(key_file)))
    secret = first.config["SECRET_KEY"]
    assert secret != PLACEHOLDER_SECRET and len(secret) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The next start signs with the same key, so sessions survive a restart.
    again = create_app(app_config(database_url, SECRET_KEY=None, SECRET_KEY_FILE=str(key_file)))
    assert again.config["SECRET_KEY"] == secret
    # A cookie signed with the constant from the source code no longer makes anyone the owner.
    owner = create_owner(session=session, username="boss", password="boss-password")
    session.commit()
    forger = create_app(app_config(database_url, SECRET_KEY=PLACEHOLDER_SECRET))
    with forger.test_request_context():
        from datetime import datetime

        from flask.sessions import SecureCookieSessionInterface
        forged = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
            {"user_id": owner.id, "signed_in_at": datetime.now(UTC).timestamp()})
    for app in (forger, first):
        app.extensions["engine"].dispose()
    client = again.test_client()
    client.set_cookie("session", forged)
    assert client.get("/").status_code == 302  # to the login page
    again.extensions["engine"].dispose()


@pytest.mark.parametrize("secret", ["x", "short-secret", "a" * 64, PLACEHOLDER_SECRET, ""])
def test_production_refuses_a_short_or_guessable_secret(database_url, secret):
    with pytest.raises(ConfigError):
        create_app(app_config(database_url, FACTORY_ENV="production", SECRET_KEY=secret))


def test_the_start_message_says_when_the_demo_login_is_live_on_the_lan(database_url, tmp_path):
    server = Server(database_url, tmp_path / "dev.log", env={"FACTORY_ENV": "development"},
                    args=("--demo",))
    server.start(timeout=120)
    server.stop()
    log = (tmp_path / "dev.log").read_text()
    assert "WARNING: the demo login owner / owner is live" in log
    production = Server(database_url, tmp_path / "production.log")
    production.start()
    production.stop()
    assert "WARNING" not in (tmp_path / "production.log").read_text()


# --- API tokens are for the API only -------------------------------------------------------------

def test_an_api_token_cannot_act_as_the_owner_on_pages_or_mint_a_new_token(app, client, session, api_headers):
    from factory.data.models import ApiToken
    assert client.get("/api/workers", headers=api_headers).status_code == 200
    assert client.get("/workers", headers=api_headers).status_code == 302  # the login page
    token = csrf_token(client)  # the stranger's own session, as a browser would have it
    answer = client.post("/api-tokens", data={"csrf_token": token}, headers=api_headers)
    assert answer.status_code == 302 and "/login" in answer.location
    assert len(session.exec(select(ApiToken)).all()) == 1


# --- sign-out ends the session on the server -----------------------------------------------------

def _copy_cookie(source, app):
    copy = app.test_client()
    copy.set_cookie("session", source.get_cookie("session").value)
    return copy


def test_a_copied_owner_cookie_stops_working_after_sign_out(app, owner_client):
    copied = _copy_cookie(owner_client, app)
    assert copied.get("/").status_code == 200
    owner_client.post("/logout", data={"csrf_token": csrf_token(owner_client, "/")})
    assert owner_client.get("/").status_code == 302
    assert copied.get("/").status_code == 302


def test_a_new_password_ends_every_session_signed_in_with_the_old_one(app, owner_client):
    assert owner_client.get("/").status_code == 200
    result = app.test_cli_runner().invoke(args=["create-owner", "--username", "boss",
                                                "--password", "a-new-long-password"])
    assert result.exit_code == 0, result.output
    assert owner_client.get("/").status_code == 302
    client = app.test_client()
    assert client.post("/login", data={"username": "boss", "password": "a-new-long-password",
                                       "csrf_token": csrf_token(client)}).status_code == 302
    assert client.get("/").status_code == 200


def test_the_csrf_token_changes_at_sign_in(app, client, owner):
    before = csrf_token(client)
    assert client.post("/login", data={"username": "boss", "password": "boss-password",
                                       "csrf_token": before}).status_code == 302
    after = csrf_token(client, "/")
    assert after != before
    # A form carrying the token from before sign-in is refused.
    assert client.post("/api-tokens", data={"csrf_token": before}).status_code == 400


# --- the owner's password ------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["0000", "owner", "short-pw", "1234567890", "qwertyuiop", "Password123",
                                      "woaini1314", "aaaaaaaaaaaa", "ababababab"])
def test_a_short_or_common_owner_password_is_refused(app, session, password):
    result = app.test_cli_runner().invoke(args=["create-owner", "--username", "lin", "--password", password])
    assert result.exit_code != 0
    assert "password" in result.output
    from factory.data.models import User
    assert session.exec(select(User)).first() is None


def test_the_demo_owner_signs_in_with_the_demo_password_in_development(app, client, demo):
    assert client.post("/login", data={"username": "owner", "password": "owner",
                                       "csrf_token": csrf_token(client)}).status_code == 302


def test_an_unknown_username_costs_a_password_check_too(app, client, owner, monkeypatch):
    from factory.data import people
    checked = []
    real = people.check_password_hash
    monkeypatch.setattr(people, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    for name in ("boss", "nobody-here"):
        answer = client.post("/login", data={"username": name, "password": "wrong-password",
                                             "csrf_token": csrf_token(client)})
        assert answer.status_code == 422
    assert checked == ["wrong-password", "wrong-password"]


# --- NUL bytes and token guessing on the public pages --------------------------------------------

@pytest.mark.parametrize("path", ["/t/a%00b", "/t/a%00b/photo", "/o/a%00b", "/w/a%00b", "/orders/a%00b"])
def test_a_nul_byte_in_a_public_url_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_nul_byte_in_a_query_or_at_sign_in_is_refused_not_a_server_error(client, owner):
    assert client.get("/login?next=/%00").status_code == 400
    for field in ("username", "password"):
        form = {"username": "boss", "password": "boss-password", "csrf_token": csrf_token(client)}
        form[field] = form[field] + "\x00"
        answer = client.post("/login", data=form)
        assert answer.status_code == 422
        assert "/login" not in (answer.location or "")


def test_guessing_ticket_and_order_tokens_is_slowed_per_address(client, app, workshop):
    for n in range(30):
        assert client.get(f"/t/guess{n}" if n % 2 else f"/o/guess{n}").status_code == 404
    assert client.get("/t/guess-again").status_code == 429
    # Even a real ticket waits now, for this address; another phone is not held up.
    real = f"/t/{workshop.tickets[0].token}"
    assert client.get(real).status_code == 429
    other = app.test_client()
    assert other.get(real, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_opening_real_tickets_never_counts_as_guessing(client, workshop):
    real = f"/t/{workshop.tickets[0].token}"
    for _ in range(40):
        assert client.get(real).status_code == 200


# --- strict JSON types in the API ----------------------------------------------------------------

def _order_body(**changes) -> dict:
    return {"customer": "Strict Ltd", "product": "SCARF", "quantity": 10, "due": "2030-05-01", **changes}


@pytest.mark.parametrize("field,value", [("quantity", "7"), ("quantity", " 5 "), ("quantity", 2.0), ("quantity", "1_0"),
                                         ("quantity", True), ("priority", "1"), ("bundle_size", 5.0),
                                         ("due", "2030-05-01T10:00:00"), ("due", "2030-05-01T00:00"),
                                         ("due", 20300501), ("customer", 12345)])
def test_the_api_takes_integers_dates_and_text_only_as_such(client, session, workshop, api_headers, field, value):
    from factory.data.models import Order
    before = len(session.exec(select(Order)).all())
    answer = client.post("/api/orders", json=_order_body(**{field: value}), headers=api_headers)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert len(session.exec(select(Order)).all()) == before
    assert client.post("/api/orders", json=_order_body(), headers=api_headers).status_code == 201


@pytest.mark.parametrize("change", [{"good": True}, {"good": "3"}, {"good": 1.0}, {"defects": False}])
def test_a_scan_through_the_api_takes_whole_numbers_only(client, session, workshop, api_headers, change):
    from factory.data.models import Scan
    body = {"id": "strict-scan-0001", "ticket": workshop.tickets[0].token, "operation": "knitting",
            "worker": workshop.knitter.code, "good": 1, **change}
    answer = client.post("/api/scans", json=body, headers=api_headers)
    assert answer.status_code == 422
    assert next(iter(change)) in answer.get_json()["errors"]
    assert session.exec(select(Scan)).first() is None


def test_an_inquiry_through_the_api_takes_a_date_not_a_datetime(client, workshop, api_headers):
    answer = client.post("/api/orders/assess", json={"product": "SCARF", "quantity": 10,
                                                     "due": "2030-05-01T23:59:59"}, headers=api_headers)
    assert answer.status_code == 422 and "due" in answer.get_json()["errors"]


# --- out-of-range numbers are refusals naming the field, never 500 ------------------------------

def _scenario(**changes) -> dict:
    scenario = {"today": "2026-04-13", "work_centers": [{"id": "knitting", "units": 2, "hours_per_day": 8}],
                "orders": [], "candidate": {"id": "NEW", "quantity": 10, "due": "2026-05-01",
                                            "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]}}
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = scenario
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return scenario


@pytest.mark.parametrize("path,value,field", [
    ("today", "9999-12-01", "today"),
    ("candidate.due", "9999-12-31", "candidate.due"),
    ("candidate.quantity", 10 ** 400, "candidate.quantity"),
    ("candidate.quantity", 2.0, "candidate.quantity"),
    ("work_centers.0.units", 10 ** 400, "work_centers[0].units"),
    ("candidate.operations.0.setup_minutes", 1e308, "candidate.operations[0].setup_minutes"),
    ("candidate.operations.0.minutes_per_piece", 1e308, "candidate.operations[0].minutes_per_piece"),
])
def test_the_feasibility_api_refuses_numbers_out_of_range_naming_the_field(client, api_headers, path, value, field):
    answer = client.post("/api/feasibility", json=_scenario(**{path: value}), headers=api_headers)
    assert answer.status_code == 422
    assert answer.get_json()["error"].startswith(field + ":")
    assert client.post("/api/feasibility", json=_scenario(), headers=api_headers).status_code == 200


@pytest.mark.parametrize("path", ["/reports/payroll?month=9999-12", "/reports/payroll.xlsx?month=9999-12",
                                  "/reports/payroll?month=1999-12", "/reports/payroll.xlsx?month=not-a-month"])
def test_a_payroll_month_out_of_range_is_refused(owner_client, path):
    answer = owner_client.get(path)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'class="field-error"' in page and ("YYYY-MM" in page or "2099-12" in page)


@pytest.mark.parametrize("weekday", ["²", "7", "9" * 5000, "-1", " 1"])
def test_workdays_outside_monday_to_sunday_are_refused_and_nothing_changes(owner_client, session, workshop, weekday):
    from factory.data.models import Workday
    before = sorted(session.exec(select(Workday.weekday)))
    answer = owner_client.post("/settings/workdays", data={"weekday": ["0", weekday],
                                                           "csrf_token": csrf_token(owner_client, "/settings")})
    assert answer.status_code == 422
    assert "Monday to Sunday" in answer.get_data(as_text=True) or "周一到周日" in answer.get_data(as_text=True)
    session.expire_all()
    assert sorted(session.exec(select(Workday.weekday))) == before


# --- uploads that would cost the server dearly are refused before decoding ----------------------

def _import(client, name: str, data: bytes):
    import io
    return client.post("/orders/import", data={"file": (io.BytesIO(data), name),
                                               "csrf_token": csrf_token(client, "/orders/import")},
                       content_type="multipart/form-data")


def _xlsx_with(extra_parts: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    from tests.test_order_import import HEADER, xlsx
    source = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, ["义乌恒达", "SCARF", 120, "2030-06-01"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            if part.filename not in extra_parts:
                target.writestr(part, source.read(part))
        for name, content in extra_parts.items():
            target.writestr(name, content)
    return out.getvalue()


def test_an_xlsx_that_unpacks_to_a_huge_shared_strings_part_is_refused(owner_client, session, workshop):
    from factory.data.models import Order
    before = len(session.exec(select(Order)).all())
    huge = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 2_000_000 + b"</sst>"
    data = _xlsx_with({"xl/sharedStrings.xml": huge})
    assert len(data) < 300_000
    answer = _import(owner_client, "orders.xlsx", data)
    assert answer.status_code == 422
    assert "20 MB" in answer.get_data(as_text=True)
    session.rollback()
    assert len(session.exec(select(Order)).all()) == before


def test_an_xlsx_with_too_many_cells_is_refused(owner_client, workshop):
    cells = b"".join(b'<c r="A%d"/>' % n for n in range(1, 100_002))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
             + cells + b"</row></sheetData></worksheet>")
    answer = _import(owner_client, "orders.xlsx", _xlsx_with({"xl/worksheets/sheet1.xml": sheet}))
    assert answer.status_code == 422
    assert "100000" in answer.get_data(as_text=True).replace(",", "")


def test_a_utf16_csv_from_excel_is_read(owner_client, workshop):
    data = "客户\t产品\t数量\t交期\r\n义乌恒达\tSCARF\t120\t2030-06-01\r\n".encode("utf-16")
    answer = _import(owner_client, "orders.csv", data)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "义乌恒达" in answer.get_data(as_text=True)


def _png(mode: str, size: tuple[int, int]) -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _upload_photo(client, data: bytes, name: str = "photo.png"):
    import io

    from tests.test_desk import product_form
    return client.post("/products/SCARF", data=product_form(client, photo=(io.BytesIO(data), name)),
                       content_type="multipart/form-data")


def test_a_photo_with_too_many_pixels_is_refused_from_its_header(owner_client, session, workshop):
    data = _png("1", (7000, 7000))  # 49 megapixels in a few kilobytes
    assert len(data) < 300_000
    answer = _upload_photo(owner_client, data)
    assert answer.status_code == 422
    assert "16" in answer.get_data(as_text=True) and "megapixel" in answer.get_data(as_text=True).lower() \
        or "百万像素" in answer.get_data(as_text=True)
    session.rollback()
    session.refresh(workshop.product)
    assert workshop.product.photo is None


def _png16(width: int, height: int, color_type: int) -> bytes:
    """A 16-bit PNG written by hand (Pillow writes only 8-bit colour), every sample 0x1234."""
    import struct
    import zlib
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    raw = b"".join(b"\x00" + b"\x12\x34" * channels * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("color_type", [0, 2, 4, 6])
def test_a_16_bit_png_is_taken_as_a_photo_with_its_own_tones(owner_client, session, workshop, color_type):
    import io

    from PIL import Image
    answer = _upload_photo(owner_client, _png16(800, 600, color_type))
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
    session.rollback()
    session.refresh(workshop.product)
    stored = Image.open(io.BytesIO(workshop.product.photo))
    first = stored.convert("L").getpixel((10, 10))
    assert abs(first - 0x12) <= 2  # 0x1234 of 0xffff is dark grey, not clipped to white


# --- exports, backups and the audit log ----------------------------------------------------------

def test_the_export_leaves_secrets_out_and_both_files_are_owner_only(app, session, workshop, owner, api_headers,
                                                                     tmp_path):
    import json
    import zipfile
    export, backup = tmp_path / "all.zip", tmp_path / "backups" / ("copy.db" if not PG_URL else "copy.dump")
    assert app.test_cli_runner().invoke(args=["export", str(export)]).exit_code == 0
    if not PG_URL or __import__("shutil").which("pg_dump"):
        result = app.test_cli_runner().invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    with zipfile.ZipFile(export) as archive:
        text = "".join(archive.read(name).decode() for name in archive.namelist())
        workers = [json.loads(line) for line in archive.read("worker.jsonl").decode().splitlines()]
    assert workers and all("badge_token" not in w for w in workers) and "code" in workers[0]
    assert workshop.knitter.badge_token not in text
    assert owner.password_hash not in text
    assert "password_hash" not in text and "token_hash" not in text


def test_a_failed_sign_in_stores_only_the_login_form_fields_cut_short(app, client, session):
    answer = client.post("/login", data={"username": "u" * 500, "password": "secret-guess", "next": "/orders",
                                         "csrf_token": csrf_token(client), "junk": "j" * 4000, "more": "x"})
    assert answer.status_code == 422
    [entry] = session.exec(select(AuditEntry)).all()
    import json
    assert json.loads(entry.detail) == {"username": "u" * 80, "next": "/orders"}
    assert entry.username == "u" * 80


# --- the worker's phone ---------------------------------------------------------------------------

def test_another_workers_badge_link_asks_before_switching(worker_client, workshop):
    other = f"/w/{workshop.linker.badge_token}"
    page = worker_client.get(other)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert workshop.knitter.name in text and workshop.linker.name in text
    assert workshop.knitter.name in worker_client.get("/me").get_data(as_text=True)
    answer = worker_client.post(other, data={"csrf_token": csrf_token(worker_client, other)})
    assert answer.status_code == 302
    me = worker_client.get("/me").get_data(as_text=True)
    assert workshop.linker.name in me and workshop.knitter.name not in me
    # The own badge again signs in without a question.
    assert worker_client.get(other).status_code == 302


def test_my_day_is_never_cached(worker_client):
    assert worker_client.get("/me").headers["Cache-Control"] == "no-store"


def test_undo_only_through_the_scans_own_ticket(worker_client, session, workshop):
    from tests.conftest import scans_in as scans
    from tests.conftest import worker_form
    from tests.test_floor import log
    first, other = workshop.tickets[0], workshop.tickets[1]
    assert log(worker_client, first, id="own-ticket-01", good="5").status_code == 303
    elsewhere = worker_client.post(f"/t/{other.token}/scans/own-ticket-01/undo",
                                   data=worker_form(worker_client, f"/t/{other.token}"))
    assert elsewhere.status_code == 404
    assert [s.good for s in scans(session)] == [5]
    own = worker_client.post(f"/t/{first.token}/scans/own-ticket-01/undo",
                             data=worker_form(worker_client, f"/t/{first.token}"))
    assert own.status_code == 303
    assert [s.good for s in scans(session)] == [5, -5]


# --- orders: routes, names, search, messages -----------------------------------------------------

def test_an_order_for_a_product_without_a_route_is_refused(client, session, api_headers, workshop):
    from factory.data.models import Order, Product
    session.add(Product(code="NOROUTE", name="无工序"))
    session.commit()
    before = len(session.exec(select(Order)).all())
    answer = client.post("/api/orders", json=_order_body(product="NOROUTE"), headers=api_headers)
    assert answer.status_code == 422
    assert "route" in answer.get_json()["errors"]["product"] or "工序" in answer.get_json()["errors"]["product"]
    session.rollback()
    assert len(session.exec(select(Order)).all()) == before


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200d\u2060\ufeff", "\u202e\u202c", " \u3000 "])
def test_a_customer_name_of_only_invisible_characters_is_refused(client, api_headers, workshop, name):
    answer = client.post("/api/orders", json=_order_body(customer=name), headers=api_headers)
    assert answer.status_code == 422 and "customer" in answer.get_json()["errors"]


def test_percent_and_underscore_in_the_order_search_are_plain_characters(owner_client, client, api_headers, workshop):
    from bs4 import BeautifulSoup
    for customer in ("100% Wool Co", "Plain Knits"):
        assert client.post("/api/orders", json=_order_body(customer=customer), headers=api_headers).status_code == 201

    def found(q):
        page = BeautifulSoup(owner_client.get("/orders", query_string={"q": q}).get_data(as_text=True), "html.parser")
        return " ".join(row.get_text(" ") for row in page.select("table.orders tbody tr"))
    assert "100% Wool Co" in found("%") and "Plain Knits" not in found("%")
    assert "Plain Knits" not in found("_")


def test_messages_say_what_is_wrong(client, api_headers, workshop):
    too_short = client.post("/api/scans", json={"id": "abc", "ticket": workshop.tickets[0].token,
                                                "operation": "knitting", "worker": "W1", "good": 1},
                            headers=api_headers).get_json()["errors"]["id"]
    assert "8" in too_short and "56" in too_short and "." not in too_short.rstrip("。.")
    lines = [{"quantity": 1}] * 201
    many = client.post("/api/orders", json=_order_body(quantity=201, lines=lines),
                       headers=api_headers).get_json()["errors"]["lines"]
    assert "200" in many


def test_the_security_settings_are_documented_with_what_they_protect():
    text = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    section = text[text.index("## 8. Security settings"):]
    for name in ("FACTORY_ENV", "SECRET_KEY", "SECURE_COOKIES", "TRUSTED_PROXIES", "MAX_CONTENT_LENGTH",
                 "instance/secret_key", "20 MB", "100,000", "megapixels", "0600"):
        assert name in section, name
