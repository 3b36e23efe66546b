"""JSON API for scans: the same rules and the same code path as the ticket page."""
from __future__ import annotations

from flask import g, request

from factory.api import bp, outputs
from factory.api.outputs import answer as api_answer
from factory.data.models import utcnow
from factory.data.scans import ScanRequest, record_scan, reverse_scan
from factory.inputs import ReverseIn, ScanIn, validate_json
from factory.web.access import owner_required
from factory.web.refusals import answer
from factory.web.workshop_time import workshop_zone


@bp.post("/scans")
@owner_required
def scans():
    """Record {"id", "ticket", "operation", "worker", "good", "defects"}: 201, or 200 for the same id again."""
    scan_in, errors = validate_json(ScanIn, request.get_json(silent=True))
    if errors:
        return api_answer(outputs.FieldErrors, {"errors": errors}, 422)
    body, status = answer(record_scan(now=utcnow(), request=ScanRequest(
        scan_in.id, scan_in.ticket, scan_in.operation, scan_in.worker, scan_in.good, scan_in.defects, source="api",
        confirm=scan_in.confirm, zone=workshop_zone())))
    return api_answer(outputs.Scan if status < 300 else outputs.FieldErrors if status == 422 else outputs.Refusal,
                      body, status)


@bp.post("/scans/<path:client_id>/reverse")
@owner_required
def scan_reverse(client_id: str):
    """Reverse a scan with {"reason"}, or correct it with {"reason", "worker", "good", "defects"}:
    201, 200 for the same request again."""
    reverse_in, errors = validate_json(ReverseIn, request.get_json(silent=True))
    if errors:
        return api_answer(outputs.FieldErrors, {"errors": errors}, 422)
    outcome = reverse_scan(client_id=client_id, reason=reverse_in.reason, user_id=g.user.id,
                           now=utcnow(), correction=reverse_in.correction())
    if not outcome.ok:
        body, status = answer(outcome)
        return api_answer(outputs.FieldErrors if status == 422 else outputs.Refusal, body, status)
    return api_answer(outputs.Reversal, outcome.reversal_json(), outcome.status)
