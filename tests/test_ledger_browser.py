"""Offline on a real phone (Chromium, Pixel 5) against the real server process, stopped while the
phone works: a double tap cannot over-log, a queued scan waits for the worker who tapped it, and a
queued scan the rules refuse is kept and shown on "my day"."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from factory.data.models import RefusedScan, Scan
from factory.data.scans import ScanRequest, record_scan
from tests.server_process import Server

pytestmark = pytest.mark.browser
QUEUE = "JSON.parse(localStorage.getItem('factory.scan-queue.v1') || '[]')"


@pytest.fixture
def server(database_url, workshop, tmp_path):
    """`flask serve` in its own process, which the test stops (the phone gets no answer at all)."""
    running = Server(database_url, tmp_path / "server.log")
    running.start()
    running.url = f"http://127.0.0.1:{running.port}"
    yield running
    running.stop()


def stored(session) -> list[tuple]:
    session.commit()
    session.expire_all()
    return [(s.worker_id, s.good, s.defects, s.source) for s in session.exec(select(Scan).order_by(Scan.id))]


def sign_in(phone, server, worker, ticket=None):
    page = phone.new_page()
    page.goto(f"{server.url}/w/{worker.badge_token}")
    if not page.url.endswith("/me"):
        # Another worker is signed in on this phone: the badge link asks before switching.
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url("**/me")
    assert page.url.endswith("/me")
    if ticket is not None:
        page.goto(f"{server.url}/t/{ticket.token}")
    return page


def tap(page, good: int) -> None:
    page.fill("#good", str(good))
    page.click("#log-form button[type=submit]")


def test_an_offline_double_tap_cannot_log_more_than_is_open(server, phone, session, workshop):
    ticket = workshop.tickets[0]  # 40 pieces
    page = sign_in(phone, server, workshop.knitter, ticket)
    server.stop()
    tap(page, 3)
    page.wait_for_selector("text=1 条待发送")
    assert "37" in page.inner_text("a.op.picked small")
    # The tile shows 37 open now; a second tap of the same 3 asks first, as the server would.
    tap(page, 3)
    page.wait_for_selector("text=确实要再记，请再点一次")
    assert len(page.evaluate(QUEUE)) == 1
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("text=2 条待发送")
    assert "34" in page.inner_text("a.op.picked small")
    # More than is left, counting what waits on the phone: refused on the phone.
    tap(page, 35)
    page.wait_for_selector("text=只剩 34 件未完成")
    assert len(page.evaluate(QUEUE)) == 2
    assert stored(session) == []
    queued = page.evaluate(QUEUE)
    assert {item["worker"] for item in queued} == {"W1"}
    server.start()
    page.dispatch_event(".queue-send", "click")
    page.wait_for_selector("text=已发送 2 条")
    assert stored(session) == [(workshop.knitter.id, 3, 0, "queue"), (workshop.knitter.id, 3, 0, "queue")]
    # The work time is the tap's, before the scan reached the server.
    session.commit()
    scans = session.exec(select(Scan).order_by(Scan.id)).all()
    assert all(s.worked_at < s.created_at for s in scans)


def test_a_queued_scan_waits_for_the_worker_who_tapped_it(server, phone, session, workshop):
    ticket = workshop.tickets[0]
    page = sign_in(phone, server, workshop.knitter, ticket)
    server.stop()
    tap(page, 12)
    page.wait_for_selector("text=1 条待发送")
    page.close()
    server.start()
    # Someone else signs in on the same phone: the knitter's 12 pieces wait, they do not change hands.
    other = sign_in(phone, server, workshop.linker)
    other.wait_for_selector("#queue:not([hidden])")
    assert "W1" in other.inner_text("#queue")
    other.goto(f"{server.url}/t/{ticket.token}")
    other.wait_for_selector("#queue:not([hidden])")
    other.dispatch_event(".queue-send", "click")
    assert stored(session) == []
    assert len(other.evaluate(QUEUE)) == 1
    other.close()
    # The knitter is back: sent as the knitter.
    back = sign_in(phone, server, workshop.knitter)
    back.wait_for_selector("text=已发送 1 条")
    assert stored(session) == [(workshop.knitter.id, 12, 0, "queue")]
    assert back.evaluate(QUEUE) == []


def test_a_refused_queued_scan_is_kept_and_needs_attention_on_my_day(server, phone, app, session, workshop):
    ticket = workshop.tickets[0]
    page = sign_in(phone, server, workshop.knitter, ticket)
    server.stop()
    tap(page, 40)
    page.wait_for_selector("text=1 条待发送")
    # Meanwhile the bundle was logged from another phone.
    done = record_scan(engine=app.extensions["engine"], now=datetime.now(UTC), request=ScanRequest(
        str(uuid.uuid4()), ticket.token, "knitting", "W1", 40))
    assert done.status == 201
    server.start()
    page.dispatch_event(".queue-send", "click")
    page.wait_for_selector("text=未被接受")
    assert page.evaluate(QUEUE) == []
    assert len(stored(session)) == 1
    kept = session.exec(select(RefusedScan)).all()
    assert [(k.worker_id, k.good, k.code, k.status) for k in kept] == [(workshop.knitter.id, 40, "over_open", 409)]
    page.goto(f"{server.url}/me")
    attention = page.inner_text("#attention")
    assert "需要处理" in attention and "40" in attention and "织片" in attention


# --- a ticket never opened on this phone, with the server stopped --------------------------------

def _with_service_worker(page) -> None:
    """Wait until the service worker is active (it is installed only once it has kept the offline
    ticket page) and controls the page: a page loaded while it was activating is not controlled
    until the next load, as on a phone."""
    assert page.evaluate("""Promise.race([navigator.serviceWorker.ready.then(() => true),
                                          new Promise(give_up => setTimeout(() => give_up(false), 20000))])"""), \
        "no service worker became active"
    # The page was loaded before the service worker ran: load it again through it, as a phone
    # opening the ticket once more would, and wait until the worker has kept the copy.
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")
    assert page.evaluate("caches.open('factory-offline-v1').then(c => c.match('/offline/ticket')).then(r => !!r)")
    assert page.evaluate("""(async () => {
        for (let i = 0; i < 200; i++) {
            const cache = await caches.open("factory-offline-v1");
            if (await cache.match(location.href)) return true;
            await new Promise(next => setTimeout(next, 50));
        }
        return false;
    })()"""), "the ticket page was not kept"


def test_a_ticket_never_opened_is_logged_offline_through_the_service_worker(server, phone_with_service_worker, session, workshop):
    """Over HTTPS (here: localhost, which browsers treat alike) the service worker shows a ticket
    this phone never opened; the scan waits on the phone, goes when the server is back, and the
    server checks it like any other."""
    seen, unseen = workshop.tickets[0], workshop.tickets[1]
    page = sign_in(phone_with_service_worker, server, workshop.knitter, seen)
    _with_service_worker(page)
    server.stop()
    # A ticket seen before: its kept copy opens.
    page.goto(f"{server.url}/t/{seen.token}")
    assert page.locator("#log-form").count() == 1
    # A ticket never opened: the offline page, which says what is not known and logs anyway.
    page.goto(f"{server.url}/t/{unseen.token}")
    page.wait_for_selector("#offline-form")
    assert unseen.token in page.inner_text(".offline-token")
    page.check("input[name=operation][value=knitting]")
    page.fill("#good", "5")
    page.click("#offline-form button[type=submit]")
    page.wait_for_selector("text=1 条待发送")
    # The same again asks for a second tap (the quick-repeat rule, on the phone).
    page.fill("#good", "5")
    page.click("#offline-form button[type=submit]")
    page.wait_for_selector(".offline-error:visible")
    assert len(page.evaluate(QUEUE)) == 1
    assert stored(session) == []
    server.start()
    page.dispatch_event(".queue-send", "click")
    page.wait_for_selector("text=已发送 1 条")
    assert stored(session) == [(workshop.knitter.id, 5, 0, "queue")]
    scan_row = session.exec(select(Scan)).one()
    assert scan_row.ticket_id == unseen.id


def test_another_worker_signing_in_drops_the_kept_pages(server, phone_with_service_worker, session, workshop):
    """The kept copies belong to one worker: when another worker signs in on the phone, the
    service worker drops them (and keeps its offline page for the new worker), so nobody logs
    offline on a page that would queue the scans as someone else's."""
    ticket = workshop.tickets[0]
    page = sign_in(phone_with_service_worker, server, workshop.knitter, ticket)
    _with_service_worker(page)
    kept = f"caches.open('factory-offline-v1').then(c => c.match('{server.url}/t/{ticket.token}')).then(r => !!r)"
    assert page.evaluate(kept)
    page = sign_in(phone_with_service_worker, server, workshop.linker)  # W2 on the same phone: lands on "my day"
    gone = page.evaluate(f"""(async () => {{
        for (let i = 0; i < 200; i++) {{
            const cache = await caches.open("factory-offline-v1");
            const shell = await cache.match("/offline/ticket");
            const mine = shell && (await shell.clone().text()).includes('data-worker="W2"');
            if (mine && !(await cache.match("{server.url}/t/{ticket.token}"))) return true;
            await new Promise(next => setTimeout(next, 50));
        }}
        return false;
    }})()""")
    assert gone, "the first worker's ticket page is still kept"
    server.stop()
    page.goto(f"{server.url}/t/{ticket.token}")
    page.wait_for_selector("#offline-form")  # not W1's copy: the offline page, for W2
    assert page.get_attribute("#queue", "data-worker") == "W2"
    assert page.locator("#log-form").count() == 0


def test_with_the_service_worker_blocked_an_unseen_ticket_cannot_open_offline(server, browser, playwright_instance,
                                                                              session, workshop):
    """Blocked (or over plain HTTP, where browsers allow none), the page says offline logging needs an
    opened ticket, and nothing pretends otherwise."""
    device = dict(playwright_instance.devices["Pixel 5"])
    device.pop("default_browser_type", None)
    context = browser.new_context(**device, locale="zh-CN", service_workers="block")
    try:
        page = sign_in(context, server, workshop.knitter, workshop.tickets[0])
        server.stop()
        tap(page, 2)
        page.wait_for_selector("text=1 条待发送")
        assert page.locator(".queue-offline").is_visible()
        try:
            page.goto(f"{server.url}/t/{workshop.tickets[1].token}")
        except Exception:  # net::ERR_CONNECTION_REFUSED: the browser's own error page
            pass
        assert page.locator("#offline-form").count() == 0 and page.locator("#log-form").count() == 0
    finally:
        context.close()
