"""JSON API for what the scans taught: a product's typed and measured minutes, promises kept, and the
engine replayed as of a past day."""
from __future__ import annotations

from flask import abort, request

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session
from factory.data.inquiries import product_by_code
from factory.data.measured import operation_rates
from factory.data.orders import route_of
from factory.data.promises import promise_report
from factory.data.replay import replay, replay_day
from factory.domain.refusal import Refused
from factory.inputs import ReplayIn, validate
from factory.web.access import owner_required
from factory.web.refusals import json_answer
from factory.web.workshop_time import workshop_today, workshop_zone


def _minutes(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


@bp.get("/products/<code>/rates")
@owner_required
def product_rates(code: str):
    """A product's operations: typed and measured minutes per piece, spread, samples, which is used."""
    session = get_session()
    product = product_by_code(session=session, code=code) or abort(404)
    rates = operation_rates(session=session, today=workshop_today(), zone=workshop_zone(),
                            operations=route_of(session=session, product_id=product.id))
    return answer(outputs.ProductRates, {"product": product.code, "operations": [
        {"code": r.operation.code, "typed_minutes": r.typed,
         "measured_minutes": _minutes(r.measured.median) if r.measured else None,
         "p25": _minutes(r.measured.p25) if r.measured else None,
         "p75": _minutes(r.measured.p75) if r.measured else None,
         "samples": r.measured.samples if r.measured else 0, "used": r.used} for r in rates]})


@bp.get("/promises")
@owner_required
def promises():
    """Every order's promised date against the day it finished: kept, late, days late."""
    report = promise_report(session=get_session(), today=workshop_today(), zone=workshop_zone())
    return answer(outputs.Promises, {"kept": report.kept, "late": report.late, "orders": [
        {"number": r.order.number, "promised": r.outcome.promised, "finished": r.outcome.finished,
         "days_late": r.outcome.days_late} for r in report.rows]})


@bp.get("/promises/replay")
@owner_required
def promises_replay():
    """The engine replayed as of `as_of` (four weeks ago by default) against what happened."""
    session = get_session()
    asked, errors = validate(ReplayIn, {"as_of": request.args["as_of"]} if request.args.get("as_of") else {})
    if asked is None:
        return answer(outputs.FieldErrors, {"errors": errors}, 422)
    try:
        day = replay_day(session=session, as_of=asked.as_of, today=workshop_today(), zone=workshop_zone())
        found = replay(session=session, as_of=day, today=workshop_today(), zone=workshop_zone())
    except Refused as refused:
        return answer(outputs.FieldErrors, *json_answer(refused))
    return answer(outputs.PromiseReplay, {
        "as_of": found.as_of, "minutes": "typed", "kept": found.kept, "late": found.late, "open": found.count("open"),
        "mean_days_late": found.mean_days_late, "orders": [
            {"number": r.number, "due": r.due, "planned": r.planned, "finished": r.finished, "state": r.state,
             "days_late": r.days_late} for r in found.rows]})
