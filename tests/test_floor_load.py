"""Owner actions while the floor scans, through the real server: printing a 200-bundle order's
labels, saving products, moving statuses, editing calendars, uploading photos and editing an order
whose first bundles are being scanned. Nothing answers 5xx on either database; an edit that
loses the race to a scan is a clear 409, and every acknowledged scan is stored once.

Load is counted in requests (each phone posts a fixed number of scans; the owner's work is a
fixed list), never in seconds."""
from __future__ import annotations

import io
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import date, timedelta
from http.cookiejar import CookieJar

from PIL import Image
from sqlalchemy import text

from factory.data import db
from factory.data.orders import create_order
from factory.data.people import create_owner
from factory.inputs import OrderIn
from factory.web.access import issue_api_token
from tests.server_process import Phone, Server, run_phones, scans_for
from tests.workshop_data import make_workshop

PHONES, SCANS_EACH = 3, 60


class OwnerBrowser:
    """The office PC: a cookie session signed in through the login form, CSRF token included."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.statuses: list[tuple[str, int]] = []
        self.token = ""

    def call(self, method: str, path: str, form: dict | None = None, files: dict | None = None) -> tuple[int, str]:
        body, headers = None, {}
        if form is not None or files is not None:
            fields = {"csrf_token": self.token, **(form or {})}
            if files:
                body, headers["Content-Type"] = _multipart(fields, files)
            else:
                body = urllib.parse.urlencode(fields, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as answer:
                status, page = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, page = error.code, error.read()
        self.statuses.append((f"{method} {path.split('?')[0]}", status))
        return status, page.decode("utf-8", "replace") if not page.startswith(b"%PDF") else "PDF"

    def sign_in(self, username: str, password: str) -> None:
        _, page = self.call("GET", "/login")
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _ = self.call("POST", "/login", {"username": username, "password": password})
        assert status == 200, "signed in and redirected to the board"
        _, page = self.call("GET", "/settings")
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, mimetype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {mimetype}\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _photo(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (20 * n % 255, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_owner_work_while_the_floor_scans_never_fails(database_url, session, tmp_path):
    shop = make_workshop(session=session, today=date.today(), quantity=4000, bundle_size=20)
    assert len(shop.tickets) == 200
    edited = create_order(session=session, order_in=OrderIn(
        customer="改单客户", product="SCARF", quantity=200, due=date.today() + timedelta(days=20), bundle_size=20))
    moved = create_order(session=session, order_in=OrderIn(
        customer="状态客户", product="SCARF", quantity=50, due=date.today() + timedelta(days=30)))
    owner = create_owner(session=session, username="boss", password="boss-password")
    headers = {"Authorization": "Bearer " + issue_api_token(session=session, user=owner)}
    session.commit()
    edited_tokens = [t.token for t in session.exec(
        text("SELECT token FROM ticket WHERE order_id = :o ORDER BY bundle_no").bindparams(o=edited.id))]

    server = Server(database_url, tmp_path / "server.log", processes=2 if "postgresql" in database_url else 1)
    server.start()
    try:
        floor = [Phone(server.port, headers, scans_for([t.token for t in shop.tickets], "W1", SCANS_EACH))
                 for _ in range(PHONES)]
        # One phone scans the first bundles of the order the owner is editing at the same moment.
        racer = Phone(server.port, headers, scans_for(edited_tokens[:3], "W1", 6))
        office = OwnerBrowser(server.port)
        office.sign_in("boss", "boss-password")
        threads = run_phones([*floor, racer])
        number = shop.order.number
        uploads = [threading.Thread(target=_upload, args=(server.port, n)) for n in range(8)]
        for t in uploads:
            t.start()
        for round_no in range(3):
            office.call("GET", f"/orders/{number}/labels.pdf?preset=a4-3x8")
            office.call("GET", f"/orders/{number}/print")
            office.call("POST", f"/orders/{number}/printed", {})
            office.call("POST", "/products/SCARF", {"name": f"测试围巾 {round_no}", "yarn": "腈纶"})
            office.call("POST", f"/orders/{moved.number}/status", {"status": "done"})
            office.call("POST", f"/orders/{moved.number}/status", {"status": "in_production"})
            office.call("POST", "/settings/holidays", {"day": (date.today() + timedelta(days=40 + round_no)).isoformat(),
                                                       "name": "测试假"})
            office.call("POST", "/settings/workdays", {"weekday": ["0", "1", "2", "3", "4", "5"]})
            office.call("POST", f"/orders/{edited.number}/edit", {
                "customer": "改单客户", "product": "SCARF", "quantity": "200", "bundle_size": "25", "priority": "0",
                "due": (date.today() + timedelta(days=21 + round_no)).isoformat()})
        for t in [*threads, *uploads]:
            t.join(120)
        assert not any(t.is_alive() for t in [*threads, *uploads]), "requests still waiting for an answer"
    finally:
        server.stop()
        log = (tmp_path / "server.log").read_text()

    owner_answers = Counter(office.statuses) + Counter(UPLOADS)
    assert not [k for k in owner_answers if k[1] >= 500], (owner_answers, log[-3000:])
    assert "database is locked" not in log and "deadlock" not in log.lower(), log[-3000:]
    edits = [status for what, status in office.statuses if what.endswith("/edit")]
    assert set(edits) <= {200, 302, 409}, edits
    floor_answers = [a for p in floor for a in p.answers]
    assert len(floor_answers) == PHONES * SCANS_EACH and {a.status for a in floor_answers} == {201}
    # The racing phone's bundles may vanish under an edit (404) or stop the edit (its scans stay).
    assert {a.status for a in racer.answers} <= {201, 404}, Counter(a.status for a in racer.answers)
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = Counter(r[0] for r in conn.execute(text("SELECT client_id FROM scan")))
            printed = conn.execute(text("SELECT MIN(printed_count), MAX(printed_count) FROM ticket WHERE order_id = :o")
                                   .bindparams(o=shop.order.id)).one()
    finally:
        engine.dispose()
    acknowledged = {a.scan["id"] for a in [*floor_answers, *racer.answers] if a.status == 201}
    assert set(stored) == acknowledged and max(stored.values()) == 1
    assert tuple(printed) == (3, 3), "three rounds of 'printed', each counted once per ticket; PDF fetches count nothing"
    UPLOADS.clear()


UPLOADS: list[tuple[str, int]] = []


def _upload(port: int, n: int) -> None:
    """One of eight photo uploads at once, each from its own signed-in office browser."""
    browser = OwnerBrowser(port)
    browser.sign_in("boss", "boss-password")
    status, _ = browser.call("POST", "/products/SCARF", {"name": "测试围巾"},
                             files={"photo": (f"p{n}.jpg", _photo(n), "image/jpeg")})
    UPLOADS.append(("POST /products/SCARF (photo)", status))
