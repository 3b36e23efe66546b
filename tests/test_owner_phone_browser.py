"""The owner's desk on a 393 px phone (Pixel 5), in a real browser: the menu, the board, an order,
"can we take it?" and the charts as they are drawn, and the confirmations."""
from __future__ import annotations

from tests.conftest import add_scan, screenshot, sign_in

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= 393"


def test_charts_are_drawn_as_their_numbers_say(live_server, phone, session, workshop, owner):
    """The browser's own geometry: report bars stand on the axis with the height of their value
    (a page rule once made every bar a 12 px block), and the work-in-progress bars are not 0 px."""
    k, l, p = workshop.operations
    add_scan(session, workshop.tickets[0], k, workshop.knitter, 30)
    add_scan(session, workshop.tickets[0], l, workshop.linker, 20)
    add_scan(session, workshop.tickets[0], p, workshop.packer, 9)
    page = phone.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/reports")
    geometry = page.evaluate("""() => {
        const svg = document.querySelector('svg.chart');
        const axis = svg.querySelector('line.axis').getBBox().y;
        return [axis, [...svg.querySelectorAll('rect.day-bar')].map(r => {
            const b = r.getBBox(); return [b.y, b.height, +r.getAttribute('height')]; })];
    }""")
    axis, bars = geometry
    assert len(bars) == 30
    for y, height, drawn in bars:
        assert abs(y + height - axis) < 0.2 and abs(height - drawn) < 0.2
    assert bars[-1][1] > 100 and all(h == 0 for _, h, _ in bars[:-1])
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "desk-phone-reports.png")
    page.goto(live_server + "/wip")
    widths = page.evaluate("""() => [...document.querySelectorAll('td.wip-bar .bar > span')].map(
        s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])""")
    assert len(widths) == 3 and all(w > 0 and h >= 10 for w, h in widths)
    screenshot(page, "desk-phone-wip.png")


def test_cancel_asks_once_and_reopens_without_javascript(live_server, browser, playwright_instance, session,
                                                       workshop, owner):
    device = dict(playwright_instance.devices["Pixel 5"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server)
        number = workshop.order.number
        page.goto(f"{live_server}/orders/{number}")
        page.click('a[data-move="cancelled"]')
        assert "不再接受扫码" in page.inner_text("#confirm")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        screenshot(page, "desk-phone-confirm-cancel.png")
        page.click("#confirm button[type=submit]")
        page.wait_for_url(f"{live_server}/orders/{number}")
        assert "已取消" in page.inner_text(".facts")
        page.click('button[data-move="reopen"]')
        page.wait_for_selector('a[data-move="cancelled"]')
        assert "已取消" not in page.inner_text(".facts")
    finally:
        context.close()
