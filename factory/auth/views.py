"""Views for the owner's login, the worker's badge link and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from factory.auth import bp
from factory.data.db import get_session, write_transaction
from factory.data.people import authenticate_owner, end_owner_sessions
from factory.data.workforce import worker_by_badge
from factory.domain.refusal import Refused
from factory.web.access import sign_in_owner, sign_in_worker
from factory.web.i18n import COOKIE, LANGUAGES
from factory.web.refusals import errors as refusal_errors
from factory.web.security import limit_attempts


def _safe_next(default: str) -> str:
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.netloc:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The owner signs in with username and password."""
    errors = {}
    if request.method == "POST":
        limit_attempts(current_app, f"login:{request.remote_addr}", limit=10, window=60)
        user, refusals = authenticate_owner(session=get_session(), username=request.form.get("username", ""),
                                            password=request.form.get("password", ""),
                                            production=current_app.config["FACTORY_ENV"] == "production")
        errors = refusal_errors(Refused(*refusals)) if refusals else {}
        if user:
            sign_in_owner(user)
            return redirect(_safe_next(url_for("desk.board")))
    return render_template("auth/login.html", errors=errors,
                           username=request.form.get("username", "")), 422 if errors else 200


@bp.post("/logout")
def logout():
    """Sign out whoever is signed in on this browser; the owner's sign-out ends every owner
    session (a copied cookie too), since cookies themselves cannot be called back."""
    if g.get("user") is not None:
        with write_transaction() as write:
            end_owner_sessions(session=write, user_id=g.user.id)
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))


@bp.route("/w/<token>", methods=["GET", "POST"])
def badge(token: str):
    """A worker's badge link: signs this phone in as that worker; a phone signed in as someone
    else asks first (a colleague's badge scanned by mistake must not move the pieces)."""
    limit_attempts(current_app, f"badge:{request.remote_addr}", limit=30, window=60)
    worker = worker_by_badge(session=get_session(), token=token)
    if worker is None:
        abort(404)
    current = g.get("worker")
    if request.method == "GET" and current is not None and current.id != worker.id:
        return render_template("auth/switch_worker.html", current=current, new=worker)
    if current is None or current.id != worker.id:
        # Only a change of worker writes the session (and so sends its cookie): the worker's own
        # badge scanned again changes nothing, so its answer cannot undo a later switch.
        sign_in_worker(worker)
    return redirect(url_for("floor.my_day"))


@bp.get("/lang/<code>")
def language(code: str):
    """Switch the page language and go back where the person was."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(_safe_next(url_for("auth.login")))
    response.set_cookie(COOKIE, code, max_age=400 * 24 * 3600, samesite="Lax", httponly=True)
    return response
