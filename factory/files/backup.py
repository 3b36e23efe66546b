"""Backups and exports: a consistent copy of a running database, and every table as JSON.

Both are created readable by their owner only (0600): a backup holds the workers' badge tokens
and the owner's password hash, and an export holds every order and wage. The export leaves the
secrets out (it is for reading elsewhere); a backup cannot, it is the database."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, MetaData, select


def backup_database(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the database to `target` while the app keeps running.

    SQLite: the online backup API copies a snapshot page by page (writers wait only briefly).
    PostgreSQL: pg_dump in its custom format (restore with pg_restore).
    """
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(target)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(engine.url.database, timeout=30)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy, pages=256)
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.close()
        finally:
            source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed (apt-get install postgresql-client)")
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={target}", url], check=True)
    return target


def _owner_only(target: Path) -> None:
    """Create (or empty) `target` with owner-only permissions before anything is written to it."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    if os.name == "posix":
        os.chmod(target, 0o600)


# Credentials: a badge token signs a phone in as that worker, the hashes open the owner's account
# to guessing and identify API tokens.
SECRET_COLUMNS = {"worker": {"badge_token"}, "app_user": {"password_hash"}, "api_token": {"token_hash"}}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # photos stay in the database backup; the export is for reading elsewhere
    return value


def export_all(engine: Engine, target: Path) -> dict[str, int]:
    """Every table as JSON lines inside one zip file; returns rows per table."""
    metadata = MetaData()
    metadata.reflect(engine)
    counts = {}
    _owner_only(target)
    with engine.connect() as connection, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            lines = []
            secret = SECRET_COLUMNS.get(table.name, set())
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
                lines.append(json.dumps({k: _plain(v) for k, v in row._mapping.items() if k not in secret},
                                        ensure_ascii=False))
            archive.writestr(f"{table.name}.jsonl", "\n".join(lines) + ("\n" if lines else ""))
            counts[table.name] = len(lines)
    return counts
