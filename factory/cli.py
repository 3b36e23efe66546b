"""Command line: migrate, demo data, owner accounts, API tokens, and the server itself."""
from __future__ import annotations

import gc
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import Session, select

from factory.data import db
from factory.data.app_settings import phone_address
from factory.data.demo import DEMO_OWNER, clear_workshop, load_demo, workshop_is_empty
from factory.data.floor import recount_bundle_progress
from factory.data.models import User, Worker
from factory.data.people import create_owner
from factory.web.access import issue_api_token
from factory.web.links import lan_addresses
from factory.web.workshop_time import workshop_today


def init_app(app: Flask) -> None:
    for command in (migrate_command, demo_command, create_owner_command, api_token_command, serve_command,
                    backup_command, export_command, recount_command):
        app.cli.add_command(command)


def _session() -> Session:
    """A session for reading."""
    return Session(current_app.extensions["engine"], expire_on_commit=False)


def _writing():
    """The one write path, for a command: commits when the block ends."""
    return db.write_transaction(current_app.extensions["engine"])


@click.command("recount")
@with_appcontext
def recount_command() -> None:
    """Rebuild each bundle's sums per operation from the scans (after a restore of data only or
    a hand edit of scans); the database keeps them from then on. Pieces and pay are not changed."""
    with _writing() as session:
        rows = recount_bundle_progress(session=session)
    click.echo(f"Recounted the bundles' sums from the scans: {rows} rows.")


@click.command("migrate")
@with_appcontext
@click.option("--revision", default="head", help="Target revision (default: the newest).")
def migrate_command(revision: str) -> None:
    """Create or upgrade the database schema; existing data is kept."""
    db.upgrade(current_app.config["DATABASE_URL"], revision)
    current_app.config["SCHEMA_PROBLEM"] = None
    click.echo(f"Database at revision {db.current_revision(current_app.extensions['engine'])}.")


@click.command("demo")
@with_appcontext
@click.option("--reset", is_flag=True, help="Delete everything first and start over.")
def demo_command(reset: bool) -> None:
    """Load the demo knitting workshop (refused in production)."""
    if current_app.config["FACTORY_ENV"] == "production":
        raise click.ClickException("The demo workshop is not loaded when FACTORY_ENV=production.")
    with _writing() as session:
        if reset:
            clear_workshop(session=session)
        elif not workshop_is_empty(session=session):
            raise click.ClickException("The database already has a workshop. Use --reset to replace it.")
        demo = load_demo(session=session, today=workshop_today())
    click.echo(f"Demo workshop loaded: {len(demo.orders)} orders, {len(demo.workers)} workers, "
               f"{len(demo.scans)} scans. Owner login: {DEMO_OWNER[0]} / {DEMO_OWNER[1]}")


@click.command("create-owner")
@with_appcontext
@click.option("--username", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_owner_command(username: str, password: str) -> None:
    """Create the owner account (or set a new password)."""
    try:
        with _writing() as session:
            create_owner(session=session, username=username, password=password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Owner {username} saved.")


@click.command("api-token")
@with_appcontext
@click.argument("username")
def api_token_command(username: str) -> None:
    """Print a new API token for an owner (shown once)."""
    with _writing() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise click.ClickException(f"No user named {username}.")
        click.echo(issue_api_token(session=session, user=user))


@click.command("serve")
@with_appcontext
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 5000.")
@click.option("--demo/--no-demo", default=False, help="Load the demo workshop into an empty database.")
@click.option("--threads", type=int, default=8, show_default=True, help="Requests served at once per process.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="App processes (Linux, with PostgreSQL): more than 1 serves with gunicorn instead of waitress.")
def serve_command(host: str, port: int | None, demo: bool, threads: int, processes: int) -> None:
    """Migrate, optionally load the demo the first time, and serve: waitress (one process, any
    system) or, with --processes N, gunicorn's N processes on one port (Linux)."""
    if processes > 1 and sys.platform == "win32":
        raise click.ClickException("--processes needs Linux (gunicorn); on Windows serve one process with --threads.")
    app = current_app._get_current_object()
    port = port or app.config["PORT"]
    db.upgrade(app.config["DATABASE_URL"])
    app.config["SCHEMA_PROBLEM"] = None
    with _writing() as session:
        if demo and workshop_is_empty(session=session):
            if app.config["FACTORY_ENV"] == "production":
                raise click.ClickException("The demo workshop is not loaded when FACTORY_ENV=production.")
            load_demo(session=session, today=workshop_today())
            click.echo("Demo workshop loaded.")
        has_demo_owner = demo and app.config["FACTORY_ENV"] != "production"
    click.echo(f"Production tracker on http://localhost:{port}/")
    for address in lan_addresses():
        click.echo(f"  phones on the same Wi-Fi: http://{address}:{port}/")
    with _session() as session:
        saved = phone_address(session=session)
    printed = app.config.get("BASE_URL") or saved
    if printed:
        click.echo(f"  QR codes on paper hold: {printed} (change it on http://localhost:{port}/print/address)")
    else:
        click.echo(f"  Before printing, choose the address phones use: http://localhost:{port}/print/address")
    if has_demo_owner:
        base = printed or f"http://{(lan_addresses() or ['localhost'])[0]}:{port}"
        with _session() as session:
            for worker in session.exec(select(Worker).order_by(Worker.code).limit(3)):
                click.echo(f"  worker {worker.code} {worker.name}: {base}/w/{worker.badge_token}")
        click.echo("  (every worker's badge link: GET /api/workers, or print the badges)")
    with _session() as session:
        demo_login = demo_login_live(session=session, production=app.config["FACTORY_ENV"] == "production")
    if demo_login:
        reach = "anyone on this network" if host not in ("127.0.0.1", "localhost", "::1") else "anyone on this computer"
        click.echo(f"WARNING: the demo login {DEMO_OWNER[0]} / {DEMO_OWNER[1]} is live: {reach} can sign in as the "
                   f"owner. Set a real password with: flask --app app create-owner --username {DEMO_OWNER[0]}")
    proxies = app.config["TRUSTED_PROXIES"]
    freeze_startup_objects()
    if processes > 1:
        serve_processes(app, host=host, port=port, processes=processes, threads=threads, proxies=proxies)
    else:
        from waitress import serve
        # waitress stops accepting at 100 open connections by default; phones and browsers keep
        # idle ones open for minutes, so a busy workshop could reach it and new phones would hang.
        # Behind a proxy, waitress must leave X-Forwarded-For/-Proto in place: it drops them by
        # default, and ProxyFix (create_app) is the one place that reads them.
        serve(app, host=host, port=port, threads=threads, ident="factory", connection_limit=500,
              clear_untrusted_proxy_headers=not proxies)


def freeze_startup_objects() -> None:
    """Put everything made before serving (modules, the app, caches) out of the garbage collector's
    reach, so a full collection during a request walks only what requests made. The floor's reads
    make tens of thousands of objects each; their collections went over the ~170,000 objects the
    app holds from its start and cost 40-80 ms a read (docs/benchmarks.md). Before gunicorn forks,
    it also keeps those pages shared between the processes. Once, just before serving: never in
    create_app (tests make many apps in one process)."""
    gc.collect()
    gc.freeze()


def demo_login_live(*, session: Session, production: bool) -> bool:
    """Whether the demo owner can sign in with the demo password (never in production)."""
    from werkzeug.security import check_password_hash
    user = session.exec(select(User).where(User.username == DEMO_OWNER[0])).first()
    return not production and user is not None and check_password_hash(user.password_hash, DEMO_OWNER[1])


def serve_processes(app: Flask, *, host: str, port: int, processes: int, threads: int, proxies: int = 0) -> None:
    """Serve with gunicorn: a master process that keeps `processes` forked copies of the app
    running on one listening socket (a crashed one is replaced), each with `threads` threads."""
    from gunicorn.app.base import BaseApplication

    # Connections opened above (migration, demo) must not be shared by the forked processes.
    app.extensions["engine"].dispose()

    class Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": processes, "threads": threads,
                               "worker_class": "gthread", "proc_name": "factory",
                               "post_fork": lambda _server, _worker: app.extensions["engine"].dispose(close=False),
                               # gunicorn 24+: no control socket in $HOME (nothing here uses it)
                               "control_socket_disable": True,
                               # Behind a proxy its X-Forwarded-Proto counts wherever the proxy runs;
                               # X-Forwarded-For is read by ProxyFix (create_app) as with waitress.
                               **({"forwarded_allow_ips": "*"} if proxies else {})}.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return app

    Gunicorn().run()


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str | None) -> None:
    """Write a consistent copy of the database while the app keeps running."""
    from datetime import datetime
    from pathlib import Path

    from factory.files.backup import backup_database
    engine = current_app.extensions["engine"]
    suffix = "db" if engine.dialect.name == "sqlite" else "dump"
    path = Path(target or Path(current_app.instance_path) / "backups" /
                f"factory-{datetime.now():%Y%m%d-%H%M%S}.{suffix}")
    click.echo(f"Backup written to {backup_database(engine, path)}")


@click.command("export")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def export_command(target: str) -> None:
    """Export every table as JSON lines in a zip file."""
    from pathlib import Path

    from factory.files.backup import export_all
    counts = export_all(current_app.extensions["engine"], Path(target))
    click.echo(f"Exported {sum(counts.values())} rows from {len(counts)} tables to {target}")
