"""The floor now at 2,000 orders (300 open) and 200,000 scans: the floor view, the stuck list,
a worker's queue and an unchanged board poll, timed through the Flask test client (server time,
no network), with the number of SQL statements each runs at half and at all of the scans.

    .venv/bin/python bench/floor.py                 # a fresh SQLite file
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/floor.py   # also PostgreSQL

Seeds with bench/board.py's seed (the same workshop, orders and scans), plus shift hours
Monday to Saturday 08:00-17:30 with a lunch break, so the stuck list counts working hours.
"""
from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from board import ORDERS, count_queries, on_each_database, seeded_app  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from factory.cli import freeze_startup_objects  # noqa: E402
from factory.data import db  # noqa: E402
from factory.data.floor import stuck_bundles  # noqa: E402
from factory.data.models import Scan, Shift, Worker, utcnow  # noqa: E402
from factory.data.people import create_owner  # noqa: E402
from factory.web.access import issue_api_token  # noqa: E402


def median_ms(fn, runs: int = 7, before=None) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (SQLite runs in it; PostgreSQL's own
    work is not in it). On a shared, loaded machine the CPU time is the steadier figure.
    `before` runs untimed ahead of each request (moving the board's data version as a scan does)."""
    times, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def run(url: str) -> None:
    app, engine, scans, half = seeded_app(url)
    with Session(engine) as s:
        s.add_all(Shift(weekday=d, starts=8 * 60, ends=17 * 60 + 30, breaks="12:00-13:00") for d in range(6))
        owner = create_owner(session=s, username="bench", password="bench-password")
        token = issue_api_token(session=s, user=owner)
        worker = s.exec(select(Worker).order_by(Worker.code)).first()
        badge, code = worker.badge_token, worker.code
        s.commit()
    owner_client = app.test_client()
    owner_client.post("/login", data={"username": "bench", "password": "bench-password"})
    worker_client = app.test_client()
    worker_client.get(f"/w/{badge}")
    api = {"Authorization": f"Bearer {token}"}
    zone = None

    def stuck_list():
        with app.app_context():
            from factory.web.workshop_time import workshop_zone
            with Session(engine) as s:
                return stuck_bundles(session=s, now=utcnow(), zone=zone or workshop_zone())

    tag = owner_client.get("/", headers={"HX-Request": "true"}).headers["ETag"]
    poll = {"HX-Request": "true", "If-None-Match": tag}
    assert owner_client.get("/", headers=poll).status_code == 304
    views = (("floor view (page)", lambda: owner_client.get("/floor")),
             ("floor (API)", lambda: owner_client.get("/api/floor", headers=api)),
             ("stuck list (data)", stuck_list),
             ("worker's queue (page)", lambda: worker_client.get("/me/queue")),
             ("worker's queue (API)", lambda: owner_client.get(f"/api/workers/{code}/queue", headers=api)),
             ("board poll, unchanged", lambda: owner_client.get("/", headers=poll)),
             ("board summary (API)", lambda: owner_client.get("/api/board/summary", headers=api)))
    with app.app_context():
        at_half = {label: count_queries(engine, fn) for label, fn in views}
    with engine.begin() as conn:
        conn.execute(insert(Scan), scans[half:])
        # Straight inserts skip the write path: move the board's version as a scan would.
        conn.execute(db.BUMP)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM scan")).scalar()
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
    tag = owner_client.get("/", headers={"HX-Request": "true"}).headers["ETag"]
    poll["If-None-Match"] = tag
    report = stuck_list()
    print(f"{ORDERS} orders, {total} scans; {len(report.stuck)} bundles stuck, "
          f"{len(report.not_started)} orders not started")
    with app.app_context():
        at_all = {label: count_queries(engine, fn) for label, fn in views}
    def scanned():
        with engine.begin() as conn:
            conn.execute(db.BUMP)
    # Every read below follows a change of the data version, as on a floor that is scanning (no
    # view here keeps anything per version: each read counts afresh; the unchanged poll is the
    # exception, timed with the version it was given).
    # The seed's rows are in the database now: drop them from memory, as a server never held them.
    del scans
    # Twice: as `flask serve` runs (what the app made before serving frozen out of the garbage
    # collector's reach, cli.freeze_startup_objects), and without that, for comparison.
    print(f"{'':24s} {'as served':>20s} {'not frozen':>20s}")
    print(f"{'':24s} {'wall':>9s} {'CPU':>10s} {'wall':>9s} {'CPU':>10s}  SQL statements at {half} / {total} scans")
    figures: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in views}
    for frozen in (True, False):
        if frozen:
            freeze_startup_objects()
        else:
            gc.unfreeze()
        for label, fn in views:
            if label.startswith("board poll"):  # the tag of the version the other reads left
                poll["If-None-Match"] = owner_client.get("/", headers={"HX-Request": "true"}).headers["ETag"]
            figures[label].append(median_ms(fn, before=None if label.startswith("board poll") else scanned))
    for label, _ in views:
        (wall, cpu), (wall_unfrozen, cpu_unfrozen) = figures[label]
        print(f"{label:24s} {wall:7.1f} ms {cpu:7.1f} ms {wall_unfrozen:7.1f} ms {cpu_unfrozen:7.1f} ms  "
              f"{at_half[label]} / {at_all[label]}")
    changed = owner_client.get("/", headers={"HX-Request": "true"})
    size, poll["If-None-Match"] = len(changed.data), changed.headers["ETag"]
    unchanged = owner_client.get("/", headers=poll)
    print(f"board poll: {size / 1024:.0f} KB when changed, {len(unchanged.data)} bytes (status "
          f"{unchanged.status_code}) when not")
    engine.dispose()


def main() -> None:
    on_each_database(run, "factory_bench_floor")


if __name__ == "__main__":
    main()
