"""In a real browser: the owner signs in and sees the demo orders; a worker's phone opens a badge link."""
from __future__ import annotations

import pytest
from sqlmodel import select

from factory.data.models import Order, Worker
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_owner_signs_in_and_sees_the_demo_orders(live_server, desk_browser, session, demo):
    page = desk_browser.new_page()
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "owner")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    open_orders = session.exec(select(Order).where(Order.status.in_(["accepted", "in_production"]))).all()
    first = sorted(open_orders, key=lambda o: (o.due, -o.priority, o.number))[0]
    assert page.locator(".board-row").count() == len(open_orders)
    assert page.locator(".board-row").first.locator(".order-number").inner_text() == first.number
    assert "生产看板" in page.content()
    screenshot(page, "board.png")


def test_a_phone_opens_a_badge_link_and_is_signed_in(live_server, phone, session, demo):
    worker = session.exec(select(Worker).order_by(Worker.code)).first()
    page = phone.new_page()
    page.goto(f"{live_server}/w/{worker.badge_token}")
    assert page.url.endswith("/me")
    assert page.locator("h1").inner_text().split() == [worker.name, worker.code]
    # Touch targets: the navigation link is at least 44 px tall on the phone.
    box = page.locator(".worker-nav a").bounding_box()
    assert box and box["height"] >= 44
    page.goto(live_server + "/")
    assert "没有权限" in page.content()  # a worker does not reach owner pages
