"""Time what measuring minutes per piece adds: the estimator over the demo's eight weeks of scans,
the board and "can we take it?" with and without the measured paces, and loading the demo.

    .venv/bin/python bench/measured.py

CPU time per call (the shared machine's wall clock varies with its load), median of 5."""
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

from sqlmodel import Session, func, select  # noqa: E402

from factory import create_app  # noqa: E402
from factory.data import db  # noqa: E402
from factory.data.board import board_rows  # noqa: E402
from factory.data.demo import load_demo  # noqa: E402
from factory.data.inquiries import assess_inquiry  # noqa: E402
from factory.data.measured import _SAMPLES, measured_samples  # noqa: E402
from factory.data.models import Scan  # noqa: E402
from factory.inputs import InquiryIn

ZONE = ZoneInfo("Asia/Shanghai")


def cpu(fn, runs: int = 5, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{os.path.join(folder, 'bench.db')}"
    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-" + "x" * 32})
    today = date.today()
    with app.app_context(), Session(app.extensions["engine"]) as session:
        start = time.process_time()
        load_demo(session=session, today=today)
        session.commit()
        print(f"load_demo (build, write, commit)      {(time.process_time() - start) * 1000:7.0f} ms CPU")
        scans = session.exec(select(func.count()).select_from(Scan)).one()
        print(f"scans in the demo                      {scans:7d}")
        print(f"estimator, nothing remembered          {cpu(lambda: measured_samples(session=session, today=today, zone=ZONE), before=_SAMPLES.clear):7.1f} ms")
        print(f"estimator, remembered                  {cpu(lambda: measured_samples(session=session, today=today, zone=ZONE)):7.1f} ms")
        print(f"board rows, typed only                 {cpu(lambda: board_rows(session=session, today=today)):7.1f} ms")
        print(f"board rows, with the slower pace       {cpu(lambda: board_rows(session=session, today=today, zone=ZONE)):7.1f} ms")
        inquiry = InquiryIn(product="SW-CREW", quantity=400, due=today + timedelta(days=20))
        print(f"can we take it?, typed only            {cpu(lambda: assess_inquiry(session=session, inquiry=inquiry, today=today, lang='zh')):7.1f} ms")
        print(f"can we take it?, with the pace dates   {cpu(lambda: assess_inquiry(session=session, inquiry=inquiry, today=today, lang='zh', zone=ZONE)):7.1f} ms")


if __name__ == "__main__":
    main()
