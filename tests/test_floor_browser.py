"""A worker's phone in a real browser (Chromium, Pixel 5): badge link, ticket, log, undo, /me;
offline scans kept on the phone and sent once; the page's weight; the page without JavaScript."""
from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import accessibility_violations, add_scan, scans_in, screenshot, sign_in
from tests.test_floor import linker_knits_too

pytestmark = pytest.mark.browser


def stored(session) -> list[tuple[int, int, str]]:
    return [(s.good, s.defects, s.source) for s in scans_in(session)]


def signed_in_ticket(phone, live_server, workshop, ticket):
    page = phone.new_page()
    page.goto(f"{live_server}/w/{workshop.knitter.badge_token}")
    assert page.url.endswith("/me")
    page.goto(f"{live_server}/t/{ticket.token}")
    return page


def switch_in_another_tab(phone, live_server, worker) -> None:
    """Another worker scans their badge on the phone, in a new tab, and signs in (the switch asks first)."""
    tab = phone.new_page()
    tab.goto(f"{live_server}/w/{worker.badge_token}")
    tab.click("form[method=post] button[type=submit]")  # "sign in as ..."
    tab.wait_for_url("**/me")


def test_a_worker_logs_pieces_undoes_and_sees_them_on_my_day(live_server, phone, session, workshop):
    ticket = workshop.tickets[0]
    page = signed_in_ticket(phone, live_server, workshop, ticket)
    assert page.locator("a.op.picked").inner_text().startswith("织片")
    assert page.input_value("#good") == "40"
    page.click("button[data-step='-1'][data-for='good']")
    page.click("button[data-step='-1'][data-for='good']")
    assert page.input_value("#good") == "38"
    box = page.locator("button[data-step='1'][data-for='good']").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48
    url = page.url
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.ok")
    assert page.url == url  # swapped in place, no page load
    assert "已记：织片 38 件" in page.inner_text(".result.ok")
    assert "38 / 40" in page.inner_text("ol.progress")
    assert page.input_value("#good") == "2"
    screenshot(page, "ticket-logged.png")
    page.click("button.undo")
    page.wait_for_selector("text=已撤销：织片 38 件")
    assert "0 / 40" in page.inner_text("ol.progress")
    assert stored(session) == [(38, 0, "web"), (-38, 0, "web")]
    page.fill("#good", "30")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=已记：织片 30 件")
    page.click(".worker-nav a")
    page.wait_for_url(f"{live_server}/me")
    assert page.inner_text("#today .pieces") == "30"
    assert page.inner_text("#today .money") == "¥45.00"
    assert page.locator(".scan-list li").count() == 3
    screenshot(page, "me.png")


def test_offline_scans_wait_on_the_phone_and_arrive_exactly_once(live_server, phone, session, workshop):
    ticket = workshop.tickets[0]
    page = signed_in_ticket(phone, live_server, workshop, ticket)
    phone.set_offline(True)
    page.fill("#good", "10")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=1 条待发送")
    # The tile counts what waits on the phone; a quick second claim needs a second tap, as online.
    assert page.input_value("#good") == "30"
    page.fill("#good", "5")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=确实要再记，请再点一次")
    assert "1 条待发送" in page.inner_text("#queue")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=2 条待发送")
    assert "没有网络" in page.inner_text("#queue")
    screenshot(page, "ticket-offline.png")
    assert stored(session) == []
    phone.set_offline(False)
    page.wait_for_selector("text=已发送 2 条")
    page.wait_for_selector("text=15 / 40")  # the progress was fetched again
    assert page.evaluate("JSON.parse(localStorage.getItem('factory.scan-queue.v1'))") == []
    assert stored(session) == [(10, 0, "queue"), (5, 0, "queue")]
    # After a reload the page tries to send its queue at once (floor.js runs flush() as it loads):
    # with the queue empty it must send nothing. Watch for any POST until the page has loaded.
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.reload(wait_until="load")
    assert page.evaluate("localStorage.getItem('factory.scan-queue.v1')") == "[]"
    assert posts == []
    assert stored(session) == [(10, 0, "queue"), (5, 0, "queue")]


def test_a_reload_keeps_the_queue_and_a_lost_answer_is_not_counted_twice(live_server, phone, session, workshop):
    ticket = workshop.tickets[0]
    page = signed_in_ticket(phone, live_server, workshop, ticket)
    # The server records the scan but the answer never reaches the phone.
    def lose_the_answer(route):
        try:
            route.fetch()
            route.abort()
        except PlaywrightError:  # the page reloaded while the request was in flight
            pass

    page.route("**/scans", lose_the_answer)
    page.fill("#good", "12")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=1 条待发送")
    assert stored(session) == [(12, 0, "web")]
    page.reload()
    page.wait_for_selector("text=1 条待发送")
    page.unroute("**/scans")
    # The page may already be resending by itself (it flushes on load and every few seconds);
    # "send now" then has nothing left to do. Either way the scan arrives once.
    page.dispatch_event(".queue-send", "click")
    page.wait_for_selector("text=已发送 1 条")
    assert stored(session) == [(12, 0, "web")]


# A pixel of slack: scrolling lands on fractions of a pixel (-0.27 px is on the screen).
IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.bottom <= window.innerHeight + 1; }"


def in_view(page, selector: str) -> bool:
    """Whether the element is on the screen, once the page has settled (htmx swaps and the
    scrolling that follows them happen after the element appears)."""
    from playwright.sync_api import expect
    try:
        expect(page.locator(selector)).to_be_in_viewport(timeout=5000)
    except AssertionError:
        pass
    return page.locator(selector).evaluate(IN_VIEW)


def test_operation_count_and_confirm_are_on_the_first_screen_and_the_page_passes_axe(
        live_server, phone, session, workshop):
    page = signed_in_ticket(phone, live_server, workshop, workshop.tickets[0])
    assert page.viewport_size["height"] == 727  # a Pixel 5's screen below the browser's bars
    assert page.evaluate("window.scrollY") == 0
    for selector in ("a.op.picked", "#good", "#defects", "#log-form button[type=submit]"):
        assert in_view(page, selector), selector
    button = page.locator("#log-form button[type=submit]").bounding_box()
    assert page.locator("ol.progress").bounding_box()["y"] > button["y"]
    assert page.locator("dl.technique").bounding_box()["y"] > button["y"]
    # The bundle's colour and size stay on the first screen, beside the quantity.
    assert in_view(page, ".bundle-facts")
    assert accessibility_violations(page) == []
    screenshot(page, "ticket.png")


def test_plus_stops_at_what_is_open(live_server, phone, session, workshop):
    page = signed_in_ticket(phone, live_server, workshop, workshop.tickets[0])
    plus = page.locator("button[data-step='1'][data-for='good']")
    assert page.input_value("#good") == "40" and plus.is_disabled()
    page.click("button[data-step='-1'][data-for='good']")
    page.click("button[data-step='-1'][data-for='good']")
    assert page.input_value("#good") == "38" and plus.is_enabled()
    page.click("button[data-step='1'][data-for='defects']")
    page.click("button[data-step='1'][data-for='defects']")
    assert page.input_value("#defects") == "2" and plus.is_disabled()
    assert page.locator("button[data-step='1'][data-for='defects']").is_disabled()
    plus.dispatch_event("click")  # even a click that reaches it adds nothing
    assert page.input_value("#good") == "38"


def test_every_answer_shows_where_the_worker_is_looking(live_server, phone, session, workshop):
    ticket = workshop.tickets[0]
    # Another knitter's 20 pieces: linking has 20 open, this knitter 20 at knitting.
    add_scan(session, ticket, workshop.operations[0], workshop.packer, 20)
    page = signed_in_ticket(phone, live_server, workshop, ticket)
    bottom = "window.scrollTo(0, document.body.scrollHeight)"

    # A slip: another operation, confirmed from further down the page. The refusal is in view.
    page.click("details summary")
    page.click("a.op.other[data-op='linking']")
    page.evaluate(bottom)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.error")
    assert "不是你的工段" in page.inner_text(".result.error")
    assert in_view(page, ".result.error")
    screenshot(page, "ticket-refused.png")

    # No network: the phone keeps the scan and says so, in view.
    page.click("a.op[data-op='knitting']")
    page.fill("#good", "5")
    phone.set_offline(True)
    page.evaluate(bottom)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=1 条待发送")
    assert in_view(page, "#queue .queue-note") and "没有网络" in page.inner_text("#queue .queue-note")
    phone.set_offline(False)
    page.wait_for_selector("text=已发送 1 条")
    page.wait_for_load_state("networkidle")  # the page reloads its live part after sending

    # A second claim right after the first asks to confirm: the question is in view, and so is the
    # result of "log anyway"; with the operation finished, the page says so instead of a form.
    page.wait_for_selector("a.op[data-open='15']")
    page.evaluate(bottom)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.error")
    assert "标准分钟" in page.inner_text(".result.error") and in_view(page, ".result.error")
    page.evaluate(bottom)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.ok")
    assert "已记：织片 15 件" in page.inner_text(".result.ok")
    assert in_view(page, ".result.ok")
    assert "这扎的织片已经做完" in page.inner_text("#nothing")
    assert page.locator("#log-form").count() == 0
    assert stored(session) == [(20, 0, "web"), (5, 0, "queue"), (15, 0, "web")]
    screenshot(page, "ticket-done.png")


def test_a_downstream_worker_before_upstream_reads_what_to_do(live_server, phone, session, workshop):
    page = phone.new_page()
    page.goto(f"{live_server}/w/{workshop.linker.badge_token}")
    page.goto(f"{live_server}/t/{workshop.tickets[0].token}")
    assert in_view(page, "#nothing")
    assert "这扎还有 40 件在织片没记" in page.inner_text("#nothing")
    assert page.locator("button[type=submit].primary").count() == 0
    assert accessibility_violations(page) == []


def test_my_day_and_the_board_pass_axe(live_server, phone, browser, session, workshop, owner):
    page = signed_in_ticket(phone, live_server, workshop, workshop.tickets[0])
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".result.ok")
    page.goto(f"{live_server}/me")
    assert accessibility_violations(page) == []
    desk = browser.new_context(viewport={"width": 393, "height": 851}, locale="zh-CN")
    try:
        board = desk.new_page()
        sign_in(board, live_server)
        assert board.locator(".badge").count() > 0
        assert accessibility_violations(board) == []
    finally:
        desk.close()


def test_the_ticket_page_is_small_and_static_files_come_compressed(live_server, phone, session, workshop):
    ticket = workshop.tickets[0]
    # Sign in without loading a page, so the ticket page is the phone's first visit (nothing cached).
    assert phone.request.get(f"{live_server}/w/{workshop.knitter.badge_token}").ok
    page = phone.new_page()
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(f"{live_server}/t/{ticket.token}")
    page.wait_for_load_state("networkidle")
    sizes = {r.url.replace(live_server, ""): r.sizes() for r in responses}
    transferred = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
    print(f"ticket page: {transferred} bytes transferred in {len(sizes)} responses")
    assert transferred < 60_000, sizes
    scripts = [u for u in sizes if u.endswith(".js")]
    assert sorted(scripts) == ["/static/floor.js", "/static/vendor/htmx-2.0.11.min.js"]
    htmx = next(r for r in responses if r.url.endswith("htmx-2.0.11.min.js"))
    assert htmx.response().headers.get("content-encoding") == "gzip"
    assert sizes["/static/vendor/htmx-2.0.11.min.js"]["responseBodySize"] < 20_000
    # Only offered where the browser allows the camera: 127.0.0.1 is a secure context.
    assert page.is_visible("button.scan-next")


def test_without_javascript_the_plain_form_logs_and_redirects(live_server, browser, playwright_instance, session,
                                                              workshop):
    device = dict(playwright_instance.devices["Pixel 5"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="zh-CN", java_script_enabled=False)
    try:
        ticket = workshop.tickets[0]
        page = context.new_page()
        page.goto(f"{live_server}/w/{workshop.knitter.badge_token}")
        page.goto(f"{live_server}/t/{ticket.token}")
        assert page.is_hidden("button[data-step]")
        page.fill("#good", "40")
        page.click("#log-form button[type=submit]")
        page.wait_for_url(f"**/t/{ticket.token}?scan=*")
        assert "已记：织片 40 件" in page.inner_text(".result.ok")
        page.click("button.undo")
        page.wait_for_selector("text=已撤销：织片 40 件")
        assert stored(session) == [(40, 0, "web"), (-40, 0, "web")]
        screenshot(page, "ticket-nojs.png")
    finally:
        context.close()


def test_a_tab_left_open_before_a_switch_logs_nothing_and_says_whose_phone_it_is(live_server, phone, session,
                                                                                workshop):
    """Two tabs on one phone: the knitter's ticket page, then the linker's badge in the other tab.
    A tap in the knitter's tab logs nothing for anyone and says how to go on."""
    linker_knits_too(session, workshop)
    ticket = workshop.tickets[0]
    knitters_tab = signed_in_ticket(phone, live_server, workshop, ticket)
    switch_in_another_tab(phone, live_server, workshop.linker)
    knitters_tab.fill("#good", "5")
    knitters_tab.click("#log-form button[type=submit]")
    message = knitters_tab.wait_for_selector(".result.error").inner_text()
    assert "没有记件" in message and workshop.knitter.name in message and workshop.linker.name in message
    assert knitters_tab.locator("#log-form").count() == 0
    assert stored(session) == []
    screenshot(knitters_tab, "ticket-tab-of-another-worker.png")
    assert knitters_tab.locator("a.reopen").bounding_box()["height"] >= 48  # a glove can hit it
    knitters_tab.click("a.reopen")
    knitters_tab.wait_for_selector("#log-form")
    assert workshop.linker.name in knitters_tab.inner_text("header")


def test_a_tab_left_open_before_a_switch_never_takes_in_the_new_workers_form(live_server, phone, session, workshop):
    """The page's own refresh of its live part (after sending the queue) answered for the worker
    signed in now holds that worker's form: it is not swapped in under the previous one's name."""
    linker_knits_too(session, workshop)
    ticket = workshop.tickets[0]
    knitters_tab = signed_in_ticket(phone, live_server, workshop, ticket)
    switch_in_another_tab(phone, live_server, workshop.linker)
    knitters_tab.evaluate("htmx.ajax('GET', location.pathname, {target: '#live', swap: 'outerHTML'})")
    knitters_tab.wait_for_selector("#queue:not([hidden])")
    assert "换了别人登录" in knitters_tab.inner_text("#queue")
    assert knitters_tab.locator("#log-form").count() == 0
    assert stored(session) == []


def test_a_queued_scan_held_for_its_worker_says_why_not_no_network(live_server, phone, session, workshop):
    """Found by an outside try: a scan queued while the network was down, sent after another worker
    signed in on the phone, was held (rightly) but the box still said there was no network."""
    ticket = workshop.tickets[0]
    knitters_tab = signed_in_ticket(phone, live_server, workshop, ticket)
    knitters_tab.route("**/scans", lambda route: route.abort())  # no network for this tap
    knitters_tab.fill("#good", "7")
    knitters_tab.click("#log-form button[type=submit]")
    knitters_tab.wait_for_selector("text=1 条待发送")
    knitters_tab.unroute("**/scans")
    switch_in_another_tab(phone, live_server, workshop.linker)
    knitters_tab.dispatch_event(".queue-send", "click")
    knitters_tab.wait_for_selector("text=重新登录后才会发送")
    assert "没有网络" not in knitters_tab.inner_text("#queue .queue-note")
    assert stored(session) == []
