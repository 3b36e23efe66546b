"""Reports from scans: output per operation and worker, finished pieces per day, the payroll and
its Excel file, the work waiting in front of each work center, and the chart."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from openpyxl import load_workbook

from factory.data.pay import payroll_for
from factory.data.reports import finished_per_day, month_bounds, output_by_operation, output_by_worker
from factory.data.wip import waiting_by_work_center
from factory.domain.charts import bar_chart, nice_ceiling
from factory.domain.pay import period_named
from tests.conftest import add_scan, fresh, soup

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int) -> datetime:
    """`hour` o'clock on `day` in the workshop, as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def test_month_bounds():
    assert month_bounds(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_output_counts_workshop_days_not_utc_days(session, workshop):
    day = date(2026, 5, 6)
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 20, 1, at(day, 7))    # 23:00 UTC the day before
    add_scan(session, workshop.tickets[0], l, workshop.linker, 15, 0, at(day, 23))    # 15:00 UTC the same day
    add_scan(session, workshop.tickets[1], k, workshop.knitter, 10, 0, at(day + timedelta(days=1), 0))
    lines = output_by_operation(session=session, first=day, last=day, zone=SHANGHAI)
    assert [(x.key, x.good, x.defects) for x in lines] == [("knitting", 20, 1), ("linking", 15, 0)]
    workers = output_by_worker(session=session, first=day, last=day + timedelta(days=1), zone=SHANGHAI)
    assert [(x.name, x.good) for x in workers] == [("王秀英", 30), ("李建国", 15)]


def test_finished_per_day_counts_only_the_last_operation(session, workshop):
    day = date(2026, 5, 6)
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 40, 0, at(day, 9))
    add_scan(session, workshop.tickets[0], p, workshop.packer, 12, 0, at(day, 9))
    add_scan(session, workshop.tickets[0], p, workshop.packer, 8, 0, at(day, 23, ))
    add_scan(session, workshop.tickets[0], p, workshop.packer, 5, 0, at(day + timedelta(days=2), 1))
    days = finished_per_day(session=session, first=day - timedelta(days=1), last=day + timedelta(days=2), zone=SHANGHAI)
    assert days == [(day - timedelta(days=1), 0), (day, 20), (day + timedelta(days=1), 0), (day + timedelta(days=2), 5)]


def test_payroll_pays_good_pieces_at_each_rate_and_nets_corrections(session, workshop):
    month = date(2026, 4, 1)
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 40, 0, at(date(2026, 4, 1), 0))  # still April locally
    add_scan(session, workshop.tickets[1], k, workshop.knitter, 30, 2, at(date(2026, 4, 30), 20))
    add_scan(session, workshop.tickets[1], k, workshop.knitter, -3, 0, at(date(2026, 4, 30), 21))
    add_scan(session, workshop.tickets[0], l, workshop.linker, 25, 1, at(date(2026, 4, 15), 10))
    add_scan(session, workshop.tickets[0], l, workshop.linker, 99, 0, at(date(2026, 5, 1), 0))  # May
    totals = {t.code: t for t in payroll_for(session=session, period=period_named("2026-04"), zone=SHANGHAI).workers}
    assert set(totals) == {"W1", "W2"}
    assert (totals["W1"].pieces, totals["W1"].defects, totals["W1"].settlement.amount) == (67, 2, Decimal("100.50"))
    assert (totals["W2"].pieces, totals["W2"].settlement.amount) == (25, Decimal("15.00"))


def test_payroll_page_and_workbook_agree_with_the_scans(owner_client, session, workshop):
    today = date.today()
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 37, 3)
    add_scan(session, workshop.tickets[0], l, workshop.linker, 21)
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    page = soup(owner_client.get(f"/reports/payroll?month={month}"))
    total = page.select_one('tr.worker-pay[data-worker="W1"] .amount').get_text()
    assert total == "55.50"
    response = owner_client.get(f"/reports/payroll.xlsx?month={month}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    totals = {r[0]: r for r in rows[1:]}
    assert totals["W1"][2:5] == (37, 3, 55.5) and totals["W2"][2:5] == (21, 0, 12.6)
    assert rows[-1][1] == "总计" and rows[-1][4] == 68.1
    assert owner_client.get("/reports/payroll?month=13-2026").status_code == 422


def test_reports_page_shows_today_and_the_chart(owner_client, session, workshop):
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 30)
    add_scan(session, workshop.tickets[0], p, workshop.packer, 9)
    page = soup(owner_client.get("/reports"))
    today = page.select(".report-grid section")[0]
    assert [td.get_text() for td in today.select("table.output-operations td.num")][:2] == ["30", "0"]
    assert "王秀英" in today.select_one("table.output-workers").get_text()
    svg = page.select_one("figure svg.chart")
    assert len(svg.select("rect.day-bar")) == 30
    assert svg.select("rect.day-bar")[-1].select_one("title").get_text().endswith(": 9")


def test_chart_is_valid_svg_with_escaped_title():
    svg = bar_chart([(date(2026, 5, 1), 5), (date(2026, 5, 2), 0)], title="<script>", width=200, height=100)
    tree = BeautifulSoup(svg, "html.parser")
    assert tree.select_one("title").get_text() == "<script>" and "<script>" not in svg
    assert nice_ceiling(0) == 10 and nice_ceiling(7) == 10 and nice_ceiling(11) == 20 and nice_ceiling(4100) == 5000


def test_work_in_progress_per_work_center(owner_client, session, workshop):
    k, l, p = workshop.operations
    t1, t2, t3 = workshop.tickets  # 40, 40, 20 pieces
    add_scan(session, t1, k, workshop.knitter, 38, 2)   # 38 reach linking
    add_scan(session, t1, l, workshop.linker, 10)       # 28 wait at linking, 10 at packing
    add_scan(session, t2, k, workshop.knitter, 15)      # 25 wait at knitting, 15 at linking
    waiting = {w.center.code: (w.pieces, w.tickets) for w in waiting_by_work_center(session=session)}
    assert waiting == {"knitting": (25 + 20, 2), "linking": (28 + 15, 2), "packing": (10, 1)}
    page = soup(owner_client.get("/wip"))
    assert page.select_one('tr[data-center="linking"] .pieces').get_text() == "43"
    fragment = owner_client.get("/wip", headers={"HX-Request": "true"})
    assert soup(fragment).find("html") is None and soup(fragment).select_one("#wip")


def test_work_in_progress_leaves_out_closed_orders_and_void_tickets(session, workshop):
    t1 = workshop.tickets[0]
    t1.voided_at = datetime.now(UTC)
    session.add(t1)
    session.commit()
    assert {w.center.code: w.pieces for w in waiting_by_work_center(session=session)}["knitting"] == 60
    workshop.order.status = "shipped"
    session.add(workshop.order)
    session.commit()
    assert all(w.pieces == 0 for w in waiting_by_work_center(session=fresh(session)))


def test_chart_bars_stand_on_the_axis_and_date_labels_keep_apart():
    """Parsed geometry: each bar's foot is the axis, its height is its share of the axis maximum,
    a zero day has no height, and no two date labels come closer than a label's width."""
    days = [(date(2026, 11, 1) + timedelta(days=i), n) for i, n in enumerate([0, 5, 10, 0, 20] * 6)]
    svg = BeautifulSoup(bar_chart(days, title="t"), "html.parser").select_one("svg")
    axis_y = float(svg.select_one("line.axis")["y1"])
    top = float(svg.select("text.tick")[0]["y"]) - 4  # the maximum's label sits at the top of the plot
    bars = svg.select("rect.day-bar")
    assert len(bars) == 30
    for bar, (_day, value) in zip(bars, days):
        y, h = float(bar["y"]), float(bar["height"])
        assert abs(y + h - axis_y) < 0.11
        assert abs(h - (axis_y - top) * value / 20) < 0.11
    labels = [float(t["x"]) for t in svg.select("text.tick")[2:]]
    assert all(b - a >= 40 for a, b in zip(labels, labels[1:]))
    assert svg.select("text.tick")[-1].get_text() == "11/30"
