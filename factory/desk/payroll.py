"""Owner pages for pay: a period's payroll (per worker pieces, amount, adjustments, total, grand
total), its Excel file, closing and reopening it, adjustments, and each worker's payslip (page and PDF)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, abort, g, redirect, render_template, request, url_for
from sqlmodel import select

from factory.data.db import get_session, write_transaction
from factory.data.models import Worker
from factory.data.pay import add_adjustment, close_period, closings_history, pay_rules, payroll_for, reopen_period
from factory.desk import bp
from factory.domain.pay import ADJUSTMENT_KINDS, following, period_named, period_of, preceding
from factory.domain.refusal import Refusal, Refused
from factory.files.spreadsheets import XLSX, payroll_workbook
from factory.printing.render import payslip_pdf
from factory.web.access import owner_required
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today, workshop_zone


def chosen_period(raw: str | None = None):
    """The period named by ?period=YYYY-MM (or the older ?month=), the current one by default."""
    rules = pay_rules(session=get_session())
    if raw is None:
        field = "period" if "period" in request.args else "month"
        raw = request.args.get(field, "")
    else:
        field = "period"
    if not raw:
        return period_of(workshop_today(), rules)
    return period_named(raw.strip(), rules, field=field)


def _by() -> str:
    return g.user.username


def payroll_page(period, errors: dict | None = None, status: int = 200, values: dict | None = None):
    session, rules = get_session(), pay_rules(session=get_session())
    payroll = payroll_for(session=session, period=period, zone=workshop_zone())
    workers = session.exec(select(Worker).order_by(Worker.active.desc(), Worker.code)).all()
    return render_template("desk/payroll.html", payroll=payroll, period=period, errors=errors or {},
                           previous=preceding(period, rules), following=following(period, rules),
                           history=closings_history(session=session, period=period.name), workers=workers,
                           kinds=ADJUSTMENT_KINDS, values=values or {}, today=workshop_today(),
                           can_close=period.end < workshop_today()), status


def refused_page(refused: Refused, period=None, values: dict | None = None):
    """The payroll page again with the refusal beside its field; a bad period name shows the current one."""
    if period is None:
        period = period_of(workshop_today(), pay_rules(session=get_session()))
    get_session().rollback()
    return payroll_page(period, refusal_errors(refused), refused.status if refused.status != 404 else 404, values)


@bp.get("/reports/payroll")
@owner_required
def payroll_report():
    """A period's pay per worker: pieces, amount, adjustments, total, and the grand total."""
    try:
        return payroll_page(chosen_period())
    except Refused as refused:
        return refused_page(refused)


@bp.get("/reports/payroll.xlsx")
@owner_required
def payroll_export():
    """The period's payroll as an Excel file: totals, lines and adjustments."""
    try:
        period = chosen_period()
    except Refused as refused:
        return refused_page(refused)
    payroll = payroll_for(session=get_session(), period=period, zone=workshop_zone())
    return Response(payroll_workbook(payroll), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=payroll-{period.name}.xlsx"})


def _period_or_404(name: str):
    try:
        return chosen_period(name)
    except Refused:
        abort(404)


@bp.post("/reports/payroll/<name>/close")
@owner_required
def payroll_close(name: str):
    """Close an ended period: its lines and totals are frozen."""
    period = _period_or_404(name)
    try:
        with write_transaction() as session:
            close_period(session=session, period=period, zone=workshop_zone(), today=workshop_today(), by=_by())
    except Refused as refused:
        return refused_page(refused, period)
    return redirect(url_for("desk.payroll_report", period=period.name), 303)


@bp.post("/reports/payroll/<name>/reopen")
@owner_required
def payroll_reopen(name: str):
    """Reopen the latest closed period; what changed since it was closed is kept and shown."""
    period = _period_or_404(name)
    try:
        reason = request.form.get("reason", "").replace("\x00", "")
        with write_transaction() as session:
            g.audit_detail = {"changes": reopen_period(session=session, period=period, zone=workshop_zone(),
                                                       by=_by(), reason=reason)}
    except Refused as refused:
        return refused_page(refused, period)
    return redirect(url_for("desk.payroll_report", period=period.name), 303)


def parse_adjustment(form) -> tuple[dict, list[Refusal]]:
    """The adjustment form's fields as values, or refusals naming each bad field."""
    refusals, values = [], {}
    try:
        values["amount"] = Decimal(str(form.get("amount", "")).strip().replace(",", ""))
        if not values["amount"].is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        refusals.append(Refusal("adjustment_amount", "amount", {"max": 1_000_000}))
    try:
        raw = str(form.get("day") or "").strip()
        values["day"] = date.fromisoformat(raw) if raw else workshop_today()
    except ValueError:
        refusals.append(Refusal("date_out_of_range", "day", {"start": "2000-01-01", "end": "2100-12-31"}))
    values["kind"] = str(form.get("kind", ""))
    values["worker"] = str(form.get("worker", "")).strip()
    values["reason"] = str(form.get("reason", "")).strip()[:300]
    if not values["reason"]:
        refusals.append(Refusal("reason_required", "reason"))
    for field in ("worker", "reason", "kind"):
        # PostgreSQL cannot compare or store NUL: refuse it on every database alike.
        if "\x00" in values[field]:
            refusals.append(Refusal("nul_character", field))
    return values, refusals


@bp.post("/reports/payroll/<name>/adjustments")
@owner_required
def payroll_adjustment(name: str):
    """Record a bonus, deduction or advance for one worker in an open period."""
    period = _period_or_404(name)
    values, refusals = parse_adjustment(request.form)
    try:
        if refusals:
            raise Refused(*refusals)
        with write_transaction() as session:
            add_adjustment(session=session, period=period, worker_code=values["worker"], kind=values["kind"],
                           amount=values["amount"], reason=values["reason"], day=values["day"], by=_by())
    except Refused as refused:
        return refused_page(refused, period, request.form)
    return redirect(url_for("desk.payroll_report", period=period.name) + "#adjustments", 303)


def _payslip(name: str, code: str):
    period = _period_or_404(name)
    worker = get_session().exec(select(Worker).where(Worker.code == code)).first() or abort(404)
    payroll = payroll_for(session=get_session(), period=period, zone=workshop_zone(), worker_id=worker.id)
    return period, worker, payroll


@bp.get("/reports/payroll/<name>/<code>")
@owner_required
def payslip(name: str, code: str):
    """One worker's payslip for a period: every line and adjustment (workers who left too)."""
    period, worker, payroll = _payslip(name, code)
    return render_template("desk/payslip.html", period=period, worker=worker, payroll=payroll,
                           pay=payroll.worker(worker.code))


@bp.get("/reports/payroll/<name>/<code>.pdf")
@owner_required
def payslip_print(name: str, code: str):
    """The payslip as an A4 PDF to print and hand over."""
    period, worker, payroll = _payslip(name, code)
    data = payslip_pdf(period=period, worker=worker, payroll=payroll)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=payslip-{period.name}-{worker.code}.pdf"})
