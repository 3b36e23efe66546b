"""JSON API for scans: the same rules and the same code path as the ticket page."""
from __future__ import annotations

from flask import g, request

from factory.web.access import owner_required
from factory.api import bp
from factory.data.db import engine
from factory.web.refusals import answer
from factory.data.models import utcnow
from factory.data.scans import ReverseIn, ScanIn, ScanRequest, record_scan, reverse_scan
from factory.inputs import validate
from factory.web.workshop_time import workshop_zone


@bp.post("/scans")
@owner_required
def scans():
    """Record {"id", "ticket", "operation", "worker", "good", "defects"}: 201, or 200 for the same id again."""
    scan_in, errors = validate(ScanIn, request.get_json(silent=True))
    if errors:
        return answer(None, errors)
    return answer(record_scan(engine=engine(), now=utcnow(), request=ScanRequest(
        scan_in.id, scan_in.ticket, scan_in.operation, scan_in.worker, scan_in.good, scan_in.defects, source="api",
        confirm=scan_in.confirm, zone=workshop_zone())))


@bp.post("/scans/<path:client_id>/reverse")
@owner_required
def scan_reverse(client_id: str):
    """Reverse a scan with {"reason"}, or correct it with {"reason", "worker", "good", "defects"}:
    201, 200 for the same request again."""
    reverse_in, errors = validate(ReverseIn, request.get_json(silent=True))
    if errors:
        return answer(None, errors)
    outcome = reverse_scan(engine=engine(), client_id=client_id, reason=reverse_in.reason, user_id=g.user.id,
                           now=utcnow(), correction=reverse_in.correction())
    if not outcome.ok:
        return answer(outcome)
    return outcome.reversal_json(), outcome.status
