"""Worker pages: the ticket a QR opens (and logging pieces on it), the order sheet, the worker's own day."""
from __future__ import annotations

from flask import Response, abort, g, make_response, redirect, render_template, request, url_for

from factory.web.access import worker_required
from factory.data.db import get_session
from factory.floor import bp
from factory.web.refusals import answer, explain
from factory.floor.ticket_page import LogForm, ticket_by_token, ticket_page
from factory.web.links import ticket_url
from factory.web.pages import htmx, page as render_page
from factory.data.models import Order, Product, utcnow
from factory.data.orders import order_by_token, order_view
from factory.data.pay import day_pay, pay_rules, payroll_for, periods_of_worker
from factory.data.scans import ScanForm, ScanRequest, record_scan, scans_between, undo_scan
from factory.domain.pay import period_named, period_of
from factory.domain.refusal import Refused
from factory.inputs import validate
from factory.data.workforce import work_centers_of
from factory.web.workshop_time import day_range_utc, workshop_today, workshop_zone


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
    data = request.get_json(silent=True) if request.is_json else _form_data()
    scan_in, errors = validate(ScanForm, data)
    outcome = None if errors else record_scan(now=utcnow(), request=ScanRequest(
        scan_in.id, token, scan_in.operation, g.worker.code, scan_in.good, scan_in.defects,
        source="queue" if request.is_json else "web", confirm=scan_in.confirm or request.is_json))
    if request.is_json:
        return answer(outcome, errors)
    if outcome is not None and outcome.ok:
        return _after_scan(token, outcome.scan.client_id, outcome.status)
    form = LogForm(operation=str(data.get("operation", "")), good=str(data.get("good", "")),
                   defects=str(data.get("defects", "0")), errors=errors)
    if outcome is not None:
        form.message, form.confirm = explain(outcome.refusal), outcome.refusal.code == "too_soon"
    return _render_ticket(ticket_page(session=get_session(), ticket=found, worker=g.worker, today=workshop_today(),
                                      now=utcnow(), form=form), outcome.status if outcome else 422)


@bp.post("/t/<token>/scans/<client_id>/undo")
@worker_required
def undo(token: str, client_id: str):
    """Undo one's own scan within two minutes (a reversing scan)."""
    found = _ticket_or_404(token)
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
    return render_template("floor/order_sheet.html", view=order_view(session=get_session(), order=found),
                           ticket_url=ticket_url)


@bp.get("/me")
@worker_required
def my_day():
    """The signed-in worker's pieces and pay today and in this pay period, and today's scans."""
    zone, today, session = workshop_zone(), workshop_today(), get_session()
    period = period_of(today, pay_rules(session=session))
    day = day_range_utc(today, today, zone)
    this_period = payroll_for(session=session, period=period, zone=zone, worker_id=g.worker.id)
    return render_template(
        "floor/me.html", worker=g.worker, zone=zone, today=today, period=period,
        work_centers=work_centers_of(session=session, worker=g.worker),
        day=day_pay(session=session, worker=g.worker, day=today, zone=zone),
        period_pay=this_period.worker(g.worker.code),
        scans=scans_between(session=session, worker_id=g.worker.id, start=day[0], end=day[1]))


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
