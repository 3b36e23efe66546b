"""The owner's desk in a real browser: create an order, watch the board update from a scan posted
through the API, import with a bad row, download the payroll; the board on a phone."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from factory.data import db
from factory.data.models import Order, Ticket
from factory.data.pay import pay_rules
from factory.domain.pay import period_of
from tests.conftest import api_scan, fresh, screenshot, sign_in


def test_owner_creates_an_order_and_the_board_shows_a_new_scan_without_reload(
        live_server, desk_browser, app, session, workshop, owner, api_headers):
    page = desk_browser.new_page()
    sign_in(page, live_server)
    page.click("text=新建订单")
    page.fill("#customer", "浏览器客户")
    page.select_option("#product", "SCARF")
    page.fill("#quantity", "90")
    page.fill("#due", (date.today() + timedelta(days=15)).isoformat())
    page.fill("#bundle_size", "40")
    page.click("button.primary[type=submit]")
    page.wait_for_selector("table.tickets")
    assert page.locator("table.tickets tbody tr").count() == 3
    order = fresh(session).exec(select(Order).where(Order.customer == "浏览器客户")).one()
    assert page.url.endswith(f"/orders/{order.number}")
    screenshot(page, "desk-order.png")

    # The page's clock is Playwright's: it runs as usual, and the test moves it on 2 s at once
    # instead of waiting for the board's next poll.
    page.clock.install()
    page.goto(live_server + "/")
    cell = page.locator(f'#order-{order.id} .step-num[data-operation="knitting"]')
    assert cell.inner_text() == "0"
    page.evaluate("window.notReloaded = true")
    ticket = session.exec(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.bundle_no)).first()
    api_scan(app.test_client(), api_headers, ticket, workshop.operations[0], workshop.knitter, 33)
    # The board polls every 2 s: 2 s later on the page's clock the scan is shown, without a reload.
    page.clock.fast_forward(2000)
    expect(cell).to_have_text("33")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "desk-board.png")


def test_import_with_a_bad_row_shows_it_and_saves_nothing(live_server, desk_browser, session, workshop, owner,
                                                          tmp_path):
    page = desk_browser.new_page()
    sign_in(page, live_server)
    path = tmp_path / "orders.csv"
    path.write_text("客户,产品,数量,交期\n甲,SCARF,100,2026-09-01\n乙,SCARF,100,2026-02-30\n", encoding="utf-8")
    page.goto(live_server + "/orders/import")
    page.set_input_files("#file", str(path))
    page.click("text=检查文件")
    bad = page.locator('tr.bad[data-row="3"]')
    bad.wait_for()
    assert "交期" in bad.inner_text()
    assert page.locator("input[name=token]").count() == 0
    assert fresh(session).exec(select(func.count()).select_from(Order)).one() == 1
    screenshot(page, "desk-import.png")


def test_payroll_export_downloads_totals_that_match_the_scans(live_server, desk_browser, app, session, workshop,
                                                             owner, api_headers):
    client = app.test_client()
    k, l, p = workshop.operations
    api_scan(client, api_headers, workshop.tickets[0], k, workshop.knitter, 40)
    api_scan(client, api_headers, workshop.tickets[1], k, workshop.knitter, 18, 2)
    api_scan(client, api_headers, workshop.tickets[0], l, workshop.linker, 25)
    page = desk_browser.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/reports/payroll")
    screenshot(page, "desk-payroll.png")
    with page.expect_download() as download:
        page.click("#payroll-export")
    data = Path(download.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    totals = {r[0]: r[2:5] for r in rows[1:-1]}
    assert totals == {"W1": (58, 2, 87.0), "W2": (25, 0, 15.0)}
    assert rows[-1][1] == "总计" and rows[-1][6] == 102.0


def test_payroll_reads_well_on_a_phone(live_server, phone, app, demo, owner):
    """30 workers at 393 px: a compact card per worker, names on one line, every figure on screen
    (it was 21,700 px tall with names wrapped a character a line)."""
    page = phone.new_page()
    sign_in(page, live_server)
    # The period holding the demo's days (it is loaded up to date.today(); after 16:00 UTC the
    # workshop's own today in Shanghai may already be the first day of the next period).
    with app.app_context():
        period = period_of(date.today(), pay_rules(session=db.get_session()))
    page.goto(live_server + f"/reports/payroll?period={period.name}")
    rows = page.locator("tr.worker-pay")
    assert rows.count() >= 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 300 * rows.count(), height
    for i in (0, rows.count() - 1):
        name = rows.nth(i).locator("td.who a")
        box, line = name.bounding_box(), page.evaluate(
            "(el) => parseFloat(getComputedStyle(el).lineHeight) || 24", name.element_handle())
        assert box["height"] < 2 * line, box
        total = rows.nth(i).locator("td.total").bounding_box()
        assert total["x"] + total["width"] <= 393
    grand = page.locator("tr.grand-total td.total")
    assert grand.is_visible() and grand.inner_text().replace(",", "").replace(".", "").isdigit()
    # The grand total's title takes a line of its own, over both columns of figures.
    title, pieces = (page.locator(f"tr.grand-total td:nth-child({n})").bounding_box() for n in (1, 2))
    assert title["width"] > 300 and pieces["y"] >= title["y"] + title["height"] - 1
    screenshot(page, "desk-payroll-phone.png")


def test_board_fits_a_phone(live_server, phone, session, workshop, owner, app, api_headers):
    api_scan(app.test_client(), api_headers, workshop.tickets[0], workshop.operations[0], workshop.knitter, 12)
    page = phone.new_page()
    sign_in(page, live_server)
    assert page.locator(f"#order-{workshop.order.id}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "desk-board-phone.png")
    for path in ("/reports", "/wip", "/orders", "/settings", "/products/SCARF"):
        page.goto(live_server + path)
        screenshot(page, "desk-phone" + path.replace("/", "-") + ".png")
