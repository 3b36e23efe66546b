"""Load test through the real server: 200 phones on loopback open ticket pages and post scans to
a server started as in production (waitress for SQLite; 4 gunicorn processes for PostgreSQL),
then the database is checked: every scan answered 201 is stored exactly once, nothing else is.

    .venv/bin/python bench/load.py [--backend sqlite|postgresql|both] [--phones 200] [--seconds 30]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Each phone is a worker signed in with their badge, on one keep-alive connection (reopened when the
server closes it). It loops: GET a ticket page /t/<token>, POST /api/scans with a fresh uuid and
1-3 good pieces, and one time in ten POST the same scan again (expecting 200 and the same body).
A request that fails on the connection is sent again, with the same id, until it is answered.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from factory.config import normalise_database_url  # noqa: E402
from factory.data import db  # noqa: E402
from factory.data.models import Ticket, Worker, WorkerWorkCenter  # noqa: E402
from factory.data.orders import create_order  # noqa: E402
from factory.data.people import create_owner  # noqa: E402
from factory.inputs import OrderIn  # noqa: E402
from factory.web.access import issue_api_token  # noqa: E402
from tests.workshop_data import make_workshop  # noqa: E402

ORDERS, BUNDLES, BUNDLE_SIZE = 4, 500, 200


# --- the workshop ---------------------------------------------------------------------------------

def seed(url: str, phones: int) -> dict:
    """Migrate and seed: 4 orders of 500 bundles of 200 pieces, a knitter per phone, an API token."""
    db.upgrade(url)
    engine = db.make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        shop = make_workshop(session=session, today=date.today())
        workers = [Worker(code=f"P{n:03}", name=f"phone {n}") for n in range(phones)]
        session.add_all(workers)
        session.flush()
        session.add_all(WorkerWorkCenter(worker_id=w.id, work_center_id=shop.knitting.id) for w in workers)
        session.commit()
        for n in range(ORDERS):
            create_order(session=session, order_in=OrderIn(
                customer=f"load {n}", product="SCARF", quantity=BUNDLES * BUNDLE_SIZE,
                due=date.today() + timedelta(days=60), bundle_size=BUNDLE_SIZE))
        tickets = list(session.exec(select(Ticket.token).where(Ticket.order_id != shop.order.id)))
        owner = create_owner(session=session, username="bench", password="bench-password-long")
        token = issue_api_token(session=session, user=owner)
        session.commit()
        badges = [(w.code, w.badge_token) for w in workers]
    engine.dispose()
    return {"tickets": tickets, "token": token, "badges": badges}


def stored_scans(url: str) -> list[tuple[str, int]]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT client_id, good FROM scan")).all()
    engine.dispose()
    return [(c, g) for c, g in rows]


# --- the server -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, processes: int, threads: int, log) -> subprocess.Popen:
    """`flask --app app serve` in production mode, as the workshop would run it."""
    env = dict(os.environ, DATABASE_URL=url, FACTORY_ENV="production", SECRET_KEY=secrets.token_urlsafe(32))
    command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--threads", str(threads), "--processes", str(processes)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start in 60 s")


# --- a phone ------------------------------------------------------------------------------------------

class Phone:
    """One HTTP/1.1 keep-alive connection with a cookie jar (enough for this app's answers)."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies, self.reader, self.writer = port, address, {}, None, None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        """(status, body); reconnects once when the server closed the idle connection."""
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port,
                                                                         local_addr=(self.address, 0))
            head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            if self.cookies:
                head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            try:
                self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                return await self._answer()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError

    async def _answer(self):
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                closing = True
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if chunked:
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.readexactly(length)
        if closing:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tally:
    def __init__(self):
        self.latency = defaultdict(list)      # request type -> seconds
        self.statuses = defaultdict(Counter)  # request type -> status -> count
        self.acknowledged = {}                # client id -> (good, first body) for 201 answers
        self.replayed = {}                    # client id -> good, first answer 200 (earlier attempt lost)
        self.retry_mismatch = 0
        self.connection_errors = 0


async def phone_loop(phone: Phone, *, code: str, badge: str, tickets: list[str], token: str, until: float,
                     tally: Tally, rng: random.Random) -> None:
    status, _ = await phone.request("GET", f"/w/{badge}")
    assert status in (302, 303), f"badge sign-in answered {status}"
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def timed(kind: str, method: str, path: str, body: bytes = b"", headers=None):
        while True:  # a phone retries until it gets an answer (the same request, the same id)
            started = time.perf_counter()
            try:
                status, answer = await phone.request(method, path, body, headers)
            except (OSError, asyncio.IncompleteReadError):
                tally.connection_errors += 1
                await asyncio.sleep(0.2)
                continue
            tally.latency[kind].append(time.perf_counter() - started)
            tally.statuses[kind][status] += 1
            return status, answer

    while time.perf_counter() < until:
        ticket = rng.choice(tickets)
        await timed("ticket page", "GET", f"/t/{ticket}")
        good = rng.randint(1, 3)
        scan_id = str(uuid.uuid4())
        body = json.dumps({"id": scan_id, "ticket": ticket, "operation": "knitting", "worker": code,
                           "good": good}).encode()
        status, answer = await timed("scan", "POST", "/api/scans", body, api)
        if status == 201:
            tally.acknowledged[scan_id] = (good, answer)
        elif status == 200:
            tally.replayed[scan_id] = good
        if rng.random() < 0.1:
            again, answer_again = await timed("scan retry", "POST", "/api/scans", body, api)
            if status in (200, 201) and (again != 200 or answer_again != answer):
                tally.retry_mismatch += 1
    phone.close()


async def drive(port: int, seeded: dict, phones: int, seconds: float, seed_value: int = 7) -> tuple[Tally, float]:
    tally, rng = Tally(), random.Random(seed_value)
    started = time.perf_counter()
    until = started + seconds
    # Each phone has its own address (any 127.x.y.z reaches loopback), as on the workshop's Wi-Fi:
    # the badge sign-in is rate-limited per address.
    await asyncio.gather(*(phone_loop(Phone(port, f"127.0.{1 + n // 250}.{1 + n % 250}"), code=code, badge=badge,
                                      tickets=seeded["tickets"], token=seeded["token"], until=until, tally=tally,
                                      rng=random.Random(rng.random()))
                           for n, (code, badge) in enumerate(seeded["badges"][:phones])))
    return tally, time.perf_counter() - started


# --- report -----------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def report(name: str, tally: Tally, elapsed: float, stored: list[tuple[str, int]]) -> bool:
    total = sum(len(v) for v in tally.latency.values())
    new_scans = tally.statuses["scan"][201]
    print(f"{name}: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} requests/s, "
          f"{new_scans / elapsed:.0f} scans/s stored")
    print(f"  {'request':12} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for kind, values in tally.latency.items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses[kind].items()))
        print(f"  {kind:12} {len(values):7} {len(values) / elapsed:7.0f} {percentile(values, 0.5):8.1f} "
              f"{percentile(values, 0.95):8.1f} {percentile(values, 0.99):8.1f}  {statuses}")
    expected_codes = {"ticket page": {200}, "scan": {201}, "scan retry": {200}}
    errors = {f"{kind} {s}": n for kind, c in tally.statuses.items() for s, n in c.items()
              if s not in expected_codes.get(kind, set())}
    print(f"  unexpected statuses: {errors or 'none'}; connection errors (retried): {tally.connection_errors}; "
          f"retries not answered 200 with the first body: {tally.retry_mismatch}")
    counts = Counter(c for c, _ in stored)
    stored_good = dict(stored)
    answered = set(tally.acknowledged) | set(tally.replayed)
    missing = [c for c in tally.acknowledged if counts[c] != 1]
    twice = [c for c, n in counts.items() if n > 1]
    unasked = [c for c in counts if c not in answered]
    wrong_good = [c for c, (g, _) in tally.acknowledged.items() if stored_good.get(c) != g]
    ok = not (missing or twice or unasked or wrong_good or tally.retry_mismatch or errors)
    print(f"  database: {len(stored)} scans stored, {len(tally.acknowledged)} answered 201 "
          f"(+{len(tally.replayed)} first answered 200); not stored once: {len(missing)}, stored twice: "
          f"{len(twice)}, stored but never acknowledged: {len(unasked)}, wrong pieces: {len(wrong_good)} "
          f"-> {'OK' if ok else 'FAILED'}")
    return ok


def run_backend(backend: str, args) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            url, processes, threads, admin, name = f"sqlite:///{folder}/load.db", 1, args.threads, None, None
        else:
            base = normalise_database_url(args.pg_url)
            name = "factory_bench_load"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url, processes, threads = base.rsplit("/", 1)[0] + "/" + name, args.processes, args.pg_threads
        try:
            seeded = seed(url, args.phones)
            port = free_port()
            with open(Path(folder) / "server.log", "w+") as log:
                server = start_server(url, port, processes, threads, log)
                try:
                    tally, elapsed = asyncio.run(drive(port, seeded, args.phones, args.seconds))
                finally:
                    server.terminate()
                    server.wait(30)
                log.seek(0)
                problems = [line for line in log if "Traceback" in line or "ERROR" in line or "WARNING" in line]
            server_kind = "waitress" if processes == 1 else f"gunicorn {processes} processes"
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            ok = report(f"{backend} ({server_kind} x {threads} threads, {args.phones} phones)",
                        tally, elapsed, stored_scans(url))
            if problems:
                print(f"  server log: {len(problems)} warnings/errors, first: {problems[0].strip()}")
            return ok
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (SQLite) [8]")
    parser.add_argument("--processes", type=int, default=4, help="gunicorn processes (PostgreSQL) [4]")
    parser.add_argument("--pg-threads", type=int, default=4, help="threads per gunicorn process [4]")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL",
                                                          "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL database to connect to; the bench creates and drops its own beside it")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"{os.cpu_count()} cores, load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(the phones, the server and anything else running share these cores)")
    results = [run_backend(b, args) for b in backends]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
