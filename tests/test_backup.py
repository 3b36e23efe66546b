"""Backups while the app writes, and the full export."""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
import zipfile

from sqlmodel import Session, func, select

from factory.models import Scan
from tests.conftest import PG_URL


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
