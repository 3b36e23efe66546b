"""The database: engine per app, a session per request, the one write path, SQLite pragmas,
Alembic migrations.

Every write of the app (pages, API, CLI) goes through `write_transaction()`: the caller opens it,
data functions only add and flush, and the block's end commits (or rolls back on an exception).
On SQLite it takes the write lock up front (BEGIN IMMEDIATE) after waiting its turn at one
in-process lock and then at a file lock shared with other processes, so writers queue instead of
busy-waiting on the database file; on PostgreSQL the data functions lock the rows they check in
one fixed order (an order, then its tickets)."""
from __future__ import annotations

import os
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

try:
    import fcntl
except ImportError:  # Windows: one server process; other processes wait on SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Connections are kept (a pool the size of the server's threads): opening one costs its
        # pragmas, and closing the last one folds the WAL into the file (a checkpoint with fsyncs),
        # which on every request cost more than the scan itself.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               poolclass=QueuePool, pool_size=8, max_overflow=16, pool_timeout=30)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Autocommit at the driver level: SQLAlchemy's "begin" event below issues BEGIN itself,
        # so a write transaction can take the lock up front (BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed scan survives a power cut, not only a crashed process.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "")
        if mode != SINGLE_STATEMENT:
            connection.exec_driver_sql(f"BEGIN {mode}".strip())


SINGLE_STATEMENT = "single statement"


@contextmanager
def single_read_connection() -> Iterator[Connection]:
    """A pooled connection for one read outside any transaction (the API's token check before each
    request): the statement is its own snapshot, with no BEGIN before it and no ROLLBACK after
    (on SQLite the driver runs it in autocommit; on PostgreSQL the connection is in AUTOCOMMIT).
    Two statements on it may see different moments: use it for one read. Never write on it: a write
    would commit at once, outside write_transaction() and SQLite's writer turn."""
    eng = engine()
    options = {"sqlite_begin": SINGLE_STATEMENT} if eng.dialect.name == "sqlite" else {"isolation_level": "AUTOCOMMIT"}
    with eng.connect().execution_options(**options) as connection:
        yield connection


def init_app(app: Flask) -> None:
    """Bind an engine to the app and close the request's session at teardown."""
    app.extensions["engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


# How long a write waits for its turn before the request answers 503 "busy, try again".
WRITE_WAIT_SECONDS = 30.0


class WriteBusy(Exception):
    """The database stayed busy with other writes for longer than a request should wait."""


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(eng: Engine) -> threading.Lock:
    """One lock per SQLite file in this process: its writers take turns here, first come first served."""
    key = str(eng.url)
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


class _FileTurn:
    """The SQLite file's writer turn between processes (a second server process, a CLI command):
    an exclusive `flock` on `<database>-writer`, taken by the one writer of this process that holds
    the in-process lock, before BEGIN IMMEDIATE. A waiting process sleeps in the kernel and is woken
    when the lock is let go, instead of polling the database file on SQLite's busy timeout, whose
    growing sleeps (up to 100 ms a try) gave the long tails; a process that dies lets go of it.
    Opened once per process (a descriptor shared over a fork would make both one holder)."""

    _open: weakref.WeakKeyDictionary[Engine, tuple[int, int, weakref.finalize]] = weakref.WeakKeyDictionary()

    @classmethod
    def descriptor(cls, eng: Engine) -> int | None:
        path = eng.url.database
        if fcntl is None or not path or path == ":memory:" or path.startswith("file:"):
            return None
        with _writer_locks_guard:
            held = cls._open.get(eng)
            if held is not None and held[0] == os.getpid():
                return held[1]
            if held is not None:  # inherited over a fork: the parent keeps its own
                held[2].detach()  # (its closing must not close a number this process reuses)
                os.close(held[1])
            fd = os.open(f"{os.path.abspath(path)}-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            cls._open[eng] = (os.getpid(), fd, weakref.finalize(eng, os.close, fd))
            return fd

    @staticmethod
    def take(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits in the kernel, the GIL let go

    @staticmethod
    def let_go(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def write_transaction(bind: Engine | None = None) -> Iterator[Session]:
    """The one way to write: a transaction that holds the write lock from its first statement and
    commits when the block ends (rolls back if it raises). Data functions never commit.

    In a request it is the request's own session: any read snapshot is ended first (so whatever
    the write checks is read under the lock, and objects loaded before are reloaded), and reads
    after the block see the write. With `bind` (or outside a request) it is a session of its own.
    On SQLite this is BEGIN IMMEDIATE behind an in-process lock, so writers take turns in order and
    never fail with "database is locked" because another one committed first; other processes (a
    CLI command, a second server process) are waited for at the file's writer turn (_FileTurn),
    and programs that do not take it by SQLite's busy timeout. On PostgreSQL, data
    functions lock the rows they check (SELECT ... FOR UPDATE), always an order before its tickets.
    A write_transaction inside another one joins it.
    """
    own = bind is not None or not has_app_context()
    session = Session(bind or engine(), expire_on_commit=False) if own else get_session()
    if session.info.get("writing"):
        yield session
        return
    eng = session.get_bind()
    lock = _writer_lock(eng) if eng.dialect.name == "sqlite" else None
    if lock is not None and not lock.acquire(timeout=WRITE_WAIT_SECONDS):
        raise WriteBusy()
    turn = None
    try:
        if lock is not None and (turn := _FileTurn.descriptor(eng)) is not None:
            _FileTurn.take(turn)
    except BaseException:
        lock.release()
        raise
    session.info["writing"] = True
    try:
        session.rollback()
        if lock is not None:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("writing", None)
        if turn is not None:
            _FileTurn.let_go(turn)
        if lock is not None:
            lock.release()
        if own:
            session.close()


# --- writing together: one commit for the scans that arrive at the same moment -----------------

T = TypeVar("T")


@dataclass(eq=False)
class _Job:
    work: Callable[[Session], Any]
    taken: bool = False
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class _Combiner:
    """Writers of one SQLite file that arrive while a transaction is running wait here; the first
    of them then runs all the waiting work in one transaction and commits once: one fsync for many
    scans instead of one each (group commit). Every caller returns only after the commit that holds
    its write, so an answered scan is as durable as before (synchronous=FULL). If any piece raises
    (or the commit fails), the whole transaction is rolled back and each piece runs again in a
    transaction of its own, so one failure touches nothing of the others."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.queue: list[_Job] = []
        self.leading = False

    def run(self, eng: Engine, work: Callable[[Session], T]) -> T:
        job = _Job(work)
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        with self.cond:
            self.queue.append(job)
            while self.leading and not job.done:
                left = deadline - time.monotonic()
                if left <= 0 and not job.taken:
                    self.queue.remove(job)
                    raise WriteBusy()
                self.cond.wait(timeout=max(left, 0.05))
            if not job.done:
                self.leading = True
                batch, self.queue = self.queue, []
                for queued in batch:
                    queued.taken = True
        if not job.done:
            try:
                self._commit(eng, batch)
            except BaseException as error:  # interrupted: no waiting caller may take this for success
                for queued in batch:
                    if not queued.done:
                        queued.result, queued.error = None, queued.error or error
                raise
            finally:
                with self.cond:
                    for queued in batch:
                        queued.done = True
                    self.leading = False
                    self.cond.notify_all()
        if job.error is not None:
            raise job.error
        return job.result

    @staticmethod
    def _commit(eng: Engine, batch: list[_Job]) -> None:
        if len(batch) > 1:
            try:
                with write_transaction(eng) as session:
                    results = [queued.work(session) for queued in batch]
            except Exception:
                pass  # one of them raised, or the commit failed: nothing was written; one by one below
            else:
                for queued, result in zip(batch, results):
                    queued.result = result
                return
        for queued in batch:
            try:
                with write_transaction(eng) as session:
                    queued.result = queued.work(session)
            except Exception as error:
                queued.result, queued.error = None, error


_combiners: dict[str, _Combiner] = {}


def write_together(eng: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` in a write transaction, committed before this returns. On SQLite, work that
    arrives while another transaction runs shares the next commit with the other waiting work
    (see _Combiner); on PostgreSQL each runs in its own transaction (rows are locked, writers run
    side by side). `work` only adds and flushes, like every data function; what it raises is
    raised here and nothing of it was written."""
    if eng.dialect.name != "sqlite":
        with write_transaction(eng) as session:
            return work(session)
    with _writer_locks_guard:
        combiner = _combiners.setdefault(str(eng.url), _Combiner())
    return combiner.run(eng, work)

# --- the board's data version ----------------------------------------------------------------

# The tables whose rows the production board shows: orders and their tickets and scans, products
# and routes, the capacity and calendar its plan uses, the shifts and threshold of its stuck list.
BOARD_TABLES = frozenset({"production_order", "order_line", "ticket", "scan", "product", "operation", "work_center",
                          "workday", "holiday", "shift", "board_state"})
BUMP = text("INSERT INTO board_state (id, version, stuck_hours) VALUES (1, 2, 4.0) "
            "ON CONFLICT (id) DO UPDATE SET version = board_state.version + 1")


@event.listens_for(Session, "after_flush")
def _note_board_rows(session: Session, _context) -> None:
    """A flush that added, changed or deleted rows the board shows marks the transaction."""
    if not session.info.get("board_changed") and any(
            getattr(obj, "__tablename__", None) in BOARD_TABLES
            for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["board_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_board_statements(state) -> None:
    """So do INSERT/UPDATE/DELETE statements on those tables (e.g. saving the shift hours)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in BOARD_TABLES:
            state.session.info["board_changed"] = True


@event.listens_for(Session, "before_commit")
def _bump_board_version(session: Session) -> None:
    """Every commit that changed what the board shows bumps the data version, in the same
    transaction: a poll that finds the version it was given answers 304 before planning anything."""
    session.flush()  # commit flushes after this event: mark what is still pending first
    if session.info.pop("board_changed", False):
        session.execute(BUMP)


@event.listens_for(Session, "after_rollback")
def _forget_board_rows(session: Session) -> None:
    session.info.pop("board_changed", None)


# --- migrations -----------------------------------------------------------------------------

def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(eng: Engine) -> str | None:
    with eng.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def schema_problem(eng: Engine, url: str) -> str | None:
    """None when the database is at the code's migration head, else a message saying what to do."""
    current = current_revision(eng)
    head = head_revision(url)
    if current == head:
        return None
    shown = eng.url.render_as_string(hide_password=True)
    if current is None:
        return (f"The database {shown} has not been set up yet. "
                "Run `flask --app app migrate` (or `make run`, which does it for you).")
    return (f"The database {shown} is at schema revision {current}, this version of the app needs {head}. "
            "Back it up, then run `flask --app app migrate`.")
