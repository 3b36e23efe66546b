"""Workers (add, change, new badge for a lost phone, left / back), API tokens, the audit log."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from factory.data.attention import needs_attention
from factory.data.corrections import ledger_lines
from factory.data.db import get_session, write_transaction
from factory.data.measured import worker_paces
from factory.data.models import ApiToken, Worker, utcnow
from factory.data.workforce import issue_new_badge, save_worker, set_active, workers_with_centers
from factory.data.workshop_setup import work_centers
from factory.domain.refusal import Refused
from factory.inputs import WorkerIn, validate
from factory.staff import bp
from factory.web.access import api_tokens, issue_api_token, owner_required
from factory.web.audit import recent_entries
from factory.web.confirm import confirm_page
from factory.web.links import badge_url
from factory.web.once import create_once
from factory.web.refusals import errors as refusal_errors
from factory.web.refusals import explain
from factory.web.workshop_time import workshop_today, workshop_zone

AUDIT_PAGE = 100
LEDGER_DAYS = 31
# What an audited endpoint did, in the owner's words (others show the endpoint's name).
ACTIONS = {
    "auth.login": _l("Signed in (or tried)"), "auth.logout": _l("Signed out"),
    "desk.order_new": _l("Created an order"), "desk.order_edit": _l("Changed an order"),
    "desk.order_status": _l("Moved an order's status"), "desk.order_import_confirm": _l("Imported orders"),
    "desk.product_new": _l("Added a product"), "desk.product": _l("Changed a product"),
    "desk.product_route": _l("Changed a route"),
    "desk.work_center_save": _l("Changed a work center"), "desk.workdays_save": _l("Changed the workdays"),
    "desk.holiday_add": _l("Added a holiday"), "desk.holiday_remove": _l("Removed a holiday"),
    "desk.shifts_save": _l("Changed the shift hours"),
    "desk.adopt_measured_minutes": _l("Adopted measured minutes per piece"),
    "desk.measured_rates_save": _l("Changed the use of measured minutes"),
    "printing.void": _l("Voided a ticket"), "printing.mark_printed": _l("Counted labels as printed"), "printing.replace": _l("Replaced a ticket"),
    "printing.address_save": _l("Set the phones' address (printed in QR codes)"),
    "assess.decide": _l("Decided on an inquiry"), "api.order_create": _l("Created an order (API)"),
    "staff.worker_save": _l("Added or changed a worker"), "staff.worker_badge": _l("Issued a new badge"),
    "staff.worker_active": _l("Signed a worker out / back in"), "staff.token_create": _l("Created an API token"),
    "staff.token_revoke": _l("Revoked an API token"),
    "desk.scan_correct": _l("Corrected a scan"), "api.scan_reverse": _l("Corrected a scan (API)"),
    "desk.claim_right": _l("Marked a claim to check as right"),
    "desk.payroll_close": _l("Closed a pay period"), "desk.payroll_reopen": _l("Reopened a pay period"),
    "desk.payroll_adjustment": _l("Recorded a bonus, deduction or advance"),
    "desk.operation_rate": _l("Changed a piece rate"), "desk.pay_period_save": _l("Changed the pay period's first day"),
    "api.payroll_close": _l("Closed a pay period (API)"), "api.payroll_reopen": _l("Reopened a pay period (API)"),
    "api.payroll_adjustment": _l("Recorded an adjustment (API)"), "api.operation_rate": _l("Changed a piece rate (API)"),
    "desk.stuck_hours_save": _l("Changed when bundles count as stuck"),
    "desk.order_share": _l("Made a status link for a customer"),
    "desk.order_share_revoke": _l("Revoked a customer's status link"),
}


def workers_page(*, errors: dict | None = None, editing: int | str | None = None, values=None,
                 new_token: str | None = None, status: int = 200):
    session = get_session()
    tokens = api_tokens(session=session)
    return render_template("staff/workers.html", workers=workers_with_centers(session=session),
                           centers=work_centers(session=session),
                           badge_url=badge_url, errors=errors or {}, editing=editing, values=values or {},
                           tokens=tokens, new_token=new_token,
                           paces=worker_paces(session=session, today=workshop_today(), zone=workshop_zone())), status


def _worker(worker_id: int) -> Worker:
    return get_session().get(Worker, worker_id) or abort(404)


def _worker_form() -> dict:
    return {"code": request.form.get("code", ""), "name": request.form.get("name", ""),
            "work_centers": request.form.getlist("work_centers")}


@bp.get("/workers")
@owner_required
def workers():
    """Every worker with their work centers, badge link and state; API tokens."""
    return workers_page()


@bp.post("/workers", defaults={"worker_id": None})
@bp.post("/workers/<int:worker_id>")
@owner_required
def worker_save(worker_id: int | None):
    """Add a worker, or change one's code, name and work centers."""
    if worker_id:
        _worker(worker_id)
    worker_in, errors = validate(WorkerIn, _worker_form())
    if errors:
        return workers_page(errors=errors, editing=worker_id or "new", values=_worker_form(), status=422)

    def save(session) -> str:
        saved = save_worker(session=session, worker=session.get(Worker, worker_id) if worker_id else None,
                            worker_in=worker_in)
        return f"{saved.id}"

    try:
        # A new worker is created once per form (its one-time key); a change is the same whatever its repeats.
        saved_id = create_once(kind="worker", key=None if worker_id else request.form.get("once"), create=save)
    except Refused as refused:
        return workers_page(errors=refusal_errors(refused), editing=worker_id or "new", values=_worker_form(),
                            status=422)
    saved = get_session().get(Worker, int(saved_id))
    flash(_("Saved: %(code)s %(name)s", code=saved.code, name=saved.name))
    return redirect(url_for("staff.workers") + f"#worker-{saved.id}")


@bp.get("/workers/<int:worker_id>/scans")
@owner_required
def worker_scans(worker_id: int):
    """A worker's scans of the last weeks, each one correctable, and their refused queued scans."""
    worker = _worker(worker_id)
    since = utcnow() - timedelta(days=LEDGER_DAYS)
    return render_template("staff/worker_scans.html", worker=worker, days=LEDGER_DAYS, explain=explain,
                           lines=ledger_lines(session=get_session(), worker_id=worker.id, since=since),
                           attention=needs_attention(session=get_session(), worker_id=worker.id, since=since))


@bp.get("/workers/<int:worker_id>/badge/confirm")
@owner_required
def worker_badge_confirm(worker_id: int):
    """Asks once before a new badge: the old one and every phone signed in with it stop working."""
    worker = _worker(worker_id)
    return confirm_page(
        question=_("Give %(name)s a new badge?", name=worker.name),
        consequences=[_("The old badge and every phone signed in with it stop working at once, so %(name)s "
                        "cannot log pieces until they scan the new badge.", name=worker.name),
                      _("Print the new badge right after and give it to %(name)s.", name=worker.name)],
        action=url_for("staff.worker_badge", worker_id=worker.id), button=_("Yes, make a new badge"),
        back=url_for("staff.workers") + f"#worker-{worker.id}")


@bp.post("/workers/<int:worker_id>/badge")
@owner_required
def worker_badge(worker_id: int):
    """A new badge link for a lost phone or badge: the old link and every phone signed in with it stop working."""
    with write_transaction() as session:
        worker = issue_new_badge(session=session, worker=_worker(worker_id))
    flash(Markup('{} <a class="button primary" href="{}">{}</a>').format(
        _("%(name)s has a new badge. The old badge and phones signed in with it no longer work; print the new badge.",
          name=worker.name),
        url_for("printing.badges", workers=worker.code), _("Print the new badge")))
    return redirect(url_for("staff.workers") + f"#worker-{worker.id}")


@bp.get("/workers/<int:worker_id>/active/confirm")
@owner_required
def worker_active_confirm(worker_id: int):
    """Asks once before signing out a worker who left; allowing sign-in again needs no asking."""
    worker = _worker(worker_id)
    back = url_for("staff.workers") + f"#worker-{worker.id}"
    if not worker.active:
        return redirect(back)
    return confirm_page(
        question=_("Sign out %(name)s (left the workshop)?", name=worker.name),
        consequences=[_("Their badge and every phone signed in with it stop working; they can no longer log "
                        "pieces. Their scans and pay stay."),
                      _("If they come back, allow sign-in again on the workers page: the same badge works again.")],
        action=url_for("staff.worker_active", worker_id=worker.id), fields={"active": "0"},
        button=_("Yes, sign them out"), back=back)


@bp.post("/workers/<int:worker_id>/active")
@owner_required
def worker_active(worker_id: int):
    """A worker who left (badge and phones stop working; scans and pay stay), or is back."""
    worker = _worker(worker_id)
    if request.form.get("active") not in ("0", "1"):
        return workers_page(errors={"active": _("Choose sign out (0) or allow sign-in (1).")}, editing=worker_id,
                            status=422)
    active = request.form["active"] == "1"
    with write_transaction() as session:
        worker = set_active(session=session, worker=worker, active=active)
    flash(_("%(name)s can sign in again.", name=worker.name) if active
          else _("%(name)s is signed out everywhere and can no longer log pieces.", name=worker.name))
    return redirect(url_for("staff.workers") + f"#worker-{worker.id}")


@bp.post("/api-tokens")
@owner_required
def token_create():
    """A new API token for the signed-in owner, shown once."""
    with write_transaction() as session:
        token = issue_api_token(session=session, user=g.user)
    return workers_page(new_token=token, status=201)


@bp.post("/api-tokens/<int:token_id>/revoke")
@owner_required
def token_revoke(token_id: int):
    """Revoke an API token: calls with it get 401 from now on."""
    with write_transaction() as session:
        row = session.get(ApiToken, token_id) or abort(404)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    flash(_("API token %(id)s revoked.", id=token_id))
    return redirect(url_for("staff.workers") + "#tokens")


@bp.get("/audit")
@owner_required
def audit():
    """Who changed what, and when (newest first, a page at a time)."""
    before = request.args.get("before", type=int)
    action = request.args.get("action", "")[:80]
    entries = recent_entries(session=get_session(), limit=AUDIT_PAGE, before=before, action=action)
    return render_template("staff/audit.html", entries=entries, action=action, actions=ACTIONS,
                           older=entries[-1].id if len(entries) == AUDIT_PAGE else None)
