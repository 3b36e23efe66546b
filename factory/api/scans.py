"""JSON API for scans: the same rules and the same code path as the ticket page."""
from __future__ import annotations

from flask import request

from factory.web.access import owner_required
from factory.api import bp, outputs
from factory.api.outputs import answer as api_answer

from factory.web.refusals import answer
from factory.data.models import utcnow
from factory.data.scans import ScanIn, ScanRequest, record_scan
from factory.inputs import validate


@bp.post("/scans")
@owner_required
def scans():
    """Record {"id", "ticket", "operation", "worker", "good", "defects"}: 201, or 200 for the same id again."""
    scan_in, errors = validate(ScanIn, request.get_json(silent=True))
    if errors:
        return api_answer(outputs.FieldErrors, {"errors": errors}, 422)
    body, status = answer(record_scan(now=utcnow(), request=ScanRequest(
        scan_in.id, scan_in.ticket, scan_in.operation, scan_in.worker, scan_in.good, scan_in.defects, source="api")))
    return api_answer(outputs.Scan if status < 300 else outputs.FieldErrors if status == 422 else outputs.Refusal,
                      body, status)
