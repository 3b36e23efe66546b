"""Owner pages about the floor now: the board (counts at a glance, filters, its cheap poll, the
stuck list), the floor now (each worker), the stuck threshold, a customer's status card and
share links."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _

from factory.data.board import BoardRow, board_rows, glance
from factory.data.db import get_session, write_transaction
from factory.data.floor import (
    board_state,
    create_share_link,
    floor_now,
    revoke_share_link,
    set_stuck_hours,
    share_link_of,
    share_links,
    status_card,
    stuck_bundles,
    today_start,
)
from factory.data.models import Product, utcnow
from factory.data.orders import order_by_number
from factory.desk import bp
from factory.inputs import BOARD_GLANCE, BoardFilterIn, StuckHoursIn, validate
from factory.printing.status_card import status_card_pdf, status_card_png
from factory.web.access import owner_required
from factory.web.i18n import select_locale
from factory.web.pages import local_time, page
from factory.web.workshop_time import workshop_today, workshop_zone

FILTERS = ("status", "customer", "product", "week", "sort")


# --- the board --------------------------------------------------------------------------------


def _filters():
    args = {k: request.args.get(k, "") for k in FILTERS if request.args.get(k)}
    found, errors = validate(BoardFilterIn, args)
    return (found or BoardFilterIn()), ({} if errors else args)


def _poll_tag(version: int, args: dict) -> str:
    """What the board's content depends on, apart from the moment the next bundle gets stuck: the
    data version, the hour on the workshop's clock (a new day; the stuck list's hours), the
    language and the filters."""
    now = utcnow().astimezone(workshop_zone())
    key = hashlib.sha256(repr(sorted(args.items())).encode()).hexdigest()[:8]
    return f"{version}.{now:%Y%m%d%H}.{select_locale()}.{key}"


def _unchanged(header: str | None, base: str) -> bool:
    """The poll's If-None-Match is this board's tag, and no bundle has got stuck since."""
    if not header:
        return False
    tag = header.strip().removeprefix("W/").strip('"')
    stem, _dot, crosses = tag.rpartition(".")
    if stem != base:
        return False
    return crosses == "-" or (crosses.isdigit() and utcnow().timestamp() < int(crosses))


def _shown(rows: list[BoardRow], filters: BoardFilterIn, products: dict[int, Product]) -> list[BoardRow]:
    today = workshop_today()
    week_end = today + timedelta(days=6 - today.weekday())
    out = [r for r in rows
           if (not filters.status or glance(r) == filters.status)
           and (not filters.customer or filters.customer.casefold() in r.order.customer.casefold())
           and (not filters.product or r.product.code == filters.product)
           and (not filters.week or r.order.due <= week_end)]
    if filters.sort == "priority":
        out.sort(key=lambda r: (-r.order.priority, r.order.due, r.order.number))
    return out


@bp.get("/")
@owner_required
def board():
    """The live production board: counts at a glance, every open order (filtered), how far it has
    come and whether it will be on time, and the stuck bundles. A poll that brings the tag it was
    given answers 304 after one read, before anything is planned."""
    session = get_session()
    filters, args = _filters()
    base = _poll_tag(board_state(session=session).version, args)
    if _unchanged(request.headers.get("If-None-Match"), base):
        response = make_response("", 304)
        response.headers["ETag"] = request.headers["If-None-Match"]
        return response
    today = workshop_today()
    rows = board_rows(session=session, today=today, zone=workshop_zone())
    counts = {name: 0 for name in BOARD_GLANCE}
    for row in rows:
        counts[glance(row)] += 1
    products = {r.product.id: r.product for r in rows}
    report = stuck_bundles(session=session, now=utcnow(), zone=workshop_zone())
    crosses = str(int(report.next_change.timestamp()) + 1) if report.next_change else "-"
    etag = f'"{base}.{crosses}"'
    response = page("desk/board.html", "desk/_board.html", rows=_shown(rows, filters, products), today=today,
                    counts=counts, filters=filters, args=args, etag=etag, report=report,
                    products=sorted(products.values(), key=lambda p: p.code))
    response.headers["ETag"] = etag
    return response


# --- the floor now ----------------------------------------------------------------------------


@bp.get("/floor")
@owner_required
def floor():
    """Every active worker's last scan, pieces and pay today; who has not scanned today; the stuck
    bundles."""
    session, zone, now = get_session(), workshop_zone(), utcnow()
    today = workshop_today()
    workers = floor_now(session=session, today=today, zone=zone)
    start = today_start(today, zone)
    return page("desk/floor.html", "desk/_floor.html", now=now, start=start,
                working=[w for w in workers if w.scanned_today(start)],
                absent=[w for w in workers if not w.scanned_today(start)],
                report=stuck_bundles(session=session, now=now, zone=zone))


@bp.post("/wip/stuck-hours")
@owner_required
def stuck_hours_save():
    """Set after how many working hours waiting pieces count as stuck."""
    found, errors = validate(StuckHoursIn, {"hours": request.form.get("hours", "")})
    if errors:
        flash(_("Enter a number of hours between 0 and 200."))
        return redirect(url_for("desk.wip"), 303)
    with write_transaction() as session:
        set_stuck_hours(session=session, hours=found.hours)
    flash(_("Bundles now count as stuck after %(hours)s working hours.", hours=format(found.hours, "g")))
    return redirect(url_for("desk.wip"), 303)


# --- a customer's status ------------------------------------------------------------------------


def _card(number: str):
    session = get_session()
    found = order_by_number(session=session, number=number) or abort(404)
    return found, status_card(session=session, order=found, today=workshop_today(), now=utcnow())


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = make_response(body)
    response.headers.update({"Content-Type": mimetype, "Content-Disposition": f'inline; filename="{name}"'})
    return response


@bp.get("/orders/<number>/status.png")
@owner_required
def order_card_png(number: str):
    """The order's status card as an image, to forward to the customer by chat."""
    found, card = _card(number)
    return _download(status_card_png(card, local_time(card.as_of, "%Y-%m-%d %H:%M")), "image/png",
                     f"{found.number}.png")


@bp.get("/orders/<number>/status.pdf")
@owner_required
def order_card_pdf(number: str):
    """The order's status card as a PDF (A5)."""
    found, card = _card(number)
    return _download(status_card_pdf(card, local_time(card.as_of, "%Y-%m-%d %H:%M")), "application/pdf",
                     f"{found.number}.pdf")


@bp.post("/orders/<number>/share")
@owner_required
def order_share(number: str):
    """A new read-only link to the order's status, with its own token."""
    found = order_by_number(session=get_session(), number=number) or abort(404)
    with write_transaction() as session:
        create_share_link(session=session, order=found, by=g.user.username)
    flash(_("A new status link for the customer is ready."))
    return redirect(url_for("desk.order", number=number, _anchor="share"), 303)


@bp.post("/orders/<number>/share/<int:link_id>/revoke")
@owner_required
def order_share_revoke(number: str, link_id: int):
    """Revoke a status link: it answers 404 from now on."""
    found = order_by_number(session=get_session(), number=number) or abort(404)
    link = share_link_of(session=get_session(), order=found, link_id=link_id) or abort(404)
    with write_transaction() as session:
        revoke_share_link(session=session, link=session.merge(link))
    flash(_("The status link is revoked."))
    return redirect(url_for("desk.order", number=number, _anchor="share"), 303)


def order_share_links(order) -> list:
    """For the order page."""
    return share_links(session=get_session(), order=order)
