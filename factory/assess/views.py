"""Views: ask, see the verdict as you type, accept (creates the order) or decline (kept with its reason)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from factory.assess import bp
from factory.data.board import planned_if_taken
from factory.data.db import get_session
from factory.data.inquiries import assess_inquiry, new_request_id, recent_inquiries, record_decision, work_center_names
from factory.data.live_scenario import CANDIDATE_ID
from factory.data.models import Order
from factory.data.workshop_setup import all_products
from factory.domain.loadchart import load_chart_svg
from factory.domain.refusal import Refused
from factory.feasibility.completions import booked_plan
from factory.inputs import AcceptIn, DecisionIn, InquiryIn, form_lines, validate
from factory.web.access import owner_required
from factory.web.i18n import select_locale
from factory.web.once import create_once
from factory.web.pages import page as render_page
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today, workshop_zone

CHART_DAYS = 28
VERDICT_LABELS = {"feasible": _l("Yes, we can take it"), "feasible_with_overtime": _l("Yes, with overtime"),
                  "infeasible": _l("No, not by that date")}


def verdict_label(verdict: str) -> str:
    return str(VERDICT_LABELS.get(verdict, verdict))


@bp.get("/assess")
@owner_required
def page():
    """The form; with product, quantity and due filled in, the verdict too (htmx: the verdict only)."""
    verdict, errors = _verdict_for(request.args) if request.args.get("product") else (None, {})
    return render_page("assess/page.html", "assess/_verdict.html", **_context(verdict, errors, request.args))


DECISIONS = {"accept": ("accepted", AcceptIn), "decline": ("declined", DecisionIn)}
# What a verdict was made for: the decision forms carry these as `assessed`, and a decision sent
# with other values (changed after the verdict) is answered with the new verdict, not taken.
ASSESSED = ("product", "quantity", "due")


def assessed_key(form) -> str:
    return "|".join(str(form.get(k, "")).strip() for k in ASSESSED)


def _decision_fields(model, form) -> dict:
    fields = {k: v for k, v in form.items() if k in model.model_fields and k != "lines"}
    if "lines" in model.model_fields:
        fields["lines"] = form_lines(form)
        fields["priority"] = form.get("priority") or 0
    return fields


@bp.post("/assess/<decision>")
@owner_required
def decide(decision: str):
    """Accept (the order is created, then offered for printing) or decline (kept with the reason),
    for the inputs the verdict was made for; changed inputs get the new verdict first."""
    if decision not in DECISIONS:
        abort(404)
    outcome, model = DECISIONS[decision]
    data, errors = validate(model, _decision_fields(model, request.form))
    verdict = None
    if data is not None:
        verdict, errors = _verdict_for(request.form)
    if errors:
        return render_page("assess/page.html", status=422, **_context(verdict, errors, request.form))
    if request.form.get("assessed") != assessed_key(request.form):
        return render_page("assess/page.html", status=409, changed=True, **_context(verdict, {}, request.form))

    def decide_once(session) -> str:
        inquiry = record_decision(session=session, verdict=verdict, decision=outcome,
                                  reason=data.reason, customer=data.customer, request_id=data.request_id,
                                  priority=getattr(data, "priority", 0), lines=getattr(data, "lines", []))
        if inquiry.order_id is None:
            return url_for("assess.page")
        return url_for("desk.order", number=session.get(Order, inquiry.order_id).number)

    # The form's request id is its one-time key: a double click decides (and creates an order) once.
    try:
        target = create_once(kind="inquiry", key=data.request_id, create=decide_once)
    except Refused as refused:
        return render_page("assess/page.html", status=422,
                           **_context(verdict, {}, request.form, accept_errors=refusal_errors(refused)))
    if target.startswith(url_for("assess.page")):
        flash(_("Declined and kept for later review."))
    else:
        flash(_("Order %(number)s created. Print its work order and bundle labels now.",
                number=target.rsplit("/", 1)[-1]))
    return redirect(target)


def _context(verdict, errors: dict, form, accept_errors: dict | None = None) -> dict:
    products = all_products(session=get_session(), active_only=True)
    names = work_center_names(session=get_session())
    board = None
    if verdict:  # what the board will say once accepted: the same scenario and planner as the board
        board = planned_if_taken(session=get_session(), today=workshop_today(),
                                 candidate=verdict.scenario["candidate"], priority=_priority(form), zone=workshop_zone())
    return dict(verdict=verdict, errors=errors, form=form, wc_names=names, verdict_label=verdict_label,
                chart=_chart(verdict, names) if verdict else "", products=products,
                inquiries=recent_inquiries(session=get_session()), today=workshop_today(),
                request_id=new_request_id(), board=board, assessed=assessed_key(form),
                accept_errors=accept_errors or {}, lines=form_lines(form) if hasattr(form, "getlist") else [],
                blank_lines=_blank_lines(form))


def _priority(form) -> int:
    value = str(form.get("priority", "0"))
    return int(value) if value in ("0", "1", "2") else 0


def _blank_lines(form) -> int:
    """Empty colour/size rows to offer: as many as were sent (at least two), one more when "add a
    line" was pressed (it works without JavaScript: the page comes back with the extra row)."""
    sent = len(form.getlist("color")) if hasattr(form, "getlist") else 0
    filled = len(form_lines(form)) if hasattr(form, "getlist") else 0
    return max(2, sent) + (1 if form.get("add_line") else 0) - filled


def _verdict_for(args) -> tuple:
    fields = {k: args.get(k) for k in ("product", "quantity", "due", "customer") if args.get(k) not in (None, "")}
    if args.get("due_bad"):  # the browser holds a date it cannot read (a typo in the year, say)
        return None, {"due": _("This date is not complete or not valid: check the year, month and day.")}
    inquiry, errors = validate(InquiryIn, fields)
    if errors:
        return None, errors
    try:
        return assess_inquiry(session=get_session(), inquiry=inquiry, today=workshop_today(), lang=select_locale(),
                              zone=workshop_zone()), {}
    except Refused as refused:
        return None, refusal_errors(refused)


def _chart(verdict, names: dict[str, str]) -> str:
    """Booked load and this order's per day; with no plan for this order (it does not fit), the
    booked orders' plan alone."""
    s = verdict.scenario
    plan = verdict.assessment.get("plan") or booked_plan(s)
    return load_chart_svg(work_centers=s["work_centers"], names=names,
                          plan=plan, candidate_id=CANDIDATE_ID,
                          today=date.fromisoformat(s["today"]), days=CHART_DAYS,
                          workdays=set(s["calendar"]["workdays"]), holidays=set(s["calendar"]["holidays"]),
                          labels={"title": _("Load per work center and day"), "booked": _("Booked orders"),
                                  "new": _("This order"), "capacity": _("Regular capacity"),
                                  "hours": _("h")})
