"""Owner pages for what the scans measured: adopt a measured minutes-per-piece, use measured
minutes automatically, and the promises-kept report with the engine replayed as of a past day."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from factory.data.db import get_session, write_transaction
from factory.data.inquiries import product_by_code
from factory.data.measured import adopt_measured, set_auto_measured
from factory.data.orders import route_of
from factory.data.promises import promise_report
from factory.data.replay import first_scan_day, replay, replay_day
from factory.desk import bp
from factory.domain.refusal import Refused
from factory.inputs import ReplayIn, validate
from factory.web.access import owner_required
from factory.web.pages import htmx, page
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today, workshop_zone


@bp.post("/products/<code>/operations/<operation>/adopt")
@owner_required
def adopt_measured_minutes(code: str, operation: str):
    """Make the measured minutes per piece of one operation its typed minutes (audited: from, to)."""
    product = product_by_code(session=get_session(), code=code) or abort(404)
    op = next((o for o in route_of(session=get_session(), product_id=product.id) if o.code == operation), None) \
        or abort(404)
    with write_transaction() as session:
        changed = adopt_measured(session=session, operation=session.get(type(op), op.id), today=workshop_today(),
                                 zone=workshop_zone())
    if changed is None:
        abort(409, _("Nothing measured for this operation yet."))
    g.audit_detail = {"operation": op.code, "from_minutes": changed[0], "to_minutes": changed[1]}
    flash(_("%(operation)s now plans with %(minutes)s minutes per piece (was %(before)s).",
            operation=op.name, minutes=changed[1], before=changed[0]))
    return redirect(url_for("desk.product", code=product.code) + "#measured")


@bp.post("/settings/measured-rates")
@owner_required
def measured_rates_save():
    """Use measured minutes automatically where there are enough samples (or stop)."""
    with write_transaction() as session:
        set_auto_measured(session=session, on=request.form.get("auto") == "1")
    product = request.form.get("product", "")
    if product and product_by_code(session=get_session(), code=product):
        return redirect(url_for("desk.product", code=product) + "#measured")
    return redirect(url_for("desk.settings"))


@bp.get("/reports/promises")
@owner_required
def promises_report():
    """Promises kept: each order's promised date (the plan's, when accepted) against when it finished;
    and the engine replayed as of a past day (`as_of`) against what happened (the htmx fragment)."""
    replayed = replay_from_args(request.args, session=get_session(), today=workshop_today())
    report = None if htmx else promise_report(session=get_session(), today=workshop_today(), zone=workshop_zone())
    return page("desk/promises.html", "desk/_replay.html",
                status=422 if replayed["errors"] and "as_of" in request.args else 200,
                report=report, rows=list(reversed(report.rows)) if report else [], **replayed)


def replay_from_args(args, *, session: Session, today: date) -> dict:
    """The replay the query string asks for (`as_of`; four weeks ago by default) or the errors by
    field, with what the date field shows and allows."""
    first = first_scan_day(session=session, zone=workshop_zone())
    shown = {"replay": None, "errors": {}, "as_of": args.get("as_of", ""), "today": today, "first_scan": first}
    asked, shown["errors"] = validate(ReplayIn, {"as_of": args["as_of"]} if args.get("as_of") else {})
    if asked is not None:
        try:
            day = replay_day(session=session, as_of=asked.as_of, today=today, zone=workshop_zone())
            shown["replay"] = replay(session=session, as_of=day, today=today, zone=workshop_zone())
            shown["as_of"] = day.isoformat()
        except Refused as refused:
            shown["errors"] = refusal_errors(refused)
    return shown
