"""The floor now in a real browser: a worker's phone goes from "my day" to the queue to a ticket
and logs it; the owner's board keeps still on unchanged polls (304) and shows a scan within one
2 s poll; the floor page on the owner's phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import api_scan, scans_in, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_worker_goes_from_my_day_to_the_queue_to_a_ticket_and_logs_it(live_server, phone, session, workshop):
    page = phone.new_page()
    page.goto(f"{live_server}/w/{workshop.knitter.badge_token}")
    assert page.url.endswith("/me")
    button = page.locator("a#my-queue")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 393 + 1
    button.click()
    page.wait_for_url(f"{live_server}/me/queue")
    items = page.locator("ol.station-queue li")
    assert items.count() == 3
    assert "40" in items.nth(0).locator(".pieces").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "floor-queue.png")
    items.nth(0).locator("a").click()
    page.wait_for_url(f"{live_server}/t/{workshop.tickets[0].token}?op=knitting")
    assert page.input_value("#good") == "40"
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.ok")
    assert [(s.good, s.worker_id) for s in scans_in(session)] == [(40, workshop.knitter.id)]
    page.goto(f"{live_server}/me/queue")
    assert page.locator("ol.station-queue li").count() == 2
    assert page.locator(f"li[data-ticket='{workshop.tickets[0].token}']").count() == 0


def test_the_board_keeps_still_until_a_scan_then_shows_it_within_one_poll(live_server, desk_browser, app, session,
                                                                         workshop, owner, api_headers):
    page = desk_browser.new_page()
    page.clock.install()
    sign_in(page, live_server)
    cell = page.locator(f'#order-{workshop.order.id} .step-num[data-operation="knitting"]')
    assert cell.inner_text() == "0"
    page.evaluate("document.querySelector('#board').dataset.marked = 'yes'")

    def poll():
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as answer:
            page.clock.fast_forward(2000)
        return answer.value
    for _ in range(3):
        unchanged = poll()
        assert unchanged.status == 304 and unchanged.request.headers.get("if-none-match")
    expect(page.locator("#board[data-marked=yes]")).to_have_count(1)  # nothing was swapped in
    api_scan(app.test_client(), api_headers, workshop.tickets[0], workshop.operations[0], workshop.knitter, 21)
    assert poll().status == 200  # the next poll, at most 2 s after the scan, brings it
    expect(cell).to_have_text("21")
    expect(page.locator("#board[data-marked=yes]")).to_have_count(0)
    screenshot(page, "desk-board-glance.png")


def test_the_floor_now_on_the_owners_phone(live_server, phone, app, session, workshop, owner, api_headers):
    api_scan(app.test_client(), api_headers, workshop.tickets[0], workshop.operations[0], workshop.knitter, 12)
    page = phone.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/floor")
    assert page.locator(".floor-workers li[data-worker=W1]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "desk-floor-phone.png")
