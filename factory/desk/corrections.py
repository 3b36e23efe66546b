"""The office corrects a scan in the open: reverse it, or reverse it and log what it should have
been (another worker, another count), always with a reason the worker sees."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from factory.data.checks import claims_to_check, count_to_check, mark_checked
from factory.data.corrections import scan_record
from factory.data.db import get_session, write_transaction
from factory.data.models import Worker, utcnow
from factory.data.scans import reverse_scan
from factory.desk import bp
from factory.domain.refusal import Refused
from factory.inputs import ReverseIn, validate
from factory.web.access import owner_required
from factory.web.pages import page
from factory.web.refusals import explain


@bp.route("/scans/<path:client_id>/correct", methods=["GET", "POST"])
@owner_required
def scan_correct(client_id: str):
    """One scan and the form that reverses or corrects it."""
    record = scan_record(session=get_session(), client_id=client_id) or abort(404)
    back = _back(request.values.get("next", ""), record.order.number)
    if request.method == "GET":
        return _form(record, back, {}, {})
    fields = {k: request.form.get(k, "").strip() for k in ("reason", "worker", "good", "defects")}
    correcting = request.form.get("action") == "correct"
    data = {k: v for k, v in fields.items() if v and (k == "reason" or correcting)}
    reverse_in, errors = validate(ReverseIn, data)
    if errors:
        return _form(record, back, fields, errors, 422)
    get_session().rollback()  # the write transaction below must not wait for this page's reads
    outcome = reverse_scan(client_id=client_id, reason=reverse_in.reason, user_id=g.user.id,
                           now=utcnow(), correction=reverse_in.correction() if correcting else None)
    if not outcome.ok:
        return _form(record, back, fields, {outcome.refusal.field: explain(outcome.refusal)}, outcome.status)
    flash(_("Corrected: %(worker)s, %(operation)s, bundle #%(bundle)s.", worker=record.worker.name,
            operation=record.operation.name, bundle=record.ticket.bundle_no))
    return redirect(back, 303)


def _back(target: str, number: str) -> str:
    """Where to go afterwards: a page of this site, else the scan's order."""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("desk.order", number=number)


def _form(record, back: str, values: dict, errors: dict, status: int = 200):
    workers = get_session().exec(select(Worker).where(Worker.active == True).order_by(Worker.code)).all()  # noqa: E712
    return page("desk/scan_correct.html", record=record, back=back, values=values, errors=errors, workers=workers,
                status=status)


@bp.get("/checks")
@owner_required
def claims_to_check_page():
    """Claims a worker confirmed although they were more than the working time allowed."""
    return page("desk/checks.html", claims=claims_to_check(session=get_session()))


@bp.post("/checks/<path:client_id>/right")
@owner_required
def claim_right(client_id: str):
    """The office looked at the claim and found it right: it leaves the list."""
    note = request.form.get("note", "").strip()[:300]
    try:
        with write_transaction() as session:
            scan = mark_checked(session=session, client_id=client_id, user_id=g.user.id, now=utcnow(), note=note)
    except Refused as refused:
        if refused.status == 404:
            abort(404)
        flash(explain(refused.refusals[0]), "error")
        return redirect(url_for("desk.claims_to_check_page"), 303)
    flash(_("Marked right: %(pieces)s pieces, scan %(id)s.", pieces=scan.good, id=scan.client_id[:8]))
    return redirect(url_for("desk.claims_to_check_page"), 303)


@bp.app_context_processor
def claims_count() -> dict:
    """The owner's menu shows how many claims wait to be checked (only when some do)."""
    def claims_to_check_count() -> int:
        user = g.get("user")
        if user is None or user.role != "owner":
            return 0
        try:
            return count_to_check(session=get_session())
        except SQLAlchemyError:  # an error page must still render when the database is the error
            return 0
    return {"claims_to_check_count": claims_to_check_count}
