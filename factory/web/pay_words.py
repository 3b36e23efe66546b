"""What pay looks like in words: the kinds of adjustment, a correction's description naming the
scan it corrects, and the debt carried in from the period before (pages, Excel and PDF alike)."""
from __future__ import annotations

import json

from flask import Flask
from flask_babel import gettext as _


def adjustment_label(kind: str) -> str:
    return {"bonus": _("Bonus"), "deduction": _("Deduction"), "advance": _("Advance"),
            "correction": _("Correction")}.get(kind, kind)


def adjustment_reason(adjustment) -> str:
    """The owner's reason, or for a correction the scan it names and the rate it is priced at."""
    scan = adjustment.scan
    if adjustment.kind != "correction" or scan is None:
        return adjustment.reason
    return _("Scan %(scan)s of %(day)s: order %(order)s bundle %(bundle)s, %(operation)s, %(pieces)s pieces "
             "at ¥%(rate)s (a closed period)", scan=scan.client_id[:12], day=scan.day.isoformat(), order=scan.order,
             bundle=scan.bundle, operation=scan.operation, pieces=adjustment.pieces, rate=adjustment.rate)


def carried_label(period_name: str | None = None) -> str:
    return _("Carried from the period before (advances larger than the pay)")


def from_json(text: str) -> dict:
    return json.loads(text) if text else {}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["from_json"] = from_json
    app.jinja_env.globals.update(adjustment_label=adjustment_label, adjustment_reason=adjustment_reason,
                                 carried_label=carried_label)
