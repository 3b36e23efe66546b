""""Can we take it?" in a real browser: the verdict appears while the owner types, the load
chart with it, and accepting creates the order and lands on its page with the print buttons."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from factory.data.models import Inquiry, Order
from tests.conftest import fresh, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_verdict_appears_as_the_owner_types_and_accept_creates_the_order(
        live_server, desk_browser, session, workshop, owner):
    page = desk_browser.new_page()
    sign_in(page, live_server)
    page.click("text=能接吗？")
    page.wait_for_url(live_server + "/assess")
    assert "填好产品、数量和交期" in page.inner_text("#verdict")
    page.select_option("select[name=product]", "SCARF")
    page.fill("input[name=quantity]", "200")
    page.fill("input[name=due]", (date.today() + timedelta(days=21)).isoformat())
    page.fill("input[name=customer]", "世界杯客户")
    page.wait_for_selector(".verdict-feasible")  # no submit: htmx asked while typing
    assert page.url == live_server + "/assess"
    assert page.inner_text(".verdict-word") == "能接"
    assert page.locator("#verdict svg rect").count() > 0
    screenshot(page, "assess-feasible.png")

    page.fill("input[name=quantity]", "50000")
    page.wait_for_selector(".verdict-infeasible")
    assert page.locator(".reason").count() >= 1
    assert "只有已排订单" in page.inner_text("figure.chart")
    booked_bars = page.eval_on_selector_all(
        "#verdict svg g rect.booked", "bars => bars.filter(b => parseFloat(b.getAttribute('height')) > 0).length")
    assert booked_bars > 0  # the order already booked is still drawn
    screenshot(page, "assess-infeasible.png")

    page.fill("input[name=quantity]", "200")
    page.wait_for_selector(".verdict-feasible")
    page.click("text=接单：创建订单")
    page.wait_for_selector("table.tickets")
    order = fresh(session).exec(select(Order).where(Order.customer == "世界杯客户")).one()
    assert page.url.endswith(f"/orders/{order.number}")
    assert f"订单 {order.number} 已创建" in page.inner_text(".flash")
    assert page.locator("a", has_text="打印生产单").count() == 1
    assert session.exec(select(Inquiry)).one().order_id == order.id
