"""The worker's pages without a browser: the ticket page (visitor and worker), logging by plain
form, htmx and the phone's JSON queue, errors in the worker's language, undo, /me with pay."""
from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from factory.data.models import Product, Scan
from tests.conftest import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, attrs, parent, [], []

    @property
    def text(self) -> str:
        return " ".join(" ".join(p for p in [*self.parts, *(c.text for c in self.children)] if p).split())

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Node"]:
        found = []
        for child in self.children:
            if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes())
                    and all(child.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())):
                found.append(child)
            found += child.all(tag, cls, **attrs)
        return found

    def one(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Node":
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} × {tag}.{cls} {attrs}"
        return found[0]


class Tree(HTMLParser):
    VOID = {"input", "meta", "link", "br", "img", "hr", "source"}

    def __init__(self, html: str):
        super().__init__()
        self.root = self.current = Node("root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data.strip())


def parse(response) -> Node:
    return Tree(response.get_data(as_text=True)).root


def scans(session) -> list[Scan]:
    session.commit()  # a fresh snapshot (SQLite keeps the test session's old one otherwise)
    return list(session.exec(select(Scan).order_by(Scan.id)))


def log(client, ticket, path=None, **fields):
    data = {"csrf_token": csrf_token(client, f"/t/{ticket.token}"), "id": fields.pop("id", None) or _new_id(),
            "operation": "knitting", "good": "40", "defects": "0"} | fields
    return client.post(path or f"/t/{ticket.token}/scans", data=data)


_ids = iter(range(10**6))


def _new_id() -> str:
    return f"test-scan-{next(_ids):06d}"


@pytest.fixture
def linker_client(app, workshop):
    c = app.test_client()
    c.get(f"/w/{workshop.linker.badge_token}")
    return c


# --- the page -------------------------------------------------------------------------------------

def test_a_visitor_sees_the_bundle_and_its_progress_but_no_form(client, workshop):
    ticket = workshop.tickets[0]
    page = parse(client.get(f"/t/{ticket.token}"))
    assert page.one("h1").text == "测试围巾"
    assert workshop.order.number in page.one("p", "order-line").text
    assert "第 1 扎" in page.one("p", "order-line").text or "1" in page.one("p", "order-line").text
    assert page.one("p", "qty-big").text.startswith("40")
    assert [li.one("span", "step-name").text for li in page.one("ol", "progress").all("li")] == ["织片", "套口", "包装"]
    assert page.all("form", id="log-form") == []
    assert "工牌" in page.one("p", "signin-hint").text
    technique = page.one("dl", "technique").text
    assert "腈纶" in technique and "双面提花" in technique


def test_a_worker_sees_their_operation_picked_with_its_open_pieces(worker_client, linker_client, session, workshop):
    ticket = workshop.tickets[0]
    page = parse(worker_client.get(f"/t/{ticket.token}"))
    form = page.one("form", id="log-form")
    tiles = form.all("a", "op")
    assert [t.attrs["data-op"] for t in tiles] == ["knitting", "linking", "packing"]  # own first
    assert "other" not in tiles[0].classes() and "picked" in tiles[0].classes()
    assert form.one("input", name="operation").attrs["value"] == "knitting"
    assert form.one("input", id="good").attrs["value"] == "40"
    log(worker_client, ticket, good="30")
    page = parse(linker_client.get(f"/t/{ticket.token}"))
    tiles = page.one("form", id="log-form").all("a", "op")
    assert tiles[0].attrs["data-op"] == "linking" and "picked" in tiles[0].classes()
    assert page.one("input", id="good").attrs["value"] == "30"  # never more than knitting has finished
    picked = parse(linker_client.get(f"/t/{ticket.token}?op=packing"))
    assert picked.one("input", name="operation").attrs["value"] == "packing"
    assert picked.one("input", id="good").attrs["value"] == "0"


def test_a_voided_ticket_says_so_and_offers_no_form(worker_client, session, workshop):
    ticket = workshop.tickets[1]
    ticket.voided_at = datetime.now(timezone.utc)
    session.add(ticket)
    session.commit()
    page = parse(worker_client.get(f"/t/{ticket.token}"))
    assert "作废" in page.one("p", "notice").text
    assert page.all("form", id="log-form") == []


def test_the_product_photo_is_served_to_anyone_with_the_ticket_link(client, session, workshop):
    product = session.get(Product, workshop.product.id)
    product.photo, product.photo_type = b"\x89PNG fake", "image/png"
    session.add(product)
    session.commit()
    ticket = workshop.tickets[0]
    assert parse(client.get(f"/t/{ticket.token}")).one("img", "product-photo").attrs["src"] == f"/t/{ticket.token}/photo"
    photo = client.get(f"/t/{ticket.token}/photo")
    assert photo.status_code == 200 and photo.data == b"\x89PNG fake" and photo.mimetype == "image/png"
    assert client.get("/t/unknown-token/photo").status_code == 404


# --- logging ----------------------------------------------------------------------------------------

def test_a_plain_form_logs_redirects_and_shows_the_result_with_undo(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    response = log(worker_client, ticket, id="plain-form-01", good="38", defects="2")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/{ticket.token}?scan=plain-form-01")
    page = parse(worker_client.get(response.headers["Location"]))
    result = page.one("div", "result")
    assert "已记：织片 38 件" in result.text and "次品 2" in result.text
    assert result.one("button", "undo").text == "撤销"
    assert "38 / 40" in page.one("ol", "progress").text
    # A double tap sends the same id again: still one scan.
    assert log(worker_client, ticket, id="plain-form-01", good="38", defects="2").status_code == 303
    assert [(s.good, s.defects, s.source) for s in scans(session)] == [(38, 2, "web")]


def test_htmx_gets_the_live_part_with_the_result_in_place(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    data = {"csrf_token": csrf_token(worker_client, f"/t/{ticket.token}"), "id": "htmx-scan-01",
            "operation": "knitting", "good": "25", "defects": ""}
    response = worker_client.post(f"/t/{ticket.token}/scans", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 201
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<div id=\"live\">") and "<html" not in html
    live = parse(response)
    assert "已记：织片 25 件" in live.one("div", "result").text
    assert live.one("input", id="good").attrs["value"] == "15"
    assert live.one("input", name="id").attrs["value"] != "htmx-scan-01"  # a fresh id for the next scan
    fragment = worker_client.get(f"/t/{ticket.token}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]


def test_over_the_open_quantity_the_worker_reads_why_in_their_language(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    response = log(worker_client, ticket, good="41")
    assert response.status_code == 409
    assert parse(response).one("p", "result").text == "这一扎只有 40 件在织片待做。"
    worker_client.set_cookie("lang", "en")
    english = log(worker_client, ticket, good="41")
    assert parse(english).one("p", "result").text == "Only 40 pieces are open at 织片 for this bundle."
    assert scans(session) == []


def test_invalid_input_is_shown_beside_the_field(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    response = log(worker_client, ticket, good="lots")
    assert response.status_code == 422
    form = parse(response).one("form", id="log-form")
    assert form.one("input", id="good").attrs.get("aria-invalid") == "true"
    assert form.one("p", "field-error").text == "请输入整数。" or form.one("p", "field-error").text
    empty = log(worker_client, ticket, good="0", defects="0")
    assert empty.status_code == 422 and "至少记 1 件" in parse(empty).one("p", "result").text
    other = log(worker_client, ticket, operation="linking", good="1")
    assert other.status_code == 403 and "不是你的工段" in parse(other).one("p", "result").text
    assert scans(session) == []


def test_a_quick_second_claim_asks_and_logs_when_confirmed(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    log(worker_client, ticket, good="10")
    warned = log(worker_client, ticket, good="10")
    assert warned.status_code == 409
    page = parse(warned)
    assert "标准分钟" in page.one("p", "result").text
    form = page.one("form", id="log-form")
    assert form.one("input", name="confirm").attrs["value"] == "1"
    assert form.one("button", type="submit").text == "仍然记件"
    assert log(worker_client, ticket, good="10", confirm="1").status_code == 303
    assert [s.good for s in scans(session)] == [10, 10]


def test_undo_from_the_page_reverses_the_scan(worker_client, linker_client, session, workshop):
    ticket = workshop.tickets[0]
    log(worker_client, ticket, id="undo-page-01", good="12")
    token = csrf_token(worker_client, f"/t/{ticket.token}")
    assert linker_client.post(f"/t/{ticket.token}/scans/undo-page-01/undo",
                              data={"csrf_token": csrf_token(linker_client, f"/t/{ticket.token}")}).status_code == 403
    response = worker_client.post(f"/t/{ticket.token}/scans/undo-page-01/undo", data={"csrf_token": token})
    assert response.status_code == 303
    page = parse(worker_client.get(response.headers["Location"]))
    assert "已撤销：织片 12 件" in page.one("div", "result").text
    assert page.all("button", "undo") == []
    assert [(s.good, s.reverses_id is not None) for s in scans(session)] == [(12, False), (-12, True)]
    assert "0 / 40" in page.one("ol", "progress").text


def test_the_phones_queue_posts_json_with_the_csrf_header(worker_client, session, workshop):
    ticket = workshop.tickets[0]
    token = csrf_token(worker_client, f"/t/{ticket.token}")
    sent = {"id": "queued-scan-01", "operation": "knitting", "good": 20, "defects": 1}
    first = worker_client.post(f"/t/{ticket.token}/scans", json=sent, headers={"X-CSRFToken": token})
    assert first.status_code == 201 and first.json["progress"]["operations"][0]["open"] == 19
    again = worker_client.post(f"/t/{ticket.token}/scans", json=sent, headers={"X-CSRFToken": token})
    assert again.status_code == 200 and again.json == first.json
    assert worker_client.post(f"/t/{ticket.token}/scans", json=sent | {"id": "queued-scan-02"}).status_code == 400
    over = worker_client.post(f"/t/{ticket.token}/scans", json=sent | {"id": "queued-scan-03", "good": 30},
                              headers={"X-CSRFToken": token})
    assert over.status_code == 409 and over.json["error"] == "这一扎只有 19 件在织片待做。"
    assert [(s.good, s.source) for s in scans(session)] == [(20, "queue")]


# --- my day -------------------------------------------------------------------------------------------

def test_my_day_shows_pieces_and_pay_for_today_and_this_month(worker_client, session, workshop):
    knitting = workshop.operations[0]
    ticket = workshop.tickets[0]
    now = datetime.now(timezone.utc)
    local_midnight = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    before_today = (local_midnight - timedelta(minutes=1)).astimezone(timezone.utc)
    session.add_all([
        Scan(client_id="me-1", ticket_id=ticket.id, operation_id=knitting.id, worker_id=workshop.knitter.id,
             good=1000, created_at=now),
        Scan(client_id="me-2", ticket_id=ticket.id, operation_id=knitting.id, worker_id=workshop.knitter.id,
             good=3, defects=1, created_at=now),
        Scan(client_id="me-3", ticket_id=ticket.id, operation_id=knitting.id, worker_id=workshop.knitter.id,
             good=7, created_at=before_today),
        Scan(client_id="me-4", ticket_id=ticket.id, operation_id=workshop.operations[1].id,
             worker_id=workshop.linker.id, good=5, created_at=now),
    ])
    session.commit()
    page = parse(worker_client.get("/me"))
    today = page.one("section", id="today")
    assert today.one("span", "pieces").text == "1,003"
    assert today.one("span", "money").text == "¥1,504.50"  # 1,003 × ¥1.50
    assert [td.text for td in today.one("tbody").one("tr").all("td")][1:] == ["1,003", "¥1.50", "¥1,504.50"]
    month = page.one("section", id="month")
    expected = 1010 if local_midnight.day > 1 else 1003
    assert month.one("span", "pieces").text == f"{expected:,}"
    assert len(page.one("ul", "scan-list").all("li")) == 2


def test_the_work_orders_qr_opens_the_order_with_each_bundles_progress(client, session, workshop):
    knit = workshop.operations[0]
    first, second = workshop.tickets[0], workshop.tickets[1]
    session.add(Scan(client_id="sheet-1", ticket_id=first.id, operation_id=knit.id, worker_id=workshop.knitter.id,
                     good=40))
    session.add(Scan(client_id="sheet-2", ticket_id=second.id, operation_id=knit.id, worker_id=workshop.knitter.id,
                     good=15))
    second.voided_at = datetime.now(timezone.utc)
    session.add(second)
    session.commit()
    html = client.get(f"/o/{workshop.order.token}").get_data(as_text=True)
    assert "双面提花" in html and "腈纶" in html  # the technique, as on the paper work order
    assert re.search(r"织片</span>.*?55 / 100", html, re.S)  # the order's progress per operation
    bundles = re.findall(r'<li class="(void)?" data-bundle="(\d)">.*?<small class="bundle-steps">(.*?)</small>', html,
                         re.S)
    assert [(v, n, steps.split(" · ")[0]) for v, n, steps in bundles] == [("", "1", "织片 40"), ("void", "2", "织片 15"),
                                                                         ("", "3", "织片 0")]
    assert f'href="/t/{first.token}"' in html
