"""The production tracker: `create_app()` builds the Flask app for a workshop."""
from __future__ import annotations

import logging
import os
import sys
from typing import Mapping

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.routing import BaseConverter, IntegerConverter

from factory.config import check_config, instance_secret, settings_from_env
from factory.data import db
from factory.web import access, audit, compression, i18n, pages, pay_words, security

csrf = CSRFProtect()
log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: Mapping | None = None) -> Flask:
    """Build the app from the environment, or from `test_config` laid over it."""
    app = Flask(__name__, instance_path=os.path.join(ROOT, "instance"),
                template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"))
    app.config.update(settings_from_env())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY") and app.config.get("FACTORY_ENV") != "production":
        app.config["SECRET_KEY"] = instance_secret(app.config["SECRET_KEY_FILE"])
    check_config(app.config)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # not the host: BASE_URL is set

    db.init_app(app)
    i18n.init_app(app)
    pay_words.init_app(app)
    csrf.init_app(app)
    pages.init_app(app)
    access.init_app(app)
    audit.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    _register_blueprints(app)
    _register_errors(app)

    from factory import cli
    cli.init_app(app)

    if app.config["SCHEMA_CHECK"]:
        _guard_schema(app)
    return app


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a row id fits the database's 32-bit integer, so a larger
    number in a URL is a plain 404 rather than an overflow (500) in the database driver."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2 ** 31 - 1)
        super().__init__(map, *args, **kwargs)


class OrderNumber(BaseConverter):
    """`<order_number:...>` in the API: any path segment but `assess`, which is
    /api/orders/assess's own (so that URL answers only POST, as documented)."""
    regex = r"(?!assess$)[^/]+"


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    app.url_map.converters["order_number"] = OrderNumber
    from factory.api import bp as api_bp
    from factory.assess import bp as assess_bp
    from factory.auth import bp as auth_bp
    from factory.desk import bp as desk_bp
    from factory.floor import bp as floor_bp
    from factory.printing import bp as printing_bp
    from factory.staff import bp as staff_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(floor_bp)
    app.register_blueprint(printing_bp)
    app.register_blueprint(assess_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    # The API authenticates with bearer tokens, never cookies, so CSRF cannot reach it.
    csrf.exempt(api_bp)


def _register_errors(app: Flask) -> None:
    def render_error(error):
        code = getattr(error, "code", 500) or 500
        # A 405 says which methods the URL takes (HTTP requires it), as werkzeug's own page would.
        headers = {"Allow": ", ".join(sorted(error.valid_methods))} if getattr(error, "valid_methods", None) else {}
        if request.path.startswith("/api/"):
            return {"error": i18n.error_title(code), "status": code}, code, headers
        # Only our own words reach the page: a 503's description is ours (the database is busy);
        # werkzeug's descriptions are English, so the others get what to do next instead.
        detail = error.description if code == 503 else i18n.error_help(code, request.path)
        return render_template("error.html", code=code, title=i18n.error_title(code), detail=detail), code, headers

    for code in (400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503):
        app.register_error_handler(code, render_error)

    def busy(_error):
        # Writers waited their turn longer than a person should: say so, and nothing was written.
        body = render_error(ServiceUnavailable(i18n.busy_message()))[0]
        return body, 503, {"Retry-After": "2"}

    app.register_error_handler(db.WriteBusy, busy)


def _guard_schema(app: Flask) -> None:
    """Refuse to serve from a database that is not at the code's migration head."""
    problem = db.schema_problem(app.extensions["engine"], app.config["DATABASE_URL"])
    app.config["SCHEMA_PROBLEM"] = problem
    if problem is None:
        return
    import click
    if click.get_current_context(silent=True) is None:
        # A WSGI server started on an unmigrated database: say so where its operator looks. The
        # flask commands deal with the schema themselves (serve and migrate upgrade it first).
        print(f"error: {problem}", file=sys.stderr)

    @app.before_request
    def refuse():
        # CLI commands (migrate among them) never pass through here; `serve` clears the problem
        # once it has migrated.
        problem = app.config.get("SCHEMA_PROBLEM")
        if problem:
            return render_template("error.html", code=503, title=i18n.error_title(503), detail=problem), 503
