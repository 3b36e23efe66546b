"""The audit log: every change the owner makes (a page form or an API call that succeeded) and
every owner sign-in attempt, with who, what and when. Recorded in one place, after the request,
so no view can forget it; workers' scans are not in it (they are their own ledger)."""
from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, request
from sqlmodel import Session, select

from factory.data import db
from factory.data.models import AuditEntry

log = logging.getLogger(__name__)

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The workers' scans and the floor are recorded as scans, not here.
NOT_AUDITED_PREFIXES = ("floor.",)
NOT_AUDITED = {"api.scans", "static", "auth.badge"}
# Asking is not changing: these POST routes only compute an answer.
READ_ONLY = {"api.feasibility", "api.assess_order", "desk.order_import"}
SECRET_FIELDS = {"csrf_token", "password", "password_confirm", "new_password", "token"}
VALUE_LIMIT = 200
DETAIL_LIMIT = 4000
# A sign-in attempt may come from anybody: only the fields the login form has, cut short.
LOGIN_FIELDS = {"username": 80, "next": 200}


def init_app(app: Flask) -> None:
    app.after_request(record)


def submitted_fields(form: dict, files: dict, body: object) -> dict:
    """What was submitted, for the log: secrets left out, long values cut, files by name."""
    out: dict = {}
    for key, values in form.items():
        if key in SECRET_FIELDS:
            continue
        cut = [v[:VALUE_LIMIT] for v in values]
        out[key] = cut[0] if len(cut) == 1 else cut
    for key, names in files.items():
        out[key] = [f"file:{n[:VALUE_LIMIT]}" for n in names if n]
    if isinstance(body, dict):
        out.update({k: v for k, v in body.items() if k not in SECRET_FIELDS})
    return out


def detail_json(fields: dict) -> str:
    text = json.dumps(fields, ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT - 1] + "…"


def should_record(*, method: str, endpoint: str | None, status: int, is_owner: bool) -> bool:
    if method not in CHANGING or not endpoint:
        return False
    if endpoint == "auth.login":
        # Every attempt whose password was checked, failed ones too; not the ones refused before
        # that (no CSRF token: 400, too many: 429), or a stranger could fill the log at will.
        return status in (302, 422)
    if endpoint in NOT_AUDITED or endpoint in READ_ONLY or endpoint.startswith(NOT_AUDITED_PREFIXES):
        return False
    return is_owner and status < 400


def record(response: Response) -> Response:
    if request.method not in CHANGING or request.endpoint in NOT_AUDITED:
        return response  # never logged, whoever asks (a scan through the API): the user is not read
    user = g.get("user")
    is_owner = user is not None and user.role == "owner"
    if not should_record(method=request.method, endpoint=request.endpoint, status=response.status_code,
                         is_owner=is_owner):
        return response
    try:
        if request.endpoint == "auth.login":
            fields = {k: request.form.get(k, "")[:limit] for k, limit in LOGIN_FIELDS.items() if k in request.form}
        else:
            body = request.get_json(silent=True) if request.is_json else None
            fields = submitted_fields(request.form.to_dict(flat=False),
                                      {k: [f.filename or "" for f in request.files.getlist(k)] for k in request.files},
                                      body)
        # What a change did beyond its form (a reopened pay period: the totals that moved).
        fields.update(g.get("audit_detail") or {})
        username = user.username if is_owner else request.form.get("username", "")[:80]
        entry = AuditEntry(user_id=user.id if is_owner else None, username=username,
                           via="api" if g.get("via_token") else "web", action=request.endpoint[:80],
                           path=request.full_path.rstrip("?")[:300], status=response.status_code,
                           detail=detail_json(fields), remote_addr=(request.remote_addr or "")[:64])
        # A transaction of its own, after the change's: the entry is written even when the
        # request's own session has moved on.
        with db.write_transaction(db.engine()) as session:
            session.add(entry)
    except Exception:  # the change itself is done; a failed log line must not turn it into an error
        log.exception("audit: could not record %s %s", request.method, request.path)
    return response


def recent_entries(*, session: Session, limit: int = 100, before: int | None = None,
                   action: str = "") -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before and 0 < before < 2 ** 31:
        query = query.where(AuditEntry.id < before)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query))
