"""Time the promises replay on the demo workshop (eight weeks of scans): the replay alone as of 28,
14 and 3 days ago (its one engine run inside), the report page with it (full and the htmx fragment),
the API, and the promises report without the replay, interleaved so the machine's load hits both.

    .venv/bin/python bench/replay.py

CPU and wall time per call, median of 7."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select  # noqa: E402

from factory import create_app  # noqa: E402
from factory.data import db  # noqa: E402
from factory.data.demo import load_demo  # noqa: E402
from factory.data.live_scenario import scenario_of  # noqa: E402
from factory.data.models import WorkCenter  # noqa: E402
from factory.data.people import create_owner  # noqa: E402
from factory.data.promises import promise_report  # noqa: E402
from factory.data.replay import past_orders, replay  # noqa: E402
from factory.feasibility.completions import planned_completions  # noqa: E402
from factory.feasibility.replay import orders_as_of  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
RUNS = 7


def timed(fn) -> tuple[float, float]:
    """(CPU ms, wall ms) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def interleaved(cases: dict) -> dict[str, tuple[float, float]]:
    """Each case once per round, RUNS rounds: the medians of CPU and wall time."""
    found: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(RUNS):
        for name, fn in cases.items():
            found[name].append(timed(fn))
    return {name: (statistics.median(c for c, _ in t), statistics.median(w for _, w in t)) for name, t in found.items()}


def main() -> None:
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{os.path.join(folder, 'bench.db')}"
    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False})
    today = date.today()
    with app.app_context(), Session(app.extensions["engine"]) as session:
        load_demo(session=session, today=today)
        create_owner(session=session, username="bench", password="bench-password")
        session.commit()
        cases = {}
        for back in (28, 14, 3):
            day = today - timedelta(days=back)
            found = replay(session=session, as_of=day, today=today, zone=ZONE)
            print(f"as of {day} ({back:2d} days ago): {len(found.rows):3d} orders on the plan, kept {found.kept}, "
                  f"late {found.late}, open {found.count('open')}, mean days late {found.mean_days_late}")
            cases[f"replay, {back:2d} days ago"] = (lambda d=day: replay(session=session, as_of=d, today=today,
                                                                         zone=ZONE))
            scenario_orders = orders_as_of(day, past_orders(session=session, as_of=day, zone=ZONE))
            centers = list(session.exec(select(WorkCenter)))
            scenario = scenario_of(today=day, centers=centers, workdays=range(6), holidays=[], orders=scenario_orders)
            cases[f"  its engine run alone, {back:2d}"] = lambda s=scenario: planned_completions(s)
        cases["promises report alone (before)"] = lambda: promise_report(session=session, today=today, zone=ZONE)
        results = interleaved(cases)
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password"})
    pages = {"page /reports/promises (report + replay)": lambda: client.get("/reports/promises"),
             "htmx fragment ?as_of= (replay only)": lambda: client.get(
                 f"/reports/promises?as_of={today - timedelta(days=14)}", headers={"HX-Request": "true"})}
    for name, fn in pages.items():
        assert fn().status_code == 200, name
    results.update(interleaved(pages))
    print(f"{'':44s} {'CPU ms':>8s} {'wall ms':>8s}")
    for name, (cpu, wall) in results.items():
        print(f"{name:44s} {cpu:8.1f} {wall:8.1f}")
    print("load:", open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    main()
