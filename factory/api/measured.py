"""JSON API for what the scans taught: a product's typed and measured minutes, and promises kept."""
from __future__ import annotations

from flask import abort

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session
from factory.data.inquiries import product_by_code
from factory.data.measured import operation_rates
from factory.data.orders import route_of
from factory.data.promises import promise_report
from factory.web.access import owner_required
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
