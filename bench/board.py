"""Seed 2,000 orders and 200,000 scans, then time the board, an order page and the reports.

    .venv/bin/python bench/board.py                 # a fresh SQLite file
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/board.py   # also PostgreSQL

Prints the median response time of each page through the Flask test client and the number of
SQL statements one board request runs at half and at all of the scans (it must not grow).
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from factory import create_app  # noqa: E402
from factory.config import normalise_database_url  # noqa: E402
from factory.data import db
from factory.data.demo import PRODUCTS, STAFFING, WORK_CENTERS  # noqa: E402
from factory.data.models import (  # noqa: E402
    Operation,
    Order,
    Product,
    Scan,
    Ticket,
    WorkCenter,
    Workday,
    Worker,
    WorkerWorkCenter,
    new_token,
)
from factory.data.people import create_owner  # noqa: E402

ORDERS, SCANS, OPEN = 2000, 200_000, 300
SHANGHAI = timezone(timedelta(hours=8))


def seed(engine, today: date, rng: random.Random) -> list[dict]:
    """Write the workshop; returns the scans to insert later (so they can go in two halves)."""
    with Session(engine) as s:
        centers = {}
        for pos, (code, name, units, hours, eff, ot) in enumerate(WORK_CENTERS):
            centers[code] = WorkCenter(code=code, name=name, units=units, hours_per_day=hours, efficiency=eff,
                                       overtime_hours_per_day=ot, position=pos)
            s.add(centers[code])
        s.add_all(Workday(weekday=d) for d in range(6))
        s.flush()
        routes = {}
        for code, name, *_rest, route in PRODUCTS:
            product = Product(code=code, name=name)
            s.add(product)
            s.flush()
            routes[product.id] = []
            for pos, (center, minutes, setup, rate) in enumerate(route):
                op = Operation(product_id=product.id, position=pos, code=center, name=center,
                               work_center_id=centers[center].id, minutes_per_piece=minutes, setup_minutes=setup,
                               piece_rate=Decimal(str(rate)))
                s.add(op)
                routes[product.id].append(op)
        workers = {}
        for i, center in enumerate(STAFFING):
            worker = Worker(code=f"W{i + 1:02d}", name=f"工人{i + 1}")
            s.add(worker)
            s.flush()
            s.add(WorkerWorkCenter(worker_id=worker.id, work_center_id=centers[center].id))
            workers.setdefault(centers[center].id, []).append(worker.id)
        s.commit()
        route_ops = {pid: [(op.id, op.work_center_id) for op in ops] for pid, ops in routes.items()}
    product_ids = list(route_ops)
    orders, tickets = [], []
    for n in range(ORDERS):
        open_ = n >= ORDERS - OPEN
        status = rng.choice(["accepted", "in_production", "in_production"]) if open_ else rng.choice(
            ["shipped"] * 8 + ["done", "cancelled"])
        quantity = rng.choice([120, 200, 300, 500, 800])
        due = today + timedelta(days=rng.randint(-3, 40)) if open_ else today - timedelta(days=rng.randint(1, 300))
        orders.append({"id": n + 1, "number": f"SO-B{n + 1:05d}", "customer": f"客户{n % 40}",
                       "product_id": rng.choice(product_ids), "quantity": quantity, "due": due, "priority": 0,
                       "status": status, "bundle_size": 50, "notes": "", "token": new_token(),
                       "created_at": datetime.now(UTC)})
        for b in range(0, quantity, 50):
            tickets.append({"id": len(tickets) + 1, "order_id": n + 1, "bundle_no": b // 50 + 1, "color": "",
                            "size": "", "quantity": min(50, quantity - b), "token": new_token(), "printed_count": 0})
    with engine.begin() as conn:
        conn.execute(insert(Order), orders)
        conn.execute(insert(Ticket), tickets)
    by_order = {o["id"]: o for o in orders}
    scans, ticket_ids = [], [t for t in tickets if by_order[t["order_id"]]["status"] != "accepted"]
    rng.shuffle(ticket_ids)
    for t in ticket_ids:
        order = by_order[t["order_id"]]
        share = 1.0 if order["status"] in ("shipped", "done") else rng.uniform(0.1, 0.9)
        when = today - timedelta(days=rng.randint(0, 60) if order["status"] != "in_production" else rng.randint(0, 10))
        for k, (op_id, center) in enumerate(route_ops[order["product_id"]]):
            left = int(t["quantity"] * min(1.0, share * (1.5 - 0.25 * k)))
            while left > 0 and len(scans) < SCANS:
                good = min(left, rng.choice([5, 10, 10, 15]))
                left -= good
                moment = datetime.combine(when, dtime(8), SHANGHAI) + timedelta(minutes=rng.randint(0, 600))
                scans.append({"client_id": uuid.uuid4().hex, "ticket_id": t["id"], "operation_id": op_id,
                              "worker_id": rng.choice(workers[center]), "good": good,
                              "defects": 1 if rng.random() < 0.03 else 0,
                              "created_at": moment.astimezone(UTC),
                              "worked_at": moment.astimezone(UTC), "source": "bench"})
        if len(scans) >= SCANS:
            break
    return scans


def timed(client, path: str, runs: int = 5, **kwargs) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, **kwargs)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times) * 1000, len(response.data)


def count_queries(engine, fn) -> int:
    seen = []

    def before(conn, cursor, statement, *args):
        if not statement.startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def seeded_app(url: str):
    """A migrated database with the workshop, its orders and half its scans, and an app on it:
    (app, engine, every scan row, how many of them are in)."""
    print(f"\n== {url.split('@')[-1]}")
    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False})
    engine = app.extensions["engine"]
    scans = seed(engine, date.today(), random.Random(4))
    half = len(scans) // 2
    with engine.begin() as conn:
        conn.execute(insert(Scan), scans[:half])
    return app, engine, scans, half


def run(url: str) -> None:
    start = time.perf_counter()
    app, engine, scans, half = seeded_app(url)
    today = date.today()
    with Session(engine) as s:
        create_owner(session=s, username="bench", password="bench-password")
        s.commit()
    print(f"seeded {ORDERS} orders, {half} scans in {time.perf_counter() - start:.1f} s")
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password"})
    with app.app_context():
        at_half = count_queries(engine, lambda: client.get("/"))
    with engine.begin() as conn:
        conn.execute(insert(Scan), scans[half:])
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM scan")).scalar()
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"{total} scans in all; SQL statements per board request: {at_half} at {half} scans, "
          f"{count_queries(engine, lambda: client.get('/'))} at {total}")
    number = f"SO-B{ORDERS - 10:05d}"
    month = today.strftime("%Y-%m")
    for label, path, kwargs in (("board (full page)", "/", {}), ("board (htmx poll)", "/", {"headers": {"HX-Request": "true"}}),
                                ("order page", f"/orders/{number}", {}), ("orders list", "/orders", {}),
                                ("reports", "/reports", {}), ("payroll", f"/reports/payroll?month={month}", {}),
                                ("payroll .xlsx", f"/reports/payroll.xlsx?month={month}", {}),
                                ("work in progress", "/wip", {}), ("orders .xlsx", "/orders/export.xlsx", {})):
        ms, size = timed(client, path, **kwargs)
        print(f"{label:20s} {ms:8.1f} ms  ({size / 1024:.0f} KB)")
    # The board remembers its capacity plan until the data changes; in a busy workshop each poll
    # after a scan plans again. Time that: the board with the plan forgotten before each request.
    from factory.data.board import _cached_completions
    runs = []
    for _ in range(5):
        _cached_completions.cache_clear()
        started = time.perf_counter()
        client.get("/", headers={"HX-Request": "true"})
        runs.append((time.perf_counter() - started) * 1000)
    print(f"{'board, plan anew':20s} {sorted(runs)[2]:8.1f} ms  (after every scan, the capacity plan of every open order)")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT t.order_id, s.operation_id, sum(s.good), sum(s.defects), max(s.worked_at) "
                "FROM scan s JOIN ticket t ON t.id = s.ticket_id JOIN production_order o ON o.id = t.order_id "
                "WHERE o.status IN ('accepted', 'in_production') GROUP BY t.order_id, s.operation_id").all()
        print("board scan totals, query plan:", " | ".join(row[-1] for row in plan))
    engine.dispose()


def on_each_database(run, name: str) -> None:
    """`run(url)` on a fresh SQLite file, then on a PostgreSQL database of its own when
    TEST_DATABASE_URL (or DATABASE_URL) names one (dropped afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db")
    pg = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if pg.startswith("postgres"):
        name = f"{name}_{os.getpid()}"  # two benches at once each get their own
        base = normalise_database_url(pg)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(base.rsplit("/", 1)[0] + "/" + name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    on_each_database(run, "factory_bench_board")


if __name__ == "__main__":
    main()
