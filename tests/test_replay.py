"""The engine replayed as of a past day: the orders open then, their progress from the scans worked
before that day, the plan's day against the day each really finished; the report section and the API."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest
from sqlmodel import select

from factory.api.openapi import openapi_document
from factory.data.models import AuditEntry, Order, OrderStatus, Scan, Ticket
from factory.data.orders import create_order
from factory.data.promises import finished_days
from factory.data.replay import past_orders, replay, status_moves
from factory.domain.progress import Count
from factory.feasibility.completions import Completion
from factory.feasibility.replay import (
    PastOrder,
    as_of_refusal,
    compare,
    default_as_of,
    open_on,
    orders_as_of,
)
from factory.inputs import OrderIn
from tests.conftest import accessibility_violations, add_scan, fresh, one, post_form, screenshot, sign_in, soup, text
from tests.workshop_data import order_tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROUTE = ({"work_center": "k", "minutes_per_piece": 1.0, "setup_minutes": 0.0},
         {"work_center": "p", "minutes_per_piece": 0.5, "setup_minutes": 0.0})
D = date(2026, 6, 10)


def past(number="A", *, accepted=D - timedelta(days=3), finished=None, status="in_production", moves=(),
         counts=(Count(), Count()), due=D + timedelta(days=10), priority=0, quantity=10) -> PastOrder:
    return PastOrder(number, quantity, due, priority, status, accepted, finished, tuple(moves), ROUTE, tuple(counts))


# --- the pure rules ------------------------------------------------------------------------------

def test_an_order_is_on_the_plan_from_the_day_it_was_accepted_until_it_finished():
    assert open_on(past(accepted=D), D)  # accepted that day: on that day's plan
    assert not open_on(past(accepted=D + timedelta(days=1)), D)
    assert not open_on(past(accepted=None), D)  # never accepted (a draft, or cancelled as one)
    assert open_on(past(finished=D, status="done"), D)  # finished that day: still to do at its start
    assert not open_on(past(finished=D - timedelta(days=1), status="done"), D)


def test_status_moves_place_cancelled_and_hand_closed_orders_in_time():
    before, after = D - timedelta(days=1), D + timedelta(days=2)
    assert not open_on(past(status="cancelled", moves=[(before, "cancelled")]), D)
    assert open_on(past(status="cancelled", moves=[(after, "cancelled")]), D)
    # Cancelled when, nobody recorded: it cannot be placed in time, so it is left out.
    assert not open_on(past(status="cancelled"), D)
    # Marked done by hand before D, without all its pieces logged; reopened later.
    assert not open_on(past(status="in_production", moves=[(before, "done"), (after, "in_production")]), D)
    assert open_on(past(status="done", moves=[(after, "done")]), D)
    assert not open_on(past(status="done"), D)
    # Cancelled, then reopened before D: on the plan again.
    assert open_on(past(status="accepted", moves=[(D - timedelta(days=2), "cancelled"), (before, "accepted")]), D)


def test_the_orders_as_of_a_day_carry_the_pieces_logged_before_it_in_the_boards_order():
    orders = [past("LATE-DUE", due=D + timedelta(days=20), counts=(Count(10), Count(4))),
              past("URGENT", due=D + timedelta(days=20), priority=2),
              past("EARLY-DUE", due=D + timedelta(days=5), counts=(Count(6, 1), Count(3))),
              past("ALL-LOGGED", counts=(Count(10), Count(9, 1))),
              past("NOT-YET", accepted=D + timedelta(days=1))]
    found = orders_as_of(D, orders)
    assert [o["id"] for o in found] == ["EARLY-DUE", "URGENT", "LATE-DUE"]
    assert [[s["done"] for s in o["operations"]] for o in found] == [[7, 3], [0, 0], [10, 4]]
    assert found[0]["operations"][0]["work_center"] == "k" and found[0]["due"] == (D + timedelta(days=5)).isoformat()


def test_the_plans_day_is_judged_as_a_promise():
    today = D + timedelta(days=20)
    day = D + timedelta(days=4)
    planned = {"KEPT": Completion(day, day, False, False), "LATE": Completion(day, day, False, False),
               "OPEN": Completion(today + timedelta(days=3), None, False, False),
               "PAST": Completion(day, day, False, False),
               "OVERTIME": Completion(day + timedelta(days=3), day, True, False),
               "NONE": Completion(None, None, True, True), "GONE": Completion(day, day, False, False)}
    orders = [{"id": n} for n in planned]
    due = {n: D + timedelta(days=30) for n in planned}
    finished = {"KEPT": day - timedelta(days=1), "LATE": day + timedelta(days=2), "OVERTIME": day + timedelta(days=1)}
    result = compare(as_of=D, planned=planned, orders=orders, due=due, finished=finished, cancelled={"GONE"},
                     today=today)
    states = {r.number: (r.state, r.planned, r.days_late) for r in result.rows}
    assert states == {"KEPT": ("kept", day, -1), "LATE": ("late", day, 2),
                      "OPEN": ("open", today + timedelta(days=3), None), "PAST": ("late", day, 16),
                      "OVERTIME": ("late", day, 1),  # the day with overtime, as a promise stores it
                      "NONE": ("unplanned", None, None), "GONE": ("cancelled", day, None)}
    assert (result.kept, result.late, result.count("open")) == (1, 3, 1)
    assert result.mean_days_late == round((-1 + 2 + 16 + 1) / 4, 1)


def test_a_replayed_day_is_not_in_the_future_nor_before_the_first_scan():
    first = D - timedelta(days=40)
    assert as_of_refusal(as_of=D, today=D, first_scan=first) is None
    assert as_of_refusal(as_of=first, today=D, first_scan=first) is None
    future = as_of_refusal(as_of=D + timedelta(days=1), today=D, first_scan=first)
    assert (future.code, future.field) == ("replay_future", "as_of")
    early = as_of_refusal(as_of=first - timedelta(days=1), today=D, first_scan=first)
    assert (early.code, early.field, early.numbers) == ("replay_before_history", "as_of", {"first": first.isoformat()})
    assert as_of_refusal(as_of=D, today=D, first_scan=None).code == "replay_no_history"
    assert default_as_of(today=D, first_scan=first) == D - timedelta(days=28)
    assert default_as_of(today=D, first_scan=D - timedelta(days=5)) == D - timedelta(days=5)


# --- a synthetic workshop whose past is known -----------------------------------------------------

def at(day: date, hour: int = 10) -> datetime:
    """A moment of the workshop's `day`, in UTC."""
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


@pytest.fixture
def history(session, workshop):
    """Orders whose scans stop on known days around D = ten days ago (quantities of one bundle):
    A open on D with 40/40/25 logged before it, finished D+2 (a packing claim of 5 reversed on D+1);
    B finished D-1; C accepted D+1; E accepted D-2, never started; F cancelled on D+3 (the audit log
    says so); G cancelled, nobody recorded when. The workshop's own order was accepted today."""
    today = datetime.now(SHANGHAI).date()
    d = today - timedelta(days=10)
    knit, link, pack = workshop.operations
    orders = {}
    for name, accepted, due in (("A", -5, 6), ("B", -6, 3), ("C", 1, 9), ("E", -2, 4), ("F", -4, 8), ("G", -4, 8)):
        order = create_order(session=session, order_in=OrderIn(customer=f"客户{name}", product="SCARF", quantity=40,
                                                               due=d + timedelta(days=due), bundle_size=40),
                             number=f"R-{name}")
        order.accepted_at = order.created_at = at(d + timedelta(days=accepted))
        orders[name] = order
    session.commit()
    ticket = {name: order_tickets(session, o)[0] for name, o in orders.items()}
    w = (workshop.knitter, workshop.linker, workshop.packer)
    add_scan(session, ticket["A"], knit, w[0], 40, at=at(d - timedelta(days=3)))
    add_scan(session, ticket["A"], link, w[1], 40, at=at(d - timedelta(days=2)))
    add_scan(session, ticket["A"], pack, w[2], 20, at=at(d - timedelta(days=1)))
    undone = add_scan(session, ticket["A"], pack, w[2], 5, at=at(d - timedelta(days=1), 11))
    session.add(Scan(client_id="undo-a", ticket_id=ticket["A"].id, operation_id=pack.id, worker_id=w[2].id, good=-5,
                     reverses_id=undone.id, created_at=at(d + timedelta(days=1))))
    session.commit()
    add_scan(session, ticket["A"], pack, w[2], 20, at=at(d + timedelta(days=2)))
    for op, worker, day in zip((knit, link, pack), w, (d - timedelta(days=4), d - timedelta(days=3), d - timedelta(days=1))):
        add_scan(session, ticket["B"], op, worker, 40, at=at(day))
    add_scan(session, ticket["F"], knit, w[0], 10, at=at(d - timedelta(days=3)))
    for name, when in (("F", d + timedelta(days=3)), ("G", None)):
        orders[name].status = OrderStatus.cancelled.value
        if when:
            session.add(AuditEntry(at=at(when), username="boss", action="desk.order_status",
                                   path=f"/orders/{orders[name].number}/status", status=302,
                                   detail=json.dumps({"status": "cancelled"})))
    orders["B"].status = OrderStatus.done.value
    session.commit()
    return d, orders


def test_the_replay_lists_exactly_the_orders_open_then_with_their_progress_before_that_day(session, history):
    d, orders = history
    today = datetime.now(SHANGHAI).date()
    found = {o.number: o for o in past_orders(session=session, as_of=d, zone=SHANGHAI)}
    # Accepted by D (C and the workshop's own order: later) and not finished by the scans before D (B).
    assert set(found) == {"R-A", "R-E", "R-F", "R-G"}
    # Progress from the scans worked before D; the reversal on D+1 counts on its own day.
    assert [c.logged for c in found["R-A"].counts] == [40, 40, 25]
    assert found["R-A"].finished == d + timedelta(days=2)
    result = replay(session=session, as_of=d, today=today, zone=SHANGHAI)
    rows = {r.number: r for r in result.rows}
    assert set(rows) == {"R-A", "R-E", "R-F"}
    a = rows["R-A"]
    # 15 pieces of packing left: the plan finishes it on D's first working day.
    assert a.planned == next(d + timedelta(days=k) for k in range(7) if (d + timedelta(days=k)).weekday() != 6)
    assert a.finished == d + timedelta(days=2) and a.days_late == (a.finished - a.planned).days
    assert a.state == ("kept" if a.days_late <= 0 else "late")
    assert rows["R-E"].finished is None and rows["R-E"].state in ("late", "open")
    assert rows["R-F"].state == "cancelled"
    # Two days later the reversal of D+1 is in: 25 - 5.
    later = {o.number: o for o in past_orders(session=session, as_of=d + timedelta(days=2), zone=SHANGHAI)}
    assert [c.logged for c in later["R-A"].counts] == [40, 40, 20]
    assert "R-C" in {r.number for r in replay(session=session, as_of=d + timedelta(days=2), today=today,
                                               zone=SHANGHAI).rows}


def test_the_report_page_replays_a_chosen_day_in_chinese_and_english(owner_client, session, history):
    d, _ = history
    page = soup(owner_client.get(f"/reports/promises?as_of={d.isoformat()}"))
    rows = page.select("table.replay-orders tbody tr[data-order]")
    assert {r["data-order"] for r in rows} == {"R-A", "R-E", "R-F"}
    assert "回放" in text(one(page, "#replay-title")) and "回放无法知道的事" in text(page)
    assert one(page, "input[name=as_of]")["value"] == d.isoformat()
    row = one(page, "tr[data-order=R-A]")
    assert (d + timedelta(days=2)).isoformat() in text(row)
    owner_client.set_cookie("lang", "en")
    english = soup(owner_client.get(f"/reports/promises?as_of={d.isoformat()}"))
    assert "Replay: the plan as of a past day" in text(english) and "What the replay cannot know" in text(english)
    assert "cancelled" in text(one(english, "tr[data-order=R-F]"))
    # htmx asks for the replay alone: the fragment, same URL.
    fragment = owner_client.get(f"/reports/promises?as_of={d.isoformat()}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    html = soup(fragment)
    assert html.select("section#replay") and not html.select("table.promise-months")


def test_the_report_page_refuses_bad_days_naming_the_field(owner_client, session, history):
    today = datetime.now(SHANGHAI).date()
    for asked, words in ((today + timedelta(days=1), "今天"), (today - timedelta(days=400), "第一次扫码"),
                         ("2026-13-40", "YYYY-MM-DD")):
        response = owner_client.get(f"/reports/promises?as_of={asked}", headers={"HX-Request": "true"})
        assert response.status_code == 422
        error = one(soup(response), ".field-error")
        assert error["data-field"] == "as_of" and words in text(error)
    # Without a day: four weeks ago, or the first scan's day when the history is shorter.
    default = soup(owner_client.get("/reports/promises"))
    first = min(s.worked_at for s in fresh(session).exec(select(Scan))).astimezone(SHANGHAI).date()
    assert one(default, "input[name=as_of]")["value"] == max(today - timedelta(days=28), first).isoformat()


def test_without_scans_the_page_says_there_is_nothing_to_replay(owner_client, workshop):
    response = owner_client.get("/reports/promises")
    assert response.status_code == 200
    assert "还没有可回放的内容" in text(one(soup(response), ".field-error"))


def test_the_api_replays_a_day_as_its_schema_says(client, api_headers, session, history):
    d, _ = history
    response = client.get(f"/api/promises/replay?as_of={d.isoformat()}", headers=api_headers)
    assert response.status_code == 200
    body = response.get_json()
    jsonschema_rs.validate({"$ref": "#/components/schemas/PromiseReplay",
                            "components": openapi_document()["components"]}, body)
    assert body["as_of"] == d.isoformat() and body["minutes"] == "typed"
    assert {o["number"] for o in body["orders"]} == {"R-A", "R-E", "R-F"}
    a = next(o for o in body["orders"] if o["number"] == "R-A")
    assert a["finished"] == (d + timedelta(days=2)).isoformat()
    assert body["kept"] + body["late"] + body["open"] + sum(o["state"] in ("unplanned", "cancelled")
                                                            for o in body["orders"]) == 3
    for asked in ((datetime.now(SHANGHAI).date() + timedelta(days=1)).isoformat(), "2026-02-30", "yesterday"):
        refused = client.get(f"/api/promises/replay?as_of={asked}", headers=api_headers)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["as_of"]


def test_the_demo_replays_four_weeks_back_with_something_to_show(demo, session):
    today = datetime.now(SHANGHAI).date()
    for back in (28, 14):
        result = replay(session=session, as_of=today - timedelta(days=back), today=today, zone=SHANGHAI)
        assert result.rows and result.kept + result.late > 0
        assert all(r.planned is not None for r in result.rows)
    assert fresh(session).exec(select(Ticket)).first() is not None and fresh(session).exec(select(Order)).first()


def test_a_cancel_through_the_order_page_is_read_back_from_the_audit_log(owner_client, session, workshop):
    number = workshop.order.number
    assert post_form(owner_client, f"/orders/{number}/status", {"status": "cancelled"}).status_code == 302
    today = datetime.now(SHANGHAI).date()
    assert status_moves(session=fresh(session), zone=SHANGHAI) == {number: [(today, "cancelled")]}


def test_the_owner_replays_a_day_on_a_phone(live_server, phone, session, history, owner):
    """At 393 px: the date is picked, htmx swaps the replay alone, the address keeps the day, and
    the section fits the width and passes the accessibility rules."""
    d, _ = history
    page = phone.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/reports/promises")
    page.fill("input[name=as_of]", d.isoformat())
    page.click(".replay-form button[type=submit]")
    page.wait_for_url(f"**/reports/promises?as_of={d.isoformat()}")
    page.wait_for_function(f"document.querySelector('#replay .replay-summary').textContent.includes('{d.isoformat()}')")
    assert sorted(page.eval_on_selector_all("#replay tr[data-order]", "rows => rows.map(r => r.dataset.order)")) == [
        "R-A", "R-E", "R-F"]
    assert page.locator("table.promise-orders").count() == 1  # the rest of the page stayed
    assert page.evaluate("document.scrollingElement.scrollWidth <= 393")
    assert accessibility_violations(page) == []
    screenshot(page, "desk-phone-promises-replay.png")


def test_an_order_whose_defects_were_lost_upstream_finishes_when_the_rest_is_through(session, workshop):
    """40 pieces, one knitted with a defect: the order is finished when 39 are packed (as the board
    says), and not finished again after an undo of the packing."""
    today = datetime.now(SHANGHAI).date()
    order = create_order(session=session, order_in=OrderIn(customer="缺陷", product="SCARF", quantity=40,
                                                           due=today + timedelta(days=9), bundle_size=40))
    session.commit()
    ticket = order_tickets(session, order)[0]
    knit, link, pack = workshop.operations
    add_scan(session, ticket, knit, workshop.knitter, 39, 1, at=at(today - timedelta(days=3)))
    add_scan(session, ticket, link, workshop.linker, 39, at=at(today - timedelta(days=2)))
    packed = add_scan(session, ticket, pack, workshop.packer, 39, at=at(today - timedelta(days=1)))
    assert finished_days(session=session, orders=[order], zone=SHANGHAI) == {order.id: today - timedelta(days=1)}
    session.add(Scan(client_id="undo-pack", ticket_id=ticket.id, operation_id=pack.id, worker_id=workshop.packer.id,
                     good=-39, reverses_id=packed.id, created_at=at(today)))
    session.commit()
    assert finished_days(session=session, orders=[order], zone=SHANGHAI) == {}
