"""Measured minutes per piece: the estimator recovers known speeds from synthetic scans (with
noise, breaks, nights, idles and bad claims), and the app shows, uses and reports them."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from factory.data.measured import operation_rates
from factory.data.models import AuditEntry, Operation, Order, Promise
from factory.data.orders import create_order
from factory.data.promises import promise_report
from factory.domain.plausibility import ShiftHours
from factory.domain.promises import by_month, promise_outcome
from factory.domain.rates import (
    Claim,
    Sample,
    machines_per_worker,
    pace_by,
    rate,
    rates_by,
    samples,
    standard_minutes_per_piece,
    tap_time_trusted,
    weighted_quantile,
)
from factory.inputs import OrderIn
from tests.conftest import add_scan, fresh, one, post_form, soup, text
from tests.workshop_data import order_tickets

# Monday to Saturday, 08:00-18:00 with lunch 12:00-13:00 and a break 15:00-15:15.
SHIFTS = {d: ShiftHours(d, 8 * 60, 18 * 60, ((12 * 60, 13 * 60), (15 * 60, 15 * 60 + 15))) for d in range(6)}
MONDAY = date(2026, 9, 7)
# The stated tolerance: with 15% noise per bundle the median lands within 5% of the true speed
# where a day holds several bundles; within 15% where one bundle takes most of a shift (few
# samples in eight weeks, and only the bundles that end before the shift does are measured).
TOLERANCE = 0.05
SLOW_TOLERANCE = 0.15


def _in_break(t: datetime) -> tuple[datetime, datetime] | None:
    for start, end in SHIFTS[t.weekday()].pauses(t.date()):
        if start <= t < end:
            return start, end
    return None


def advance(t: datetime, minutes: float) -> datetime | None:
    """`t` plus `minutes` of working time (breaks skipped); None past the shift's end."""
    end_of_shift = datetime.combine(t.date(), time(18))
    while minutes > 1e-9:
        pause = _in_break(t)
        if pause:
            t = pause[1]
            continue
        upcoming = [s for s, _ in SHIFTS[t.weekday()].pauses(t.date()) if s > t] + [end_of_shift]
        step = min(minutes, (min(upcoming) - t).total_seconds() / 60)
        if step <= 0:
            return None
        t += timedelta(minutes=step)
        minutes -= step
    return t if t <= end_of_shift else None


def simulate(speed: float, *, worker="w", operation="knit", days=20, noise=0.15, seed=1,
             idles=0.0, doubles=0.0, untrusted=0.0) -> list[Claim]:
    """A worker at `speed` working minutes per piece: bundles of 8-30 pieces back to back, a
    random late start each day, with optional long idles, double claims and untrusted tap times."""
    rng = random.Random(seed)
    claims, day = [], MONDAY
    for _ in range(days):
        if day.weekday() == 6:
            day += timedelta(days=1)
        t = datetime.combine(day, time(8)) + timedelta(minutes=rng.uniform(5, 40))
        while True:
            pieces = rng.randint(8, 30)
            work = pieces * speed * rng.lognormvariate(0, noise)
            if rng.random() < idles:
                work += rng.uniform(90, 180)  # a long chat, a machine down
            finished = advance(t, work)
            if finished is None:
                break
            t = finished
            claims.append(Claim(worker, operation, t, pieces, usable=rng.random() >= untrusted))
            if rng.random() < doubles:  # the same bundle claimed again seconds later
                t += timedelta(seconds=20)
                claims.append(Claim(worker, operation, t, pieces))
        day += timedelta(days=1)
    return claims


@pytest.mark.parametrize("speed, tolerance", [(0.4, TOLERANCE), (2.5, TOLERANCE), (6.0, TOLERANCE),
                                              (13.0, SLOW_TOLERANCE)])
def test_recovers_a_known_speed_with_noise_and_breaks(speed, tolerance):
    found = rate(samples(simulate(speed, days=48), SHIFTS))
    assert found is not None and found.enough
    assert abs(found.median - speed) <= tolerance * speed
    assert found.p25 < found.median < found.p75
    # 15% lognormal noise: the quartiles sit about 10% either side of the median.
    assert 0.8 * speed < found.p25 and found.p75 < 1.2 * speed


def test_recovers_it_with_outliers_idles_and_untrusted_claims():
    claims = simulate(6.0, idles=0.1, doubles=0.1, untrusted=0.1, seed=7)
    found = rate(samples(claims, SHIFTS))
    assert abs(found.median - 6.0) <= TOLERANCE * 6.0
    assert found.trimmed > 0  # the idles and the double claims were left out, not averaged in


def test_breaks_are_left_out_of_gaps_and_nights_and_first_claims_measure_nothing():
    morning = datetime(2026, 9, 7, 11, 30)
    claims = [Claim("w", "k", morning, 10), Claim("w", "k", morning + timedelta(minutes=20), 10),
              Claim("w", "k", datetime(2026, 9, 7, 13, 20), 10),        # 30 working minutes across lunch
              Claim("w", "k", datetime(2026, 9, 8, 8, 30), 10)]         # next morning: first of the day
    assert [round(s.minutes, 3) for s in samples(claims, SHIFTS)] == [2.0, 3.0]
    # Without shift hours the calendar day is the working day and every minute counts.
    assert [round(s.minutes, 3) for s in samples(claims, {})] == [2.0, 9.0]


def test_switches_and_unusable_claims_break_the_chain():
    t = datetime(2026, 9, 7, 9)
    claims = [Claim("w", "a", t, 10), Claim("w", "b", t + timedelta(minutes=10), 10),
              Claim("w", "b", t + timedelta(minutes=20), 5),
              Claim("w", "b", t + timedelta(minutes=30), 5, usable=False),
              Claim("w", "b", t + timedelta(minutes=40), 5)]
    assert [(s.operation, s.minutes) for s in samples(claims, SHIFTS)] == [("b", 2.0)]


def test_weighted_by_pieces_and_percentiles():
    assert weighted_quantile([(1.0, 1), (3.0, 1)], 0.5) == 2.0
    heavy = [Sample("w", "k", 2.0, 90), Sample("w", "k", 4.0, 10)]
    assert rate(heavy).median < 2.5  # unweighted, the middle of 2 and 4 would be 3


def test_per_worker_pace_against_the_typed_standard():
    claims = simulate(4.8, worker="fast", seed=2) + simulate(7.2, worker="slow", seed=3)
    found = samples(claims, SHIFTS)
    paces = pace_by(found, {"knit": 6.0}, key=lambda s: s.worker)
    assert abs(paces["fast"].median - 0.8) <= TOLERANCE and abs(paces["slow"].median - 1.2) <= TOLERANCE * 1.2
    # Together, the operation's median sits between the two.
    assert 4.8 < rates_by(found, key=lambda s: s.operation)["knit"].median < 7.2


def test_tap_times_from_an_offline_batch():
    now, limit = datetime(2026, 9, 7, 10), timedelta(hours=12)
    assert tap_time_trusted(source="web", worked_at=now, arrived_at=now, limit=limit)
    assert tap_time_trusted(source="queue", worked_at=now - timedelta(minutes=30), arrived_at=now, limit=limit)
    assert not tap_time_trusted(source="queue", worked_at=now, arrived_at=now, limit=limit)
    assert not tap_time_trusted(source="queue", worked_at=now - limit, arrived_at=now, limit=limit)
    assert not tap_time_trusted(source="office", worked_at=now, arrived_at=now, limit=limit)


def test_standard_minutes_count_efficiency_once_and_machines_per_worker():
    # 8 machines at 85%: a knitter measured at 12 clock minutes per piece, minding two machines.
    assert machines_per_worker(units=8, staff=4) == 2 and machines_per_worker(units=3, staff=5) == 1
    std = standard_minutes_per_piece(clock_minutes=12.0, efficiency=0.85, units=8, staff=4)
    pieces_per_day = 8 * 10 * 60 * 0.85 / std   # the engine's capacity over the load per piece
    assert pieces_per_day == pytest.approx(4 * 10 * 60 / 12.0)  # four knitters at 12 minutes each


# --- in the app ---------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_today() -> date:
    """The workshop's today (the app's days are Asia/Shanghai days, whatever the server's zone)."""
    return datetime.now(SHANGHAI).date()


def knit_history(session, workshop, gaps=(50,), days=3, pieces=10) -> None:
    """The knitter's claims of `pieces` pieces at knitting, `gaps` minutes apart in turn, nine a day
    from 08:00 on the last `days` weekdays before today (no shift hours: the calendar day counts)."""
    order = create_order(session=session, order_in=OrderIn(customer="历史", product="SCARF", quantity=2000,
                                                               due=shanghai_today() + timedelta(days=90), bundle_size=50))
    session.commit()
    tickets = sorted(order_tickets(session, order), key=lambda t: t.bundle_no)
    day, done, n = shanghai_today(), 0, 0
    while done < days:
        day -= timedelta(days=1)
        if day.weekday() == 6:
            continue
        at = datetime.combine(day, time(8), SHANGHAI)
        for i in range(9):
            add_scan(session, tickets[n // 5], workshop.operations[0], workshop.knitter, pieces, at=at.astimezone(UTC))
            at += timedelta(minutes=gaps[(i + done) % len(gaps)])
            n += 1
        done += 1


def knitting_row(response):
    return one(soup(response), 'table.measured tr[data-operation="knitting"]')


def test_the_product_page_shows_typed_and_measured_and_adopting_is_audited(owner_client, session, workshop):
    knit_history(session, workshop)
    # 5 clock minutes per piece; one knitter minds the work center's 4 machines, so a machine takes
    # 20 minutes per piece: the engine's standard minutes (efficiency 100%).
    row = knitting_row(owner_client.get("/products/SCARF"))
    cells = [text(td) for td in row.select("td")]
    assert cells[1] == "6.00" and cells[2].startswith("20.00") and cells[3] == "24"
    response = post_form(owner_client, "/products/SCARF/operations/knitting/adopt")
    assert response.status_code == 302, response.location
    fresh(session).expire_all()
    assert session.get(Operation, workshop.operations[0].id).minutes_per_piece == 20.0
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "desk.adopt_measured_minutes")).one()
    assert '"from_minutes": 6.0' in entry.detail and '"to_minutes": 20.0' in entry.detail


def test_nothing_to_adopt_without_measurements(owner_client, workshop):
    assert post_form(owner_client, "/products/SCARF/operations/linking/adopt").status_code == 409
    assert post_form(owner_client, "/products/SCARF/operations/nope/adopt").status_code == 404


def test_api_rates_and_the_automatic_switch(client, owner_client, api_headers, session, workshop):
    knit_history(session, workshop)
    body = client.get("/api/products/SCARF/rates", headers=api_headers).get_json()
    assert body["product"] == "SCARF"
    assert body["operations"][0] == {"code": "knitting", "typed_minutes": 6.0, "measured_minutes": 20.0,
                                     "p25": 20.0, "p75": 20.0, "samples": 24, "used": "typed"}
    assert body["operations"][1] == {"code": "linking", "typed_minutes": 3.0, "measured_minutes": None,
                                     "p25": None, "p75": None, "samples": 0, "used": "typed"}
    assert post_form(owner_client, "/settings/measured-rates", {"auto": "1", "product": "SCARF"}).status_code == 302
    body = client.get("/api/products/SCARF/rates", headers=api_headers).get_json()
    assert [op["used"] for op in body["operations"]] == ["measured", "typed", "typed"]
    assert client.get("/api/products/NOPE/rates", headers=api_headers).status_code == 404


def test_workers_page_shows_who_is_faster_or_slower(owner_client, session, workshop):
    knit_history(session, workshop)  # 5 clock minutes against a standard of 6
    row = one(soup(owner_client.get("/workers")), 'table.paces tr[data-worker="W1"]')
    assert "17%" in text(row) and ("faster" in text(row) or "快" in text(row))


def test_the_verdict_gives_the_dates_at_the_typical_and_the_slower_pace(client, owner_client, api_headers, session,
                                                                        workshop):
    knit_history(session, workshop, gaps=(40, 40, 60, 80), days=4)
    due = (shanghai_today() + timedelta(days=60)).isoformat()
    body = client.post("/api/orders/assess", headers=api_headers,
                       json={"product": "SCARF", "quantity": 600, "due": due}).get_json()
    typical, slower = body["typical_pace"]["earliest_completion"], body["slower_pace"]["earliest_completion"]
    assert typical and slower and slower > typical
    assert body["uncertain_operation"]["operation"] == "knitting" and body["uncertain_operation"]["days"] > 0
    page = soup(owner_client.get(f"/assess?product=SCARF&quantity=600&due={due}"))
    assert text(one(page, '#pace [data-field="earliest-typical"]')).startswith(typical)
    assert text(one(page, '#pace [data-field="earliest-slow"]')).startswith(slower)
    # Without measured minutes the API answers as before.
    plain = client.post("/api/feasibility", headers=api_headers, json={
        "today": "2026-04-13", "work_centers": [{"id": "k", "units": 1, "hours_per_day": 8}], "orders": [],
        "candidate": {"id": "N", "quantity": 10, "due": "2026-04-20",
                      "operations": [{"work_center": "k", "minutes_per_piece": 1}]}}).get_json()
    assert "slower_pace" not in plain


def test_accepting_stores_the_plans_date_and_promises_are_reported(client, owner_client, api_headers, session,
                                                                   workshop):
    due = shanghai_today() + timedelta(days=80)
    form = {"product": "SCARF", "quantity": "40", "due": due.isoformat(), "customer": "客户", "request_id": "r-1",
            "assessed": f"SCARF|40|{due.isoformat()}"}
    assert post_form(owner_client, "/assess/accept", form).status_code == 302
    order = fresh(session).exec(select(Order).where(Order.customer == "客户")).one()
    promise = session.get(Promise, order.id)
    assert promise is not None and shanghai_today() <= promise.promised < due  # the plan's date, not the due date
    body = client.get("/api/promises", headers=api_headers).get_json()
    assert body == {"kept": 0, "late": 0, "orders": [
        {"number": order.number, "promised": promise.promised.isoformat(), "finished": None, "days_late": None}]}
    # Past its promise and still open: late by the days so far.
    promise.promised = shanghai_today() - timedelta(days=3)
    session.add(promise)
    session.commit()
    body = client.get("/api/promises", headers=api_headers).get_json()
    assert body["late"] == 1 and body["orders"][0]["days_late"] == 3
    # Finished (every piece through the last operation) two days before a later promise: kept, early.
    promise.promised = shanghai_today() + timedelta(days=2)
    session.add(promise)
    session.commit()
    for ticket in order_tickets(session, order):
        for op, worker in zip(workshop.operations, (workshop.knitter, workshop.linker, workshop.packer)):
            add_scan(session, ticket, op, worker, ticket.quantity)
    body = client.get("/api/promises", headers=api_headers).get_json()
    assert body["kept"] == 1 and body["orders"][0]["finished"] == shanghai_today().isoformat()
    assert body["orders"][0]["days_late"] == -2
    page = soup(owner_client.get("/reports/promises"))
    assert order.number in text(one(page, "table.promise-orders"))


def test_orders_created_by_the_form_and_the_api_get_a_promise(client, owner_client, api_headers, session, workshop):
    response = client.post("/api/orders", headers=api_headers, json={
        "customer": "甲", "product": "SCARF", "quantity": 30, "due": (shanghai_today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 201
    order = fresh(session).exec(select(Order).where(Order.customer == "甲")).one()
    assert session.get(Promise, order.id) is not None
    # The test workshop's own order was made before promises existed: it has none.
    assert session.get(Promise, workshop.order.id) is None


def test_promise_outcomes_by_month():
    today = date(2026, 5, 20)
    outcomes = [promise_outcome(promised=date(2026, 4, 10), finished=date(2026, 4, 8), today=today),
                promise_outcome(promised=date(2026, 4, 12), finished=date(2026, 4, 15), today=today),
                promise_outcome(promised=date(2026, 5, 18), finished=None, today=today),
                promise_outcome(promised=date(2026, 5, 25), finished=None, today=today)]
    assert [o.state for o in outcomes] == ["kept", "late", "late", "open"]
    assert [(m.month, m.kept, m.late, m.open, m.mean_days_late) for m in by_month(outcomes)] == [
        ("2026-04", 1, 1, 0, 0.5), ("2026-05", 0, 1, 1, 2.0)]


def test_the_demo_has_measured_minutes_and_promises(demo, session):
    rates = operation_rates(session=session, today=shanghai_today(), zone=SHANGHAI)
    assert sum(r.enough for r in rates) >= 10
    report = promise_report(session=session, today=shanghai_today(), zone=SHANGHAI)
    assert report.kept > report.late > 0


def test_the_board_shows_the_planned_date_at_the_slower_pace(owner_client, session, workshop):
    page = soup(owner_client.get("/"))
    assert not page.select(f"#order-{workshop.order.id} .planned-slow")
    knit_history(session, workshop, gaps=(40, 40, 60, 80), days=4)
    row = one(soup(owner_client.get("/")), f"#order-{workshop.order.id}")
    planned = text(one(row, ".planned")).split()[-1]
    slower = text(one(row, ".planned-slow")).split()[-1].split("：")[-1]
    assert slower > planned
