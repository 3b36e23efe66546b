"""Worker pages: the ticket a QR opens (and logging pieces on it), the order sheet, the worker's own day."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import Response, abort, current_app, g, make_response, redirect, render_template, request, url_for

from factory.data.attention import keep_refused, needs_attention
from factory.data.db import get_session, write_transaction
from factory.data.floor import order_by_share_token, station_queue, status_card
from factory.data.inquiries import product_names
from factory.data.models import Order, Product, utcnow
from factory.data.orders import order_by_token, order_view, variants_of
from factory.data.pay import day_pay, pay_rules, payroll_for, periods_of_worker
from factory.data.scans import STATUS, ScanRequest, record_scan, refused, scan_ticket_id, scans_between, undo_scan
from factory.data.workforce import operations_of, work_centers_of, worker_by_code
from factory.domain.pay import period_named, period_of
from factory.domain.refusal import Refusal, Refused
from factory.domain.scan_rules import MAX_PIECES
from factory.floor import bp
from factory.floor.ticket_page import LogForm, ticket_by_token, ticket_page
from factory.inputs import TicketScanIn, validate
from factory.web.access import worker_required
from factory.web.links import ticket_url
from factory.web.pages import htmx
from factory.web.pages import page as render_page
from factory.web.refusals import answer, explain
from factory.web.served import seal, sealed_time
from factory.web.workshop_time import day_range_utc, workshop_today, workshop_zone

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,56}")
ATTENTION_DAYS = 14


@bp.context_processor
def server_clock() -> dict:
    """The server's time when a page is served, for the phone's queue (tap times on this clock),
    and its seal: the earliest a queued tap on this page can be (factory/web/served.py)."""
    ms = int(utcnow().timestamp() * 1000)
    worker = g.get("worker")
    return {"server_now_ms": ms, "server_now_seal": seal(worker=worker.code, ms=ms) if worker else ""}


def _ticket_or_404(token: str):
    found = ticket_by_token(session=get_session(), token=token)
    if found is None:
        abort(404)
    return found


def _render_ticket(page, status: int = 200) -> Response:
    """The whole page, or for htmx only the live part (progress and log form)."""
    return render_page("floor/ticket.html", "floor/_live.html", status, page=page)


@bp.get("/t/<token>")
def ticket(token: str):
    """What a ticket's QR opens: the bundle, its technique, its progress and the log form."""
    page = ticket_page(session=get_session(), ticket=_ticket_or_404(token), worker=g.worker, today=workshop_today(),
                       now=utcnow(), picked=request.args.get("op", ""), result_id=request.args.get("scan", ""))
    return _render_ticket(page)


@bp.get("/t/<token>/photo")
def ticket_photo(token: str):
    """The product's photo, for the ticket page."""
    product = get_session().get(Product, get_session().get(Order, _ticket_or_404(token).order_id).product_id)
    if not product.photo:
        abort(404)
    response = make_response(product.photo)
    response.headers.update({"Content-Type": product.photo_type or "image/jpeg", "Cache-Control": "max-age=86400"})
    return response


@bp.post("/t/<token>/scans")
@worker_required
def log(token: str):
    """Log pieces: a plain form (redirects), htmx (answers the live part) or JSON (the phone's queue)."""
    found = _ticket_or_404(token)
    queued = request.is_json
    data = request.get_json(silent=True) if queued else _form_data()
    if not queued and (stale := _page_of_other_worker(data.get("worker"))):
        # Before anything else: a refused form re-renders the page for the signed-in worker.
        return _stale_page(found, stale)
    scan_in, errors = validate(TicketScanIn, data)
    now = utcnow()
    outcome = None
    if not errors and scan_in.worker and scan_in.worker != g.worker.code:
        # A queued scan is sent as the worker who tapped it, or not at all.
        outcome = refused(Refusal("other_worker", "worker", {"worker": scan_in.worker}))
    elif not errors:
        outcome = record_scan(now=now, request=ScanRequest(
            scan_in.id, token, scan_in.operation, g.worker.code, scan_in.good, scan_in.defects,
            source="queue" if queued else "web", confirm=scan_in.confirm,
            worked_at=_work_time(scan_in, now) if queued else None, zone=workshop_zone()))
    if queued:
        return _queue_answer(found, data, scan_in, outcome, errors, now)
    if outcome is not None and outcome.ok:
        return _after_scan(token, outcome.scan.client_id, outcome.status)
    form = LogForm(operation=str(data.get("operation", "")), good=str(data.get("good", "")),
                   defects=str(data.get("defects", "0")), errors=errors)
    if outcome is not None:
        form.message, form.confirm = explain(outcome.refusal), outcome.refusal.code == "implausible"
    return _render_ticket(ticket_page(session=get_session(), ticket=found, worker=g.worker, today=workshop_today(),
                                      now=utcnow(), form=form), outcome.status if outcome else 422)


def _page_of_other_worker(posted, *, undo: bool = False) -> Refusal | None:
    """A form on a worker's page names the worker it was served to. Posted from the page of
    another worker than the one signed in now (someone else signed in on the phone in another
    tab), or from a page without that name (older than it), it logs nothing: the pieces would
    count for whoever is signed in, not for the one holding the page."""
    if posted == g.worker.code:
        return None
    code = posted[:40] if isinstance(posted, str) else ""
    worker = worker_by_code(session=get_session(), code=code) if code else None
    return Refusal("page_of_other_worker", "worker", {"code": code, "name": worker.name if worker else "",
                                                      "current": g.worker.name, "undo": undo})


def _stale_page(ticket, refusal: Refusal):
    """The ticket page (or its live part) with the refusal and no form: a link opens it again."""
    form = LogForm(message=explain(refusal), stale=True)
    return _render_ticket(ticket_page(session=get_session(), ticket=ticket, worker=g.worker, today=workshop_today(),
                                      now=utcnow(), form=form), STATUS[refusal.code])


def _queue_answer(ticket, data, scan_in, outcome, errors: dict, now) -> tuple[dict, int]:
    """The JSON answer to a queued scan. One the rules refuse is kept on the server ("kept": true)
    for "my day" and the office, so the phone can let it go without losing it; one of another
    worker is not kept: the phone holds it until that worker signs in."""
    body, status = answer(outcome, errors)
    if status < 400 or (outcome is not None and outcome.refusal.code == "other_worker"):
        return body, status
    data = data if isinstance(data, dict) else {}
    refusal = outcome.refusal if outcome is not None else Refusal(
        "message", next(iter(errors)), {"text": " ".join(errors.values())})
    client_id = scan_in.id if scan_in else str(data.get("id") or "")
    if not CLIENT_ID.fullmatch(client_id):
        client_id = str(uuid.uuid4())
    with write_transaction() as session:
        keep_refused(session=session, client_id=client_id, worker_id=g.worker.id, ticket=ticket,
                     operation=str(data.get("operation", ""))[:40], good=_whole(data.get("good")),
                     defects=_whole(data.get("defects")), refusal=refusal, status=status,
                     worked_at=_work_time(scan_in, now) if scan_in else None, now=now)
    body["kept"] = True
    return body, status


def _work_time(scan_in: TicketScanIn, now):
    """The tap time, bounded by the signed time its page was served (for the signed-in worker)."""
    synced = sealed_time(worker=g.worker.code, ms=scan_in.synced_at, signature=scan_in.synced_seal)
    return scan_in.work_time(now, synced=synced)


def _whole(value) -> int:
    try:
        return max(-MAX_PIECES, min(MAX_PIECES, int(value)))
    except (TypeError, ValueError, OverflowError):
        return 0


@bp.post("/t/<token>/scans/<client_id>/undo")
@worker_required
def undo(token: str, client_id: str):
    """Undo one's own scan within two minutes (a reversing scan)."""
    found = _ticket_or_404(token)
    # Only through the scan's own ticket: another ticket's URL must not reach (or reveal) it.
    if scan_ticket_id(session=get_session(), client_id=client_id) not in (None, found.id):
        abort(404)
    if stale := _page_of_other_worker(request.form.get("worker"), undo=True):
        return _stale_page(found, stale)
    outcome = undo_scan(client_id=client_id, worker=g.worker.code, now=utcnow())
    if outcome.ok:
        return _after_scan(token, outcome.scan.client_id, outcome.status)
    form = LogForm(message=explain(outcome.refusal))
    return _render_ticket(ticket_page(session=get_session(), ticket=found, worker=g.worker, today=workshop_today(),
                                      now=utcnow(), form=form, result_id=client_id), outcome.status)


def _form_data() -> dict:
    data = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if not data.get("defects"):
        data["defects"] = "0"
    return data


def _after_scan(token: str, client_id: str, status: int) -> Response:
    """Post/Redirect/Get for a plain form; htmx gets the live part with the result in place."""
    if not htmx:
        return redirect(url_for("floor.ticket", token=token, scan=client_id), 303)
    page = ticket_page(session=get_session(), ticket=_ticket_or_404(token), worker=g.worker, today=workshop_today(),
                       now=utcnow(), result_id=client_id)
    return _render_ticket(page, status)


@bp.get("/o/<token>")
def order_sheet(token: str):
    """What the work order's QR opens: the order and a link to each bundle's ticket."""
    found = order_by_token(session=get_session(), token=token) or abort(404)
    view = order_view(session=get_session(), order=found)
    return render_template("floor/order_sheet.html", view=view, ticket_url=ticket_url,
                           variants=variants_of(session=get_session(), order=found, product=view.product))


@bp.get("/me")
@worker_required
def my_day():
    """The signed-in worker's pieces and pay today and in this pay period, and today's scans."""
    zone, today, session = workshop_zone(), workshop_today(), get_session()
    period = period_of(today, pay_rules(session=session))
    day = day_range_utc(today, today, zone)
    this_period = payroll_for(session=session, period=period, zone=zone, worker_id=g.worker.id)
    today_pay = day_pay(session=session, worker=g.worker, day=today, zone=zone)
    period_pay = this_period.worker(g.worker.code)
    codes = {p for pay in (today_pay, period_pay) if pay for p, *_ in pay.operations}
    return render_template(
        "floor/me.html", worker=g.worker, zone=zone, today=today, period=period,
        work_centers=work_centers_of(session=session, worker=g.worker), day=today_pay, period_pay=period_pay,
        product_names=product_names(session=session, codes=codes),
        scans=scans_between(session=session, worker_id=g.worker.id, start=day[0], end=day[1]),
        attention=needs_attention(session=session, worker_id=g.worker.id,
                                  since=utcnow() - timedelta(days=ATTENTION_DAYS)), explain=explain)


@bp.get("/me/pay")
@worker_required
def my_payslips():
    """The worker's pay periods: the open one and every closed one, newest first (read-only)."""
    session = get_session()
    current = period_of(workshop_today(), pay_rules(session=session))
    return render_template("floor/payslips.html", worker=g.worker, current=current,
                           closed=periods_of_worker(session=session, worker_id=g.worker.id))


@bp.get("/me/pay/<name>")
@worker_required
def my_payslip(name: str):
    """One of the worker's payslips, itemized, read-only."""
    session = get_session()
    try:
        period = period_named(name, pay_rules(session=session))
    except Refused:
        abort(404)
    payroll = payroll_for(session=session, period=period, zone=workshop_zone(), worker_id=g.worker.id)
    return render_template("floor/payslip.html", worker=g.worker, period=period, payroll=payroll,
                           pay=payroll.worker(g.worker.code))


# --- offline: the service worker and the page it shows for a ticket it never saw ---------------

@bp.get("/sw.js")
def service_worker():
    """The service worker (HTTPS or localhost only; browsers allow none over plain HTTP). Served
    from the root so it may look after every ticket page (/t/…)."""
    response = current_app.send_static_file("sw.js")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline/ticket")
@worker_required
def offline_ticket():
    """The page the service worker shows, without network, for a ticket this phone never opened:
    the worker's operations and a count; the scan waits on the phone and the server checks it
    when the network is back (anything refused is kept under "needs attention")."""
    return render_template("floor/offline_ticket.html",
                           operations=operations_of(session=get_session(), worker=g.worker))


@bp.after_app_request
def name_the_worker(response: Response) -> Response:
    """Tell the service worker whose pages these are: when another worker signs in on the phone,
    it forgets the pages it kept for the previous one (no one logs on someone else's page)."""
    worker = g.get("worker")
    response.headers["X-Factory-Worker"] = worker.code if worker is not None else "-"
    return response


# The queue page lists this many bundles (the most urgent); the rest are counted below them.
QUEUE_SHOWN = 50


@bp.get("/me/queue")
@worker_required
def my_queue():
    """Bundles with pieces waiting at the worker's operations, most urgent first; a tap opens the ticket."""
    session = get_session()
    return render_page("floor/queue.html", "floor/_station_queue.html", worker=g.worker,
                       queue=station_queue(session=session, worker=g.worker, first=QUEUE_SHOWN),
                       work_centers=work_centers_of(session=session, worker=g.worker))


@bp.get("/s/<token>")
def shared_status(token: str):
    """A customer's read-only view of one order's status, through a share link's own token."""
    session = get_session()
    found = order_by_share_token(session=session, token=token) or abort(404)
    card = status_card(session=session, order=found, today=workshop_today(), now=utcnow())
    response = make_response(render_template("floor/shared_status.html", card=card))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
