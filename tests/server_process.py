"""The real server as a separate process (`flask --app app serve`), and phones that post scans to
it and keep retrying the same scan id until they get an answer, for the crash and backup tests."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask_env(database_url: str) -> dict:
    return dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret-for-the-server-process",
                FACTORY_ENV="production")


class Server:
    """`flask --app app serve` on a loopback port, in its own process group so that a kill takes
    every process it started (gunicorn's too), as a power cut or the OOM killer would."""

    def __init__(self, database_url: str, log_path: Path, processes: int = 1, env: dict | None = None,
                 args: tuple[str, ...] = ()):
        self.database_url, self.log_path, self.processes = database_url, log_path, processes
        self.env, self.args = env or {}, args
        self.port, self.process = free_port(), None

    def start(self, timeout: float = 30) -> None:
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [FLASK, "--app", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", "4",
             "--processes", str(self.processes), *self.args],
            cwd=ROOT, env={**flask_env(self.database_url), **self.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited:\n{self.log_path.read_text()[-3000:]}"
            try:
                status, _ = request(self.port, "GET", "/login")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not answer in {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, requests in flight are cut off."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        # gunicorn's forked processes notice their parent is gone by themselves; wait for the port.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                return

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
            timeout: float = 15) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json", **(headers or {})})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@dataclass
class Answer:
    scan: dict
    status: int
    body: bytes
    attempts: int
    at: float


# Told each time a phone gets an answer, so a test can wait for a number of answers.
ANSWERED = threading.Condition()
# Against a hang only: a phone gives up on a scan the server has not answered in this long
# (a restart of the server takes a few seconds).
GIVE_UP_AFTER = 90.0


@dataclass
class Phone:
    """Posts scans one after another; a scan whose request fails on the connection is sent again
    with the same id until the server answers it."""
    port: int
    headers: dict
    scans: list[dict]
    answers: list[Answer] = field(default_factory=list)
    connection_errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def post(self, scan: dict) -> Answer:
        attempts, deadline = 0, time.monotonic() + GIVE_UP_AFTER
        while True:
            attempts += 1
            try:
                status, body = request(self.port, "POST", "/api/scans", scan, self.headers)
                return Answer(scan, status, body, attempts, time.monotonic())
            except (OSError, http.client.HTTPException):
                self.connection_errors += 1
                if time.monotonic() > deadline:
                    raise AssertionError(f"scan {scan['id']} unanswered after {attempts} attempts")
                time.sleep(0.05)

    def run(self) -> None:
        for scan in self.scans:
            if self.stop.is_set():
                return
            answer = self.post(scan)
            with ANSWERED:
                self.answers.append(answer)
                ANSWERED.notify_all()


def answered(phones: list[Phone]) -> int:
    return sum(len(p.answers) for p in phones)


def wait_for_answers(phones: list[Phone], count: int, timeout: float = 60) -> bool:
    """Wait until the phones together have had `count` answers; False if that took over `timeout`
    seconds (a deadline against a hang, not a measure of the load)."""
    with ANSWERED:
        return ANSWERED.wait_for(lambda: answered(phones) >= count, timeout)


def scans_for(tickets: list[str], worker: str, count: int, operation: str = "knitting") -> list[dict]:
    # Confirmed: a machine posting hundreds of claims a second is not a plausible worker, and says so.
    return [{"id": str(uuid.uuid4()), "ticket": tickets[n % len(tickets)], "operation": operation,
             "worker": worker, "good": 1 + n % 3, "confirm": True} for n in range(count)]


def run_phones(phones: list[Phone]) -> list[threading.Thread]:
    threads = [threading.Thread(target=p.run, daemon=True) for p in phones]
    for t in threads:
        t.start()
    return threads
