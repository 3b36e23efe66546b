"""The "can we take this order?" page and API against live data."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import func, select

from factory.data.live_scenario import live_scenario
from factory.data.models import Inquiry, Order, OrderLine, Scan
from tests.conftest import csrf_token, fresh, soup


def test_live_scenario_has_open_orders_with_remaining_work_from_scans(session, workshop):
    ticket, (knit, link, pack) = workshop.tickets[0], workshop.operations
    session.add(Scan(client_id="a", ticket_id=ticket.id, operation_id=knit.id, worker_id=workshop.knitter.id,
                     good=30, defects=2))
    session.add(Scan(client_id="b", ticket_id=ticket.id, operation_id=link.id, worker_id=workshop.linker.id, good=10))
    session.commit()
    scenario = live_scenario(session=session, today=date(2026, 4, 13))
    assert [wc["id"] for wc in scenario["work_centers"]] == ["knitting", "linking", "packing"]
    assert scenario["calendar"]["workdays"] == [0, 1, 2, 3, 4, 5]
    (order,) = scenario["orders"]
    assert order["id"] == workshop.order.number and order["quantity"] == 100
    assert [op["done"] for op in order["operations"]] == [32, 10, 0]
    assert order["operations"][0] == {"work_center": "knitting", "minutes_per_piece": 6.0, "setup_minutes": 30.0,
                                      "done": 32}


def test_verdict_appears_as_fragment_for_htmx(owner_client, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    response = owner_client.get(f"/assess?product=SCARF&quantity=50&due={due}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<section id="verdict"')
    assert "verdict-feasible" in html and "<svg" in html


def test_impossible_order_is_refused_with_reasons(owner_client, workshop):
    due = (date.today() + timedelta(days=2)).isoformat()
    html = owner_client.get(f"/assess?product=SCARF&quantity=100000&due={due}").get_data(as_text=True)
    assert "verdict-infeasible" in html
    assert re.search(r'class="reason" data-code="[a-z_]+"', html)


def test_bad_fields_are_named_in_the_verdict_area(owner_client, workshop):
    html = owner_client.get("/assess?product=NOPE&quantity=-1&due=tomorrow", headers={"HX-Request": "true"}
                            ).get_data(as_text=True)
    assert 'data-field="quantity"' in html and 'data-field="due"' in html


def test_accept_creates_the_order_and_keeps_the_inquiry(owner_client, session, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    before = session.exec(select(func.count()).select_from(Order)).one()
    response = owner_client.post("/assess/accept", data={"product": "SCARF", "quantity": "60", "due": due,
                                                         "assessed": f"SCARF|60|{due}",
                                                         "customer": "新客户", "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 302
    session.rollback()  # a fresh read: the app wrote in its own session
    order = session.exec(select(Order).order_by(Order.id.desc())).first()
    assert session.exec(select(func.count()).select_from(Order)).one() == before + 1
    assert (order.customer, order.quantity, order.status) == ("新客户", 60, "accepted")
    assert response.headers["Location"].endswith(f"/orders/{order.number}")
    inquiry = session.exec(select(Inquiry)).one()
    assert inquiry.decision == "accepted" and inquiry.order_id == order.id


def test_accept_without_customer_changes_nothing(owner_client, session, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    response = owner_client.post("/assess/accept", data={"product": "SCARF", "quantity": "60", "due": due,
                                                         "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 422
    assert 'data-field="customer"' in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(Order)).one() == 1
    assert session.exec(select(func.count()).select_from(Inquiry)).one() == 0


def test_decline_is_kept_with_its_reason(owner_client, session, workshop):
    due = (date.today() + timedelta(days=3)).isoformat()
    response = owner_client.post("/assess/decline", data={"product": "SCARF", "quantity": "5000", "due": due,
                                                          "assessed": f"SCARF|5000|{due}", "customer": "急单客户", "reason": "交期太紧",
                                                          "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 302
    session.rollback()
    inquiry = session.exec(select(Inquiry)).one()
    assert (inquiry.decision, inquiry.reason, inquiry.customer) == ("declined", "交期太紧", "急单客户")
    assert session.exec(select(func.count()).select_from(Order)).one() == 1
    assert "交期太紧" in owner_client.get("/assess").get_data(as_text=True)


def test_api_assess_against_live_data(client, api_headers, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    body = client.post("/api/orders/assess", json={"product": "SCARF", "quantity": 50, "due": due},
                       headers=api_headers).get_json()
    assert body["verdict"] == "feasible" and 60 <= body["score"] <= 100
    assert "plan" not in body
    with_plan = client.post("/api/orders/assess?plan=1", json={"product": "SCARF", "quantity": 50, "due": due},
                            headers=api_headers).get_json()
    assert any(step["order"] == "NEW" for step in with_plan["plan"])
    bad = client.post("/api/orders/assess", json={"product": "SCARF", "quantity": "x"}, headers=api_headers)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"quantity", "due"}


def test_api_feasibility_takes_a_scenario(client, api_headers):
    scenario = {"today": "2026-04-13", "work_centers": [{"id": "knitting", "units": 1, "hours_per_day": 8}],
                "orders": [], "candidate": {"id": "NEW", "quantity": 10, "due": "2026-04-14",
                                            "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]}}
    body = client.post("/api/feasibility", json=scenario, headers=api_headers).get_json()
    assert body["verdict"] == "feasible" and body["earliest_completion"] == "2026-04-13"
    broken = client.post("/api/feasibility", json={**scenario, "work_centers": []}, headers=api_headers)
    assert broken.status_code == 422 and "error" in broken.get_json()


# --- the production board uses the same capacity plan ---------------------------------------------

def working_days(start: date, end: date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + timedelta(days=n)).weekday() < 6)


def board_badges(owner_client) -> dict[str, tuple[str, str]]:
    """Order number → (badge class, row text) as the owner sees the board."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(owner_client.get("/").get_data(as_text=True), "html.parser")
    return {row.select_one(".order-number").get_text(strip=True):
            (next(c for c in row["class"] if c.startswith("badge-")), row.get_text(" ", strip=True))
            for row in soup.select(".board-row")}


def test_board_badges_come_from_the_capacity_plan(owner_client, session, workshop):
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    today = date.today()
    due = today + timedelta(days=14)
    # Knitting and linking each do 320 pieces a day in regular time, 400 with their 2 h of overtime.
    tight = create_order(session=session, order_in=OrderIn(customer="加班客户", product="SCARF",
                                                               quantity=360 * working_days(today, due), due=due))
    hopeless = create_order(session=session, order_in=OrderIn(customer="不可能", product="SCARF", quantity=20_000,
                                                                  due=today + timedelta(days=3)))
    session.commit()
    badges = board_badges(owner_client)
    assert badges[workshop.order.number][0] == "badge-on_track"
    assert badges[tight.number][0] == "badge-at_risk" and "需加班" in badges[tight.number][1]
    assert badges[hopeless.number][0] == "badge-late"
    # The planned date shown for the tight order is the overtime plan's, on or before its due date.
    planned = re.search(r"预计完成 (\d{4}-\d{2}-\d{2})", badges[tight.number][1]).group(1)
    assert today <= date.fromisoformat(planned) <= due


def test_planned_completions_without_a_candidate():
    from factory.feasibility.completions import planned_completions
    scenario = {"today": "2026-04-13", "calendar": {"workdays": [0, 1, 2, 3, 4]},
                "work_centers": [{"id": "knitting", "units": 1, "hours_per_day": 8, "overtime_hours_per_day": 2}],
                "orders": [{"id": "A", "quantity": 80, "due": "2026-04-14",  # 480 min: one day
                            "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]},
                           {"id": "B", "quantity": 90, "due": "2026-04-14",  # 540 more: only with overtime
                            "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]},
                           {"id": "C", "quantity": 500, "due": "2026-04-15",  # 3,000 min in 3 days: never
                            "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]}]}
    plan = planned_completions(scenario)
    assert set(plan) == {"A", "B", "C"}
    assert not plan["A"].late_in_regular_time and plan["A"].regular <= date(2026, 4, 14)
    assert plan["B"].late_in_regular_time and not plan["B"].late_with_overtime
    assert plan["B"].with_overtime <= date(2026, 4, 14)
    assert plan["C"].late_with_overtime


def test_a_double_click_on_accept_creates_one_order(owner_client, session, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    page = owner_client.get(f"/assess?product=SCARF&quantity=60&due={due}&customer=双击客户").get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    form = {"product": "SCARF", "quantity": "60", "due": due, "customer": "双击客户", "request_id": request_id,
            "assessed": f"SCARF|60|{due}",
            "csrf_token": csrf_token(owner_client)}
    first = owner_client.post("/assess/accept", data=form)
    again = owner_client.post("/assess/accept", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    session.rollback()
    assert len(session.exec(select(Order).where(Order.customer == "双击客户")).all()) == 1
    assert session.exec(select(func.count()).select_from(Inquiry)).one() == 1


def test_orders_due_beyond_ninety_days_are_not_squeezed_into_ninety(owner_client, session, workshop):
    """A big order due in 200 days must not make a small order due in 30 days look impossible."""
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    create_order(session=session, order_in=OrderIn(customer="远期大单", product="SCARF", quantity=26_000,
                                                       due=date.today() + timedelta(days=200)))
    session.commit()
    due = (date.today() + timedelta(days=30)).isoformat()
    html = owner_client.get(f"/assess?product=SCARF&quantity=10&due={due}", headers={"HX-Request": "true"}
                            ).get_data(as_text=True)
    assert "verdict-feasible" in html


def test_an_order_no_plan_can_finish_is_late_on_the_board(owner_client, session, workshop):
    from factory.data.orders import create_order
    from factory.inputs import OrderIn
    hopeless = create_order(session=session, order_in=OrderIn(
        customer="永远做不完", product="SCARF", quantity=900_000, bundle_size=1000, due=date.today() + timedelta(days=5)))
    session.commit()
    badges = board_badges(owner_client)
    assert badges[hopeless.number][0] == "badge-late"
    assert badges[workshop.order.number][0] == "badge-on_track"  # not dragged down with it


# --- a verdict answers its own inputs; the page and the board agree ------------------------------

def test_a_decision_whose_inputs_changed_after_the_verdict_gets_the_new_verdict_not_an_order(
        owner_client, session, workshop):
    """The due date was changed after the verdict (and the page not updated): accepting must not
    create the order with either date before the owner has seen the verdict for the new one."""
    first, changed = (date.today() + timedelta(days=d) for d in (30, 2))
    page = soup(owner_client.get(f"/assess?product=SCARF&quantity=600&due={first}&customer=改期客户"))
    assessed = page.select_one("input[name=assessed]")["value"]
    assert assessed == f"SCARF|600|{first}"
    response = owner_client.post("/assess/accept", data={
        "product": "SCARF", "quantity": "600", "due": changed.isoformat(), "customer": "改期客户",
        "assessed": assessed, "request_id": page.select_one("input[name=request_id]")["value"],
        "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 409
    answer = soup(response)
    assert answer.select_one(".changed") is not None
    assert answer.select_one("input[name=assessed]")["value"] == f"SCARF|600|{changed}"
    assert answer.select_one("input[name=due]")["value"] == changed.isoformat()
    assert fresh(session).exec(select(Order).where(Order.customer == "改期客户")).first() is None
    assert session.exec(select(func.count()).select_from(Inquiry)).one() == 0


def test_accept_sets_priority_and_colour_size_lines(owner_client, session, workshop):
    due = (date.today() + timedelta(days=40)).isoformat()
    page = soup(owner_client.get(f"/assess?product=SCARF&quantity=60&due={due}&customer=分色客户"))
    assert page.select_one("#decide select[name=priority]") is not None
    assert len(page.select("#decide input[name=color]")) == 2
    more = soup(owner_client.get(f"/assess?product=SCARF&quantity=60&due={due}&customer=分色客户"
                                 "&color=红&size=M&line_quantity=40&color=&size=&line_quantity=&add_line=1"))
    assert [i["value"] for i in more.select("#decide input[name=color]")] == ["红", "", ""]
    response = owner_client.post("/assess/accept", data={
        "product": "SCARF", "quantity": "60", "due": due, "customer": "分色客户", "assessed": f"SCARF|60|{due}",
        "priority": "1", "color": ["红", "藏青", ""], "size": ["M", "L", ""], "line_quantity": ["40", "20", ""],
        "request_id": page.select_one("input[name=request_id]")["value"], "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 302
    order = fresh(session).exec(select(Order).where(Order.customer == "分色客户")).one()
    assert order.priority == 1
    lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
    assert [(l.color, l.size, l.quantity) for l in lines] == [("红", "M", 40), ("藏青", "L", 20)]
    bad = owner_client.post("/assess/accept", data={
        "product": "SCARF", "quantity": "60", "due": due, "customer": "分色客户2", "assessed": f"SCARF|60|{due}",
        "color": ["红"], "size": ["M"], "line_quantity": ["10"], "request_id": "x" * 16,
        "csrf_token": csrf_token(owner_client)})
    assert bad.status_code == 422 and soup(bad).select_one("#decide .field-error") is not None


def test_the_page_says_the_date_the_board_shows_after_accepting(demo, owner, owner_client, session):
    """The demo workshop, busy: the page's planned completion is the board's, not the earliest
    date the order could make by going first (the board once said 12-07 where the page said 12-05)."""
    due = (date.today() + timedelta(days=25)).isoformat()
    args = f"product=SW-CREW&quantity=400&due={due}&customer=同一计划"
    page = soup(owner_client.get(f"/assess?{args}"))
    planned = page.select_one('dd[data-field="planned"]').get_text().split()[0]
    # Two dates, each saying what it is (an outside try could not tell which one to promise).
    assert "看板" in page.select_one('dd[data-field="planned"] small').get_text()
    assert "能答应的最早交期" in page.select_one('dd[data-field="earliest"] small').get_text()
    response = owner_client.post("/assess/accept", data={
        "product": "SW-CREW", "quantity": "400", "due": due, "customer": "同一计划",
        "assessed": f"SW-CREW|400|{due}", "request_id": page.select_one("input[name=request_id]")["value"],
        "csrf_token": csrf_token(owner_client)})
    assert response.status_code == 302
    order = fresh(session).exec(select(Order).where(Order.customer == "同一计划")).one()
    board = soup(owner_client.get("/"))
    assert board.select_one(f"#order-{order.id} .planned").get_text().split()[-1] == planned


def test_points_have_words_and_a_date_the_browser_cannot_read_is_not_called_missing(owner_client, workshop):
    due = (date.today() + timedelta(days=30)).isoformat()
    page = soup(owner_client.get(f"/assess?product=SCARF&quantity=60&due={due}"))
    assert page.select_one(".score-words") is not None
    assert all("分" in p.get_text() for p in page.select(".reason .points"))
    bad = soup(owner_client.get("/assess?product=SCARF&quantity=60&due_bad=1"))
    assert "必填" not in bad.select_one("#verdict").get_text()
    assert bad.select_one('#verdict [data-field="due"]') is not None
