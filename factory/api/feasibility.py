"""JSON API for capacity verdicts: a whole scenario, or an inquiry against live data."""
from __future__ import annotations

from flask import request

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session
from factory.data.inquiries import assess_inquiry
from factory.domain.refusal import Refused
from factory.feasibility import assess
from factory.inputs import InquiryIn, validate_json
from factory.web.access import owner_required
from factory.web.i18n import select_locale
from factory.web.refusals import json_answer
from factory.web.workshop_time import workshop_today, workshop_zone


def _answer(assessment: dict) -> dict:
    """The plan is long; it is sent only when asked for with ?plan=1."""
    if request.args.get("plan") != "1":
        assessment = {k: v for k, v in assessment.items() if k != "plan"}
    return assessment


@bp.post("/feasibility")
@owner_required
def feasibility():
    """Assess a scenario given whole in the body (the model in docs/feasibility.md)."""
    scenario = request.get_json(silent=True)
    if not isinstance(scenario, dict):
        return answer(outputs.ScenarioError, {"error": "the body must be a JSON object (a scenario)"}, 422)
    try:
        return answer(outputs.Assessment, _answer(assess(scenario, lang=select_locale())))
    except ValueError as error:
        return answer(outputs.ScenarioError, {"error": str(error)}, 422)


@bp.post("/orders/assess")
@owner_required
def assess_order():
    """Assess {"product", "quantity", "due"} against the workshop's open orders and capacity."""
    inquiry, errors = validate_json(InquiryIn, request.get_json(silent=True))
    if errors:
        return answer(outputs.FieldErrors, {"errors": errors}, 422)
    try:
        verdict = assess_inquiry(session=get_session(), inquiry=inquiry, today=workshop_today(), lang=select_locale(),
                                 zone=workshop_zone())
    except Refused as refused:
        return json_answer(refused)
    body = _answer(verdict.assessment)
    if verdict.paces:
        body = {**body, "typical_pace": verdict.paces["typical"], "slower_pace": verdict.paces["slow"],
                "uncertain_operation": verdict.paces["uncertain"]}
    return answer(outputs.Assessment, body)
