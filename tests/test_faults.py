"""The server killed in the middle of the scans: nothing acknowledged is lost, nothing is stored
twice, and phones that retry the same id after the restart get the first answer."""
from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text

from factory.data import db
from factory.data.people import create_owner
from factory.web.access import issue_api_token
from tests.conftest import PG_URL
from tests.server_process import Phone, Server, request, run_phones, scans_for, wait_for_answers
from tests.workshop_data import make_workshop

PHONES, SCANS_EACH = 6, 40


@pytest.mark.slow
def test_scans_survive_a_killed_server(database_url, session, tmp_path):
    shop = make_workshop(session=session, today=date.today(), quantity=4000, bundle_size=400)
    tickets = [t.token for t in shop.tickets]
    headers = {"Authorization": "Bearer " + issue_api_token(
        session=session, user=create_owner(session=session, username="boss", password="boss-password"))}
    session.commit()
    # PostgreSQL is served as in production with several processes (gunicorn); SQLite by waitress.
    server = Server(database_url, tmp_path / "server.log", processes=2 if PG_URL else 1)
    server.start()
    phones = [Phone(server.port, headers, scans_for(tickets, "W1", SCANS_EACH)) for _ in range(PHONES)]
    try:
        threads = run_phones(phones)
        # The kill lands after a third of the scans are answered (the assertions below check it did).
        wait_for_answers(phones, PHONES * SCANS_EACH // 3, timeout=20)
        server.kill()
        killed_at = time.monotonic()
        before_kill = [a for p in phones for a in p.answers if a.at < killed_at and a.status == 201]
        server.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "phones still waiting for answers"
        # Phones that never saw their answer ask again after the restart: the first answer comes back.
        replays = [(a, request(server.port, "POST", "/api/scans", a.scan, headers)) for a in before_kill[:10]]
    finally:
        server.stop()

    answers = [a for p in phones for a in p.answers]
    assert len(answers) == PHONES * SCANS_EACH
    assert {a.status for a in answers} <= {200, 201}, Counter(a.status for a in answers)
    assert before_kill and any(a.at > killed_at for a in answers), "the kill did not land in the middle of the load"
    assert sum(p.connection_errors for p in phones) > 0, "no request was cut off or refused by the kill"
    # A scan answered 200 on its first attempt would be a scan the phone never sent before.
    assert all(a.attempts > 1 for a in answers if a.status == 200)
    for first, (status, body) in replays:
        assert status == 200 and json.loads(body) == json.loads(first.body)

    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT client_id, good FROM scan")).all()
            per_ticket = dict(conn.execute(text(
                "SELECT t.token, SUM(s.good) FROM scan s JOIN ticket t ON t.id = s.ticket_id GROUP BY t.token")).all())
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    counts = Counter(client_id for client_id, _ in stored)
    assert max(counts.values()) == 1, "a scan id is stored twice"
    # Every scan was answered 2xx in the end, so the database holds exactly the acknowledged scans.
    assert set(counts) == {a.scan["id"] for a in answers}
    assert dict(stored) == {a.scan["id"]: a.scan["good"] for a in answers}
    expected = Counter()
    for a in answers:
        expected[a.scan["ticket"]] += a.scan["good"]
    assert per_ticket == dict(expected)
    # The progress in each answer is the ticket's total right after that scan, so the largest
    # seen for a ticket is its final stored total.
    for token, total in per_ticket.items():
        seen = [json.loads(a.body)["progress"]["operations"][0]["good"] for a in answers if a.scan["ticket"] == token]
        assert max(seen) == total
