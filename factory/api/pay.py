"""JSON API for pay: a period's payroll, closing and reopening it, adjustments, and dated piece rates."""
from __future__ import annotations

from decimal import Decimal

from flask import g, request

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.db import get_session, write_transaction
from factory.data.orders import route_of
from factory.data.pay import Payroll, add_adjustment, close_period, pay_rules, payroll_for, reopen_period, set_rate
from factory.data.workshop_setup import product_by_code
from factory.domain.pay import period_named
from factory.domain.refusal import Refusal, Refused
from factory.inputs import AdjustmentIn, RateIn, validate
from factory.web.access import owner_required
from factory.web.pay_words import adjustment_reason
from factory.web.refusals import json_answer
from factory.web.workshop_time import workshop_today, workshop_zone


def _period(name: str):
    return period_named(name, pay_rules(session=get_session()))


def payroll_json(payroll: Payroll) -> dict:
    """The payroll with every amount as a decimal string (exact, to the fen)."""
    return {
        "period": payroll.period.name, "start": payroll.period.start.isoformat(),
        "end": payroll.period.end.isoformat(), "closed": payroll.closed,
        "workers": [{
            "code": w.code, "name": w.name, "active": w.active, "pieces": w.pieces, "defects": w.defects,
            "amount": str(w.settlement.amount), "adjustments": str(w.settlement.adjustments),
            "total": str(w.settlement.total), "carried_forward": str(w.settlement.carried_forward),
            "lines": [{"day": l.day.isoformat(), "order": l.order, "bundle": l.bundle, "product": l.product,
                       "operation": l.operation_code, "rate": str(l.rate), "good": l.good, "defects": l.defects,
                       "amount": str(l.amount)} for l in w.lines],
            "adjustment_lines": [{"id": a.id, "kind": a.kind, "amount": str(a.effect), "day": a.day.isoformat(),
                                  "reason": adjustment_reason(a), "entered_by": a.created_by,
                                  "scan": a.scan.client_id if a.scan else None, "pending": a.pending}
                                 for a in w.adjustments] + ([{
                                      "id": None, "kind": "carried", "amount": str(-w.carried_in),
                                      "day": payroll.period.start.isoformat(), "reason": "", "entered_by": "",
                                      "scan": None, "pending": False}] if w.carried_in else []),
        } for w in payroll.workers],
        "total": str(payroll.total),
    }


def _payroll_now(period) -> dict:
    return payroll_json(payroll_for(session=get_session(), period=period, zone=workshop_zone()))


@bp.get("/payroll/<period>")
@owner_required
def payroll(period: str):
    """A period's pay per worker with lines and adjustments; amounts as decimal strings."""
    try:
        return answer(outputs.Payroll, _payroll_now(_period(period)))
    except Refused as refused:
        return json_answer(refused)


@bp.post("/payroll/<period>/close")
@owner_required
def payroll_close(period: str):
    """Close an ended period (periods close in order): its lines and totals are frozen."""
    try:
        period = _period(period)
        with write_transaction() as session:
            close_period(session=session, period=period, zone=workshop_zone(), today=workshop_today(),
                         by=g.user.username)
    except Refused as refused:
        return json_answer(refused)
    return answer(outputs.Payroll, _payroll_now(period))


@bp.post("/payroll/<period>/reopen")
@owner_required
def payroll_reopen(period: str):
    """Reopen the latest closed period; the answer says whose totals changed since it was closed."""
    body = request.get_json(silent=True) if request.data else {}
    reason = str((body or {}).get("reason", "")).replace("\x00", "")[:500] if isinstance(body, dict) else ""
    try:
        period = _period(period)
        with write_transaction() as session:
            changes = reopen_period(session=session, period=period, zone=workshop_zone(), by=g.user.username,
                                    reason=reason)
    except Refused as refused:
        return json_answer(refused)
    g.audit_detail = {"changes": changes}
    return answer(outputs.Payroll, {**_payroll_now(period), "changes": changes})


@bp.post("/payroll/<period>/adjustments")
@owner_required
def payroll_adjustment(period: str):
    """Record {"worker", "kind", "amount", "reason", "day"} in an open period: 201 with the payroll."""
    try:
        period = _period(period)
    except Refused as refused:
        return json_answer(refused)
    adjustment_in, errors = validate(AdjustmentIn, request.get_json(silent=True))
    if errors:
        return {"errors": errors}, 422
    try:
        with write_transaction() as session:
            stored = add_adjustment(session=session, period=period, worker_code=adjustment_in.worker,
                                    kind=adjustment_in.kind, amount=adjustment_in.amount,
                                    reason=adjustment_in.reason, day=adjustment_in.day or workshop_today(),
                                    by=g.user.username)
            stored_id = stored.id
    except Refused as refused:
        return json_answer(refused)
    return answer(outputs.Payroll, {**_payroll_now(period), "id": stored_id}, 201)


@bp.put("/products/<code>/operations/<operation>/rate")
@owner_required
def operation_rate(code: str, operation: str):
    """A new piece rate from a date (today by default); never inside a closed period (409)."""
    session = get_session()
    product = product_by_code(session=session, code=code)
    found = next((op for op in route_of(session=session, product_id=product.id) if op.code == operation),
                 None) if product else None
    if found is None:
        return json_answer(Refused(Refusal("unknown_operation", "operation", {"code": operation}), status=404))
    rate_in, errors = validate(RateIn, request.get_json(silent=True))
    if errors:
        return {"errors": errors}, 422
    try:
        with write_transaction() as write:
            entry = set_rate(session=write, operation=found, rate=rate_in.piece_rate,
                             effective_from=rate_in.effective_from or workshop_today(), by=g.user.username)
            body = {"product": code, "operation": operation,
                    "piece_rate": str(Decimal(entry.rate).quantize(Decimal("0.001"))),
                    "effective_from": entry.effective_from.isoformat()}
    except Refused as refused:
        return json_answer(refused)
    return answer(outputs.Rate, body)
