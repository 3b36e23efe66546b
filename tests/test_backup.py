"""Backups while the app writes (and their restore), and the full export."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
import zipfile
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from factory.data import db
from factory.data.models import Scan
from factory.data.people import create_owner
from factory.web.access import issue_api_token
from tests.conftest import PG_URL
from tests.server_process import (
    FLASK,
    ROOT,
    Phone,
    Server,
    answered,
    flask_env,
    request,
    run_phones,
    scans_for,
    wait_for_answers,
)
from tests.workshop_data import make_workshop


def test_backup_while_the_app_writes_is_consistent(app, session, workshop, tmp_path):
    ticket, operation, worker = workshop.tickets[0].id, workshop.operations[0].id, workshop.knitter.id

    def scan(s):
        s.add(Scan(client_id=str(uuid.uuid4()), ticket_id=ticket, operation_id=operation, worker_id=worker, good=1))
        s.commit()

    for _ in range(5):
        scan(session)
    stop = threading.Event()

    def keep_scanning():
        with Session(app.extensions["engine"]) as s:
            while not stop.is_set():
                scan(s)

    writer = threading.Thread(target=keep_scanning)
    writer.start()
    target = tmp_path / ("copy.db" if not PG_URL else "copy.dump")
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    if PG_URL:
        assert target.read_bytes()[:5] == b"PGDMP"
        return
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = copy.execute("SELECT count(*) FROM scan").fetchone()[0]
    assert 5 <= copied <= session.exec(select(func.count()).select_from(Scan)).one()
    assert copy.execute("SELECT count(*) FROM ticket").fetchone()[0] == len(workshop.tickets)


def test_export_has_every_table_as_json_lines(app, workshop, tmp_path):
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "all.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        tickets = [json.loads(line) for line in archive.read("ticket.jsonl").decode().splitlines()]
        assert {"scan.jsonl", "production_order.jsonl", "worker.jsonl"} <= set(archive.namelist())
    assert sorted(t["token"] for t in tickets) == sorted(t.token for t in workshop.tickets)


@pytest.mark.slow
def test_backup_of_the_running_server_restores(database_url, session, tmp_path):
    """`flask --app app backup` while phones scan through the real server, then the restore of
    docs/operations.md: the restored database holds a consistent snapshot and serves again."""
    # Room for every scan the phones can send (3 × 600 scans of 1-3 pieces, 60 bundles of 300):
    # however fast the server answers, no scan is refused for want of open pieces.
    shop = make_workshop(session=session, today=date.today(), quantity=18000, bundle_size=300)
    headers = {"Authorization": "Bearer " + issue_api_token(
        session=session, user=create_owner(session=session, username="boss", password="boss-password"))}
    session.commit()
    server = Server(database_url, tmp_path / "server.log")
    server.start()
    phones = [Phone(server.port, headers, scans_for([t.token for t in shop.tickets], "W1", 600)) for _ in range(3)]
    target = tmp_path / ("copy.dump" if PG_URL else "copy.db")

    try:
        threads = run_phones(phones)
        assert wait_for_answers(phones, 30), "the phones' first 30 scans were not answered"
        started = answered(phones)
        backup = subprocess.run([FLASK, "--app", "app", "backup", str(target)], cwd=ROOT,
                                env=flask_env(database_url), capture_output=True, text=True, timeout=60)
        finished = answered(phones)
        assert wait_for_answers(phones, finished + 20), "no 20 scans answered after the backup"
        for p in phones:
            p.stop.set()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "phones still waiting for answers"
    finally:
        server.stop()
    assert backup.returncode == 0, backup.stderr
    assert finished > started, "no scan was answered while the backup ran"
    answers = {a.scan["id"]: a for p in phones for a in p.answers}
    assert {a.status for a in answers.values()} == {201}

    engine = db.make_engine(database_url)
    with engine.connect() as conn:
        original = {r.client_id: tuple(r) for r in conn.execute(text("SELECT client_id, id, ticket_id, good FROM scan"))}
    engine.dispose()
    # Restore as docs/operations.md says, with the app stopped (this test's own connections too).
    session.close()
    session.get_bind().dispose()
    if PG_URL:
        plain_url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={plain_url}", str(target)],
                       check=True, capture_output=True, timeout=60)
    else:
        path = database_url.split("///", 1)[1]
        shutil.copy(target, path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    engine = db.make_engine(database_url)
    with engine.connect() as conn:
        restored = {r.client_id: tuple(r) for r in conn.execute(text("SELECT client_id, id, ticket_id, good FROM scan"))}
        if not PG_URL:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    assert 30 <= len(restored) < len(original)
    assert all(original[c] == row for c, row in restored.items())
    if not PG_URL:
        # One writer at a time on SQLite: the snapshot is exactly the first scans, without gaps.
        assert sorted(r[1] for r in restored.values()) == sorted(r[1] for r in original.values())[:len(restored)]

    server.start()
    try:
        kept, lost = next(iter(restored)), next(c for c in original if c not in restored)
        status, body = request(server.port, "POST", "/api/scans", answers[kept].scan, headers)
        assert status == 200 and json.loads(body) == json.loads(answers[kept].body)
        # A scan made after the backup is gone with the restore: sending it again records it anew.
        status, _ = request(server.port, "POST", "/api/scans", answers[lost].scan, headers)
        assert status == 201
    finally:
        server.stop()
