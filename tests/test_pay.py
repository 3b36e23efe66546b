"""Pay a worker can check: one pay arithmetic (half up to the fen, totals of rounded lines) on every
surface, dated piece rates, pay periods that close and reopen, adjustments, payslips."""
from __future__ import annotations

import io
import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlmodel import select

from factory.data.db import write_transaction
from factory.data.models import AuditEntry, PayAdjustment, PayClosing, PayLine, PayTotal, PieceRate, Scan
from factory.data.pay import (add_adjustment, close_period, payroll_for, pending_corrections, reopen_period,
                              set_first_day, set_rate, pay_rules)
from factory.domain.pay import (DatedRate, PayRule, Period, line_amount, money, period_named, period_of,
                                rate_on, schedule_change, settle)
from factory.domain.refusal import Refused

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


def add_scan(session, ticket, operation, worker, good, defects=0, when=None, reverses=None) -> Scan:
    scan = Scan(client_id=str(uuid.uuid4()), ticket_id=ticket.id, operation_id=operation.id, worker_id=worker.id,
                good=good, defects=defects, created_at=when or datetime.now(timezone.utc),
                reverses_id=reverses.id if reverses else None)
    session.add(scan)
    session.commit()
    return scan


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def fresh(session):
    session.rollback()
    return session


def in_transaction(app, function, **kwargs):
    with write_transaction(app.extensions["engine"]) as s:
        return function(session=s, **kwargs)


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
    """Two lines at ¥0.125 are 0.13 + 0.13 = 0.26 on "my day", payroll, Excel, API, payslip and PDF
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
    assert [tr.select("td")[1].get_text() for tr in history] == [(period.start + timedelta(days=1)).isoformat(),
                                                                  "从头起" if False else history[1].select("td")[1].get_text()]
    assert [tr.select_one("td.num").get_text() for tr in history] == ["3.50", "1.50"]
    pay = payroll_for(session=fresh(session), period=period, zone=SHANGHAI)
    assert pay.workers[0].settlement.amount == Decimal("15.00")          # the day before: still ¥1.50


def csrf(response) -> str:
    return soup(response).select_one("input[name=csrf_token]")["value"]
