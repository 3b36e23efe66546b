"""Scan speed: scans per second through `record_scan` (the code path of the page and the API),
one writer and several threads at once, on SQLite (a file, WAL) and, when a URL is given,
PostgreSQL. Every scan is checked and inserted in its own write transaction with the ticket locked.

    .venv/bin/python bench/scans.py [count] [postgresql+psycopg://postgres@127.0.0.1:5432/bench]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from factory.config import normalise_database_url  # noqa: E402
from factory.data import db  # noqa: E402
from factory.data.models import Ticket  # noqa: E402
from factory.data.orders import create_order  # noqa: E402
from factory.data.scans import ScanRequest, record_scan  # noqa: E402
from factory.inputs import OrderIn  # noqa: E402
from tests.workshop_data import make_workshop  # noqa: E402


def prepare(url: str) -> tuple[object, list[str]]:
    db.upgrade(url)
    engine = db.make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        make_workshop(session=session, today=date.today())
        tickets = []
        for _ in range(8):
            order = create_order(session=session, order_in=OrderIn(customer="bench", product="SCARF",
                                                                       quantity=1_000_000, due=date(2030, 1, 1)))
            tickets.append(session.exec(select(Ticket.token).where(Ticket.order_id == order.id)).one())
        session.commit()
    return engine, tickets


def run(engine, tokens: list[str], count: int, threads: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        mine = []
        for i in range(count // threads):
            start = time.perf_counter()
            outcome = record_scan(engine=engine, now=datetime.now(UTC), request=ScanRequest(
                str(uuid.uuid4()), tokens[(n + i) % len(tokens)], "knitting", "W1", 1))
            assert outcome.status == 201, outcome.refusal
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started, latencies


def floor_rate(engine, count: int) -> float:
    """The disk's floor: empty write transactions committed one after another (each one syncs)."""
    started = time.perf_counter()
    for _ in range(count):
        with db.write_transaction(engine) as session:
            session.exec(text("SELECT 1"))
            session.exec(text("UPDATE work_center SET position = position WHERE id = 1"))
    return count / (time.perf_counter() - started)


def report(name: str, engine, tokens: list[str], count: int) -> None:
    run(engine, tokens, 50, 1)  # warm up
    print(f"{name:10} bare commits (one row updated): {floor_rate(engine, min(count, 500)):7.0f} per second")
    for threads in (1, 4):
        elapsed, latencies = run(engine, tokens, count, threads)
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"{name:10} {threads} thread(s): {len(latencies) / elapsed:7.0f} scans/s, "
              f"median {statistics.median(latencies) * 1000:5.1f} ms, p99 {p99 * 1000:5.1f} ms")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as folder:
        engine, tokens = prepare(f"sqlite:///{folder}/bench.db")
        report("SQLite", engine, tokens, count)
        engine.dispose()
    if len(sys.argv) > 2:
        url = normalise_database_url(sys.argv[2])
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine, tokens = prepare(url)
        report("PostgreSQL", engine, tokens, count)
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
