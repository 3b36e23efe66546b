"""Pay a worker can check: one pay arithmetic (half up to the fen, totals of rounded lines) on every
surface, dated piece rates, pay periods that close and reopen, adjustments, payslips."""
from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlmodel import select

from factory.data.models import AuditEntry, PayAdjustment, PayClosing, PayLine, PayTotal, PieceRate, Scan
from factory.data.pay import pay_rules, payroll_for
from factory.domain.pay import (
    DatedRate,
    PayRule,
    Period,
    line_amount,
    money,
    period_named,
    period_of,
    rate_on,
    schedule_change,
    settle,
)
from factory.domain.refusal import Refused

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def add_scan(session, ticket, operation, worker, good, defects=0, when=None, reverses=None) -> Scan:
    scan = Scan(client_id=str(uuid.uuid4()), ticket_id=ticket.id, operation_id=operation.id, worker_id=worker.id,
                good=good, defects=defects, created_at=when or datetime.now(UTC),
                reverses_id=reverses.id if reverses else None)
    session.add(scan)
    session.commit()
    return scan


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def fresh(session):
    session.rollback()
    return session


# --- the arithmetic -----------------------------------------------------------------------------------

def test_money_rounds_half_up_to_the_fen_not_to_even():
    assert money(Decimal("0.125")) == Decimal("0.13")
    assert money(Decimal("0.135")) == Decimal("0.14")
    assert money(Decimal("-0.125")) == Decimal("-0.13")
    assert line_amount(1, Decimal("0.125")) == Decimal("0.13")
    assert line_amount(3, Decimal("2.805")) == Decimal("8.42")   # 8.415 → 8.42
    assert round(Decimal("0.125"), 2) == Decimal("0.12")          # what Python would have done


def test_rate_on_takes_the_newest_entry_in_force():
    history = [DatedRate(date(2000, 1, 1), Decimal("3.000"), 1), DatedRate(date(2026, 12, 1), Decimal("3.500"), 2),
               DatedRate(date(2026, 12, 1), Decimal("3.600"), 3)]
    assert rate_on(history, date(2026, 11, 30)) == Decimal("3.000")
    assert rate_on(history, date(2026, 12, 1)) == Decimal("3.600")
    assert rate_on(history, date(1999, 1, 1)) is None


def test_periods_are_named_by_the_month_they_end_in():
    assert period_of(date(2026, 11, 30)) == Period("2026-11", date(2026, 11, 1), date(2026, 11, 30))
    rules = (PayRule(date(2000, 1, 1), 26),)
    assert period_of(date(2026, 11, 30), rules) == Period("2026-12", date(2026, 11, 26), date(2026, 12, 25))
    assert period_of(date(2026, 11, 25), rules) == Period("2026-11", date(2026, 10, 26), date(2026, 11, 25))
    assert period_named("2027-01", rules) == Period("2027-01", date(2026, 12, 26), date(2027, 1, 25))
    with pytest.raises(Refused) as refused:
        period_named("9999-12")
    assert refused.value.codes == {"period": "period_out_of_range"} and refused.value.status == 422
    with pytest.raises(Refused):
        period_named("2026-13")


def test_a_new_first_day_applies_from_the_next_period_and_no_two_periods_share_a_name():
    monthly = (PayRule(date(2000, 1, 1), 1),)
    to_26 = schedule_change(rules=monthly, first_day=26, today=date(2026, 11, 10))
    assert to_26 == PayRule(date(2026, 12, 1), 26)
    rules = monthly + (to_26,)
    assert period_of(date(2026, 11, 10), rules) == Period("2026-11", date(2026, 11, 1), date(2026, 11, 30))
    assert period_of(date(2026, 12, 3), rules) == Period("2026-12", date(2026, 12, 1), date(2026, 12, 25))
    assert period_of(date(2026, 12, 26), rules) == Period("2027-01", date(2026, 12, 26), date(2027, 1, 25))
    back = schedule_change(rules=rules, first_day=1, today=date(2026, 12, 28))
    assert back == PayRule(date(2027, 1, 26), 1)
    rules += (back,)
    # 26 Jan – 31 Jan would be a second "2027-01": the first period under the new rule runs to February's end.
    assert period_of(date(2027, 1, 28), rules) == Period("2027-02", date(2027, 1, 26), date(2027, 2, 28))
    assert period_of(date(2027, 3, 5), rules).name == "2027-03"
    with pytest.raises(Refused):
        schedule_change(rules=monthly, first_day=29, today=date(2026, 11, 10))


def test_an_advance_larger_than_the_pay_carries_forward():
    s = settle(amount=Decimal("300.00"), adjustments=[Decimal("50.00"), Decimal("-500.00")])
    assert (s.adjustments, s.total, s.carried_forward) == (Decimal("-450.00"), Decimal("0.00"), Decimal("150.00"))
    s = settle(amount=Decimal("400.00"), adjustments=[], carried_in=Decimal("150.00"))
    assert (s.adjustments, s.total, s.carried_forward) == (Decimal("-150.00"), Decimal("250.00"), Decimal("0.00"))


# --- one arithmetic on every surface ---------------------------------------------------------------

def pdf_text(pdf: bytes) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_three_decimal_rates_agree_to_the_fen_on_every_surface(app, session, workshop, owner_client, worker_client,
                                                                 client, api_headers):
    """Two lines at ¥0.125 are 0.13 + 0.13 = 0.26 on "my day", the floor now, payroll, Excel, API, payslip and PDF
    (a sum of unrounded amounts would say 0.25; rounding half to even 0.24)."""
    knitting = workshop.operations[0]
    knitting.piece_rate = Decimal("0.125")
    session.add(knitting)
    session.commit()
    for ticket in workshop.tickets[:2]:
        add_scan(session, ticket, knitting, workshop.knitter, 1)
    period = period_of(datetime.now(SHANGHAI).date())

    me = soup(worker_client.get("/me"))
    assert me.select_one("#today .money").get_text() == "¥0.26"
    assert me.select_one("#month .money").get_text() == "¥0.26"
    assert [td.get_text() for td in me.select("#today tbody td.num")][-1] == "¥0.26"
    # The floor now adds up the same lines without building them: the same fen.
    floor = soup(owner_client.get("/floor"))
    assert floor.select_one('.floor-workers li[data-worker="W1"] .money').get_text() == "¥0.26"

    page = soup(owner_client.get(f"/reports/payroll?period={period.name}"))
    row = page.select_one('tr.worker-pay[data-worker="W1"]')
    assert (row.select_one(".amount").get_text(), row.select_one(".total").get_text(strip=True)) == ("0.26", "0.26")
    assert page.select_one("tr.grand-total .total").get_text() == "0.26"

    book = load_workbook(io.BytesIO(owner_client.get(f"/reports/payroll.xlsx?period={period.name}").data))
    totals = list(book.worksheets[0].iter_rows(values_only=True))
    assert totals[1][:7] == ("W1", "王秀英", 2, 0, 0.26, 0, 0.26)
    assert [r[-1] for r in list(book.worksheets[1].iter_rows(values_only=True))[1:]] == [0.13, 0.13]

    body = client.get(f"/api/payroll/{period.name}", headers=api_headers).get_json()
    w1 = body["workers"][0]
    assert (w1["code"], w1["pieces"], w1["amount"], w1["total"], body["total"]) == ("W1", 2, "0.26", "0.26", "0.26")
    assert [(line["rate"], line["amount"]) for line in w1["lines"]] == [("0.125", "0.13"), ("0.125", "0.13")]

    slip = soup(owner_client.get(f"/reports/payroll/{period.name}/W1"))
    assert slip.select_one(".payslip-totals .total").get_text() == "¥0.26"
    assert [td.get_text() for td in slip.select("td.line-amount")] == ["0.13", "0.13"]
    mine = soup(worker_client.get(f"/me/pay/{period.name}"))
    assert mine.select_one(".payslip-totals .total").get_text() == "¥0.26"
    assert mine.select("form") == [] or all("lang" in f.get("action", "") for f in mine.select("form"))

    pdf = owner_client.get(f"/reports/payroll/{period.name}/W1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "0.26" in text and "0.25" not in text and "0.125" in text


def test_the_payroll_period_is_validated_naming_the_field(owner_client, client, api_headers):
    response = owner_client.get("/reports/payroll?month=9999-12")
    assert response.status_code == 422
    assert "2000-01" in soup(response).select_one(".field-error").get_text()
    assert owner_client.get("/reports/payroll?period=2026-13").status_code == 422
    assert owner_client.get("/reports/payroll.xlsx?period=nonsense").status_code == 422
    answer = client.get("/api/payroll/9999-12", headers=api_headers)
    assert answer.status_code == 422 and "period" in answer.get_json()["errors"]
    assert client.get("/api/payroll/2026-1", headers=api_headers).status_code == 422


# --- rates with a date ------------------------------------------------------------------------------

def past_period(today: date | None = None, back: int = 2) -> Period:
    period = period_of(today or datetime.now(SHANGHAI).date())
    for _ in range(back):
        period = period_of(period.start - timedelta(days=1))
    return period


def test_a_rate_change_keeps_past_pay(app, session, workshop, client, api_headers):
    period = past_period()
    knitting = workshop.operations[0]                                   # ¥1.50
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 40, when=at(period.start + timedelta(days=2)))
    before = client.get(f"/api/payroll/{period.name}", headers=api_headers).get_json()
    assert before["workers"][0]["amount"] == "60.00"
    change = period.start + timedelta(days=10)
    answer = client.put("/api/products/SCARF/operations/knitting/rate", headers=api_headers,
                        json={"piece_rate": "1.75", "effective_from": change.isoformat()})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"product": "SCARF", "operation": "knitting", "piece_rate": "1.750",
                                 "effective_from": change.isoformat()}
    add_scan(session, workshop.tickets[1], knitting, workshop.knitter, 10, when=at(change))
    after = client.get(f"/api/payroll/{period.name}", headers=api_headers).get_json()["workers"][0]
    assert [(l["day"], l["rate"], l["amount"]) for l in after["lines"]] == [
        ((period.start + timedelta(days=2)).isoformat(), "1.500", "60.00"), (change.isoformat(), "1.750", "17.50")]
    assert after["amount"] == "77.50"
    rows = fresh(session).exec(select(PieceRate).order_by(PieceRate.id)).all()
    assert [(str(r.rate), r.effective_from) for r in rows] == [("1.500", date(2000, 1, 1)), ("1.750", change)]
    assert rows[1].created_by == "boss"


def test_the_rate_api_answers_404_422_and_changes_nothing_when_refused(session, workshop, client, api_headers):
    url = "/api/products/SCARF/operations/knitting/rate"
    assert client.put("/api/products/NOPE/operations/knitting/rate", headers=api_headers,
                      json={"piece_rate": "1"}).status_code == 404
    assert client.put("/api/products/SCARF/operations/nope/rate", headers=api_headers,
                      json={"piece_rate": "1"}).status_code == 404
    for body, field in (({"piece_rate": "-1"}, "piece_rate"), ({"piece_rate": "1.2345"}, "piece_rate"),
                        ({"piece_rate": "abc"}, "piece_rate"), ({"piece_rate": "1", "effective_from": "2026-02-30"},
                                                                "effective_from"), ({}, "piece_rate")):
        answer = client.put(url, headers=api_headers, json=body)
        assert answer.status_code == 422 and field in answer.get_json()["errors"], body
    assert fresh(session).exec(select(PieceRate)).all() == []


def test_the_route_form_changes_rates_from_a_date_and_the_product_page_shows_the_history(
        session, workshop, owner_client):
    period = past_period()
    knitting = workshop.operations[0]
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 10, when=at(period.start))
    page = owner_client.get("/products/SCARF")
    rates = [i["value"] for i in soup(page).select("input[name=piece_rate]")]
    assert rates[:3] == ["1.50", "0.60", "0.10"] or rates[:3] == ["1.500", "0.600", "0.100"]
    form = {"csrf_token": csrf(page), "code": ["knitting", "linking", "packing"], "name": ["织片", "套口", "包装"],
            "work_center": [str(op.work_center_id) for op in workshop.operations],
            "minutes_per_piece": ["6", "3", "0.5"], "setup_minutes": ["30", "15", "10"],
            "piece_rate": ["3.50", "0.60", "0.10"], "rates_from": (period.start + timedelta(days=1)).isoformat()}
    assert owner_client.post("/products/SCARF/route", data=form).status_code == 302
    history = soup(owner_client.get("/products/SCARF")).select('table.rate-history tr[data-operation="knitting"]')
    assert [tr.select("td")[1].get_text() for tr in history] == [(period.start + timedelta(days=1)).isoformat(), "最初"]
    assert [tr.select_one("td.num").get_text() for tr in history] == ["3.50", "1.50"]
    pay = payroll_for(session=fresh(session), period=period, zone=SHANGHAI)
    assert pay.workers[0].settlement.amount == Decimal("15.00")          # the day before: still ¥1.50


def csrf(response) -> str:
    return soup(response).select_one("input[name=csrf_token]")["value"]


# --- closing periods ----------------------------------------------------------------------------------

def api(client, api_headers, method, url, **kwargs):
    return client.open(url, method=method, headers=api_headers, **kwargs)


def test_a_closed_period_does_not_move_when_scans_are_reversed_or_rates_change(app, session, workshop, client,
                                                                                 api_headers):
    period = past_period()
    later = period_of(period.end + timedelta(days=1))
    knitting = workshop.operations[0]                                   # ¥1.50
    worked = add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 20,
                      when=at(period.start + timedelta(days=3)))
    add_scan(session, workshop.tickets[1], knitting, workshop.knitter, 10, when=at(period.end, 22))
    closed = api(client, api_headers, "POST", f"/api/payroll/{period.name}/close")
    assert closed.status_code == 200, closed.get_json()
    frozen = closed.get_json()
    assert frozen["closed"] is True and frozen["total"] == "45.00"
    stored = fresh(session).exec(select(PayClosing)).one()
    assert (stored.period, stored.total, stored.closed_by) == (period.name, Decimal("45.00"), "boss")
    assert len(session.exec(select(PayLine)).all()) == 2
    assert session.exec(select(PayTotal)).one().total == Decimal("45.00")

    # Later: the 20 pieces are reversed (an undo, paid on the day of the work it undoes) and the rate changes.
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, -20, reverses=worked)
    inside = api(client, api_headers, "PUT", "/api/products/SCARF/operations/knitting/rate",
                 json={"piece_rate": "9.00", "effective_from": period.end.isoformat()})
    assert inside.status_code == 409 and inside.get_json()["reason"] == "inside_closed_period"
    assert api(client, api_headers, "PUT", "/api/products/SCARF/operations/knitting/rate",
               json={"piece_rate": "9.00", "effective_from": later.start.isoformat()}).status_code == 200
    again = api(client, api_headers, "GET", f"/api/payroll/{period.name}").get_json()
    assert again == frozen

    # The reversal lands in the open period as a correction naming the original scan, at the original rate.
    open_pay = api(client, api_headers, "GET", f"/api/payroll/{later.name}").get_json()
    w1 = open_pay["workers"][0]
    assert w1["lines"] == [] and w1["adjustments"] == "-30.00" and w1["total"] == "0.00"
    assert w1["carried_forward"] == "30.00"
    correction = w1["adjustment_lines"][0]
    assert (correction["kind"], correction["amount"], correction["scan"], correction["pending"]) == (
        "correction", "-30.00", worked.client_id, True)


def test_corrections_are_stored_in_the_period_they_land_in_and_count_once_through_reopen_and_close(
        app, session, workshop, client, api_headers):
    first = past_period(back=3)
    second = period_of(first.end + timedelta(days=1))
    knitting = workshop.operations[0]
    worked = add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 20, when=at(first.start))
    add_scan(session, workshop.tickets[1], knitting, workshop.knitter, 30, when=at(second.start))
    assert api(client, api_headers, "POST", f"/api/payroll/{first.name}/close").status_code == 200
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, -5, reverses=worked)   # a correction, later
    assert api(client, api_headers, "POST", f"/api/payroll/{second.name}/close").status_code == 200
    rows = fresh(session).exec(select(PayAdjustment)).all()
    assert [(r.period, r.kind, r.amount, r.pieces, r.rate) for r in rows] == [
        (second.name, "correction", Decimal("-7.50"), -5, Decimal("1.500"))]
    closed_total = api(client, api_headers, "GET", f"/api/payroll/{second.name}").get_json()["total"]
    assert closed_total == "37.50"                                       # 30 × 1.50 − 5 × 1.50

    reopened = api(client, api_headers, "POST", f"/api/payroll/{second.name}/reopen", json={"reason": "check"})
    assert reopened.status_code == 200 and reopened.get_json()["closed"] is False
    assert reopened.get_json()["changes"] == {}
    assert reopened.get_json()["total"] == "37.50"
    assert api(client, api_headers, "POST", f"/api/payroll/{second.name}/close").get_json()["total"] == "37.50"
    assert len(fresh(session).exec(select(PayAdjustment)).all()) == 1
    assert api(client, api_headers, "GET", f"/api/payroll/{first.name}").get_json()["total"] == "30.00"
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "api.payroll_reopen")).one()
    assert json.loads(audit.detail)["changes"] == {} and "check" in audit.detail


def test_only_ended_periods_close_in_order_and_only_the_latest_reopens(app, session, workshop, client, api_headers,
                                                                         owner_client):
    today = datetime.now(SHANGHAI).date()
    current = period_of(today)
    first = past_period(back=2)
    second = period_of(first.end + timedelta(days=1))
    refused = api(client, api_headers, "POST", f"/api/payroll/{current.name}/close")
    assert refused.status_code == 409 and refused.get_json()["reason"] == "period_not_ended"
    assert api(client, api_headers, "POST", f"/api/payroll/{first.name}/close").status_code == 200
    skipped = api(client, api_headers, "POST", f"/api/payroll/{period_of(second.end + timedelta(days=1)).name}/close")
    assert skipped.status_code == 409
    assert api(client, api_headers, "POST", f"/api/payroll/{first.name}/close").get_json()["reason"] == "period_closed"
    assert api(client, api_headers, "POST", f"/api/payroll/{second.name}/close").status_code == 200
    not_latest = api(client, api_headers, "POST", f"/api/payroll/{first.name}/reopen")
    assert not_latest.status_code == 409 and not_latest.get_json()["reason"] == "reopen_latest_only"
    assert api(client, api_headers, "POST", f"/api/payroll/{current.name}/reopen").status_code == 409
    assert api(client, api_headers, "GET", "/api/payroll/2026-00").status_code == 422
    # The owner's page: the closed period offers only reopening, the refusal is in words.
    page = soup(owner_client.get(f"/reports/payroll?period={second.name}"))
    assert page.select_one(".period-days .closed") and not page.select("#adjustment-form")
    response = owner_client.post(f"/reports/payroll/{first.name}/reopen", data={"csrf_token": csrf(
        owner_client.get("/reports/payroll"))})
    assert response.status_code == 409 and second.name in soup(response).select_one(".field-error").get_text()
    assert len(fresh(session).exec(select(PayClosing).where(PayClosing.reopened_at.is_not(None))).all()) == 0


def test_reopening_shows_what_changed_since_the_close(app, session, workshop, owner_client):
    period = past_period()
    knitting = workshop.operations[0]
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 10, when=at(period.start))
    token = csrf(owner_client.get("/reports/payroll"))
    assert owner_client.post(f"/reports/payroll/{period.name}/close", data={"csrf_token": token}).status_code == 303
    # Work of the closed period recorded late (a worked-day correction): the closed period does not move...
    add_scan(session, workshop.tickets[1], knitting, workshop.knitter, 4, when=at(period.start, 11))
    page = soup(owner_client.get(f"/reports/payroll?period={period.name}"))
    assert page.select_one('tr[data-worker="W1"] .total').get_text(strip=True) == "15.00"
    # ...until it is reopened, which shows the change and keeps the closing.
    response = owner_client.post(f"/reports/payroll/{period.name}/reopen", data={"csrf_token": token,
                                                                               "reason": "漏记"})
    assert response.status_code == 303
    page = soup(owner_client.get(f"/reports/payroll?period={period.name}"))
    assert page.select_one('tr[data-worker="W1"] .total').get_text(strip=True) == "21.00"
    assert page.select_one('.closing-history .changes li[data-worker="W1"]').get_text() == "W1: 15.00 → 21.00"
    closing = fresh(session).exec(select(PayClosing)).one()
    assert closing.reopened_by == "boss" and closing.reopen_reason == "漏记"
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "desk.payroll_reopen")).one()
    assert json.loads(audit.detail)["changes"] == {"W1": ["15.00", "21.00"]}


# --- adjustments --------------------------------------------------------------------------------------

def test_adjustments_show_everywhere_and_an_advance_larger_than_the_pay_carries_forward(
        app, session, workshop, owner_client, worker_client, client, api_headers):
    period = period_of(datetime.now(SHANGHAI).date())
    previous = period_of(period.start - timedelta(days=1))
    knitting = workshop.operations[0]
    add_scan(session, workshop.tickets[0], knitting, workshop.knitter, 20, when=at(previous.start))   # ¥30.00
    add_scan(session, workshop.tickets[1], knitting, workshop.knitter, 40)                            # ¥60.00 now
    token = csrf(owner_client.get("/reports/payroll"))
    advance = owner_client.post(f"/reports/payroll/{previous.name}/adjustments", data={
        "csrf_token": token, "worker": "W1", "kind": "advance", "amount": "50", "reason": "借支",
        "day": previous.start.isoformat()})
    assert advance.status_code == 303
    bonus = client.post(f"/api/payroll/{period.name}/adjustments", headers=api_headers, json={
        "worker": "W1", "kind": "bonus", "amount": "8.50", "reason": "全勤"})
    assert bonus.status_code == 201, bonus.get_json()
    pay = bonus.get_json()["workers"][0]
    # 60.00 + 8.50 − the 20.00 the advance left unpaid in the period before.
    assert (pay["amount"], pay["adjustments"], pay["total"]) == ("60.00", "-11.50", "48.50")
    before = client.get(f"/api/payroll/{previous.name}", headers=api_headers).get_json()["workers"][0]
    assert (before["total"], before["carried_forward"]) == ("0.00", "20.00")

    page = soup(owner_client.get(f"/reports/payroll?period={period.name}"))
    row = page.select_one('tr.worker-pay[data-worker="W1"]')
    assert [row.select_one(c).get_text(strip=True) for c in (".amount", ".adjustments", ".total")] == [
        "60.00", "-11.50", "48.50"]
    kinds = [tr["data-kind"] for tr in page.select("table.adjustments-list tbody tr")]
    assert kinds == ["bonus", "carried"]
    slip = soup(owner_client.get(f"/reports/payroll/{period.name}/W1"))
    assert slip.select_one(".payslip-totals .total").get_text() == "¥48.50"
    assert "全勤" in slip.select_one(".payslip-adjustments").get_text()
    me = soup(worker_client.get("/me"))
    assert me.select_one("#month .money").get_text() == "¥48.50"
    assert me.select_one("#month .adjustments").get_text() == "-11.50"
    assert "全勤" in me.select_one("#month ul.adjustments").get_text()
    rows = fresh(session).exec(select(PayAdjustment).order_by(PayAdjustment.id)).all()
    assert [(r.kind, r.amount, r.created_by) for r in rows] == [("advance", Decimal("50.00"), "boss"),
                                                                 ("bonus", Decimal("8.50"), "boss")]
    actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["desk.payroll_adjustment", "api.payroll_adjustment"]


def test_a_bad_adjustment_names_the_field_and_stores_nothing(app, session, workshop, owner_client, client,
                                                             api_headers):
    period = period_of(datetime.now(SHANGHAI).date())
    token = csrf(owner_client.get("/reports/payroll"))
    for form, field in (({"amount": "-5"}, "adj-amount"), ({"amount": "1.234"}, "adj-amount"),
                        ({"amount": "abc"}, "adj-amount"), ({"reason": ""}, "adj-reason"),
                        ({"day": "2026-02-30"}, "adj-day")):
        data = {"csrf_token": token, "worker": "W1", "kind": "bonus", "amount": "5", "reason": "x", **form}
        response = owner_client.post(f"/reports/payroll/{period.name}/adjustments", data=data)
        assert response.status_code == 422, form
        assert soup(response).select_one(f"#{field}").find_next("p", class_="field-error"), form
    for body, field in (({"kind": "gift"}, "kind"), ({"amount": "0"}, "amount"), ({"worker": "NOPE"}, "worker")):
        response = client.post(f"/api/payroll/{period.name}/adjustments", headers=api_headers,
                               json={"worker": "W1", "kind": "bonus", "amount": "5", "reason": "x", **body})
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    assert fresh(session).exec(select(PayAdjustment)).all() == []


def test_a_worker_who_left_keeps_a_final_payslip_the_owner_can_print(session, workshop, owner_client):
    period = past_period(back=1)
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 12, when=at(period.start))
    workshop.knitter.active = False
    session.add(workshop.knitter)
    session.commit()
    page = soup(owner_client.get(f"/reports/payroll?period={period.name}"))
    assert "王秀英" in page.select_one('tr[data-worker="W1"] .who').get_text()
    pdf = owner_client.get(f"/reports/payroll/{period.name}/W1.pdf")
    assert pdf.status_code == 200 and "18.00" in pdf_text(pdf.data)


# --- the worker's payslips -------------------------------------------------------------------------------

def test_the_worker_sees_past_periods_read_only(session, workshop, worker_client, client, api_headers):
    period = past_period(back=1)
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 12, when=at(period.start))
    assert client.post(f"/api/payroll/{period.name}/close", headers=api_headers).status_code == 200
    listing = soup(worker_client.get("/me/pay"))
    assert [a["data-period"] for a in listing.select("a[data-period]")] == [period.name]
    slip = worker_client.get(f"/me/pay/{period.name}")
    page = soup(slip)
    assert page.select_one(".payslip-totals .total").get_text() == "¥18.00"
    assert [td.get_text() for td in page.select("td.line-amount")] == ["18.00"]
    assert not page.select("form[method=post]") or all("/lang" in f.get("action", "") or "logout" in f.get(
        "action", "") for f in page.select("form[method=post]"))
    assert worker_client.get("/me/pay/2026-13").status_code == 404


# --- settings, backups ---------------------------------------------------------------------------------

def test_the_first_day_is_a_setting_for_coming_periods(app, session, owner_client):
    today = datetime.now(SHANGHAI).date()
    current = period_of(today)
    token = csrf(owner_client.get("/settings"))
    response = owner_client.post("/settings/pay-period", data={"csrf_token": token, "first_day": "29"})
    assert response.status_code == 422 and "28" in soup(response).select_one("#first_day").find_next("p").get_text()
    assert owner_client.post("/settings/pay-period", data={"csrf_token": token, "first_day": "26"}).status_code == 303
    rules = pay_rules(session=fresh(session))
    assert rules[-1] == PayRule(current.end + timedelta(days=1), 26)
    assert period_of(today, rules) == current                           # the running period keeps its days
    page = soup(owner_client.get("/settings"))
    assert page.select_one("#first_day")["value"] == "26" and page.select_one(".pending-first-day")
    assert period_of(current.end + timedelta(days=1), rules).start == current.end + timedelta(days=1)


def test_closed_periods_are_in_the_export(app, session, workshop, client, api_headers, tmp_path):
    import zipfile

    from factory.files.backup import export_all
    period = past_period(back=1)
    add_scan(session, workshop.tickets[0], workshop.operations[0], workshop.knitter, 12, when=at(period.start))
    client.post(f"/api/payroll/{period.name}/close", headers=api_headers)
    counts = export_all(app.extensions["engine"], tmp_path / "export.zip")
    assert counts["pay_closing"] == 1 and counts["pay_line"] == 1 and counts["pay_total"] == 1
    assert counts["piece_rate"] == 0
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        total = json.loads(archive.read("pay_total.jsonl").decode().splitlines()[0])
    assert total["total"] == "18.00" and total["worker_code"] == "W1"


def test_the_migration_seeds_each_rate_history_from_the_route(tmp_path):
    """Upgrading a database with operations gives each one its present rate, in force since always."""
    from sqlalchemy import create_engine, text

    from factory.data import db
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db.upgrade(url, "0005_inquiry_request_id")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO work_center (id, code, name, units, hours_per_day, efficiency, "
                          "overtime_hours_per_day, position) VALUES (1, 'k', 'k', 1, 8, 1, 0, 0)"))
        conn.execute(text("INSERT INTO product (id, code, name, yarn, colors, stitch, size, notes, active) "
                          "VALUES (1, 'P', 'p', '', '', '', '', '', 1)"))
        conn.execute(text("INSERT INTO operation (id, product_id, position, code, name, work_center_id, "
                          "minutes_per_piece, setup_minutes, piece_rate) VALUES (1, 1, 0, 'k', 'k', 1, 3, 0, 2.805)"))
    db.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT operation_id, rate, effective_from, created_by FROM piece_rate")).all()
    engine.dispose()
    assert [(r[0], Decimal(str(r[1])), str(r[2]), r[3]) for r in rows] == [
        (1, Decimal("2.805"), "2000-01-01", "migration")]


def test_a_nul_character_is_refused_as_a_field_on_every_database(session, workshop, owner_client):
    period = period_of(datetime.now(SHANGHAI).date())
    token = csrf(owner_client.get("/reports/payroll"))
    response = owner_client.post(f"/reports/payroll/{period.name}/adjustments", data={
        "csrf_token": token, "worker": "W1\x00", "kind": "bonus", "amount": "5", "reason": "x\x00"})
    assert response.status_code == 422 and "NUL" in soup(response).select_one("#adj-reason").find_next("p").get_text()
    response = owner_client.post("/products/SCARF/rates", data={"csrf_token": token, "operation": "k\x00",
                                                                "piece_rate": "1", "effective_from": ""})
    assert response.status_code == 422
    assert fresh(session).exec(select(PayAdjustment)).all() == [] and session.exec(select(PieceRate)).all() == []


def test_a_period_without_adjustments_says_so(owner_client, workshop):
    page = BeautifulSoup(owner_client.get("/reports/payroll?period=2027-06").get_data(as_text=True), "html.parser")
    rows = page.select("table.adjustments-list tbody tr")
    assert [r.get_text(strip=True) for r in rows] == ["无。"]
