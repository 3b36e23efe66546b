"""Lighthouse's scores for the worker's ticket page, "my day" and the owner's board, on a demo server.

    .venv/bin/python bench/lighthouse.py

Starts `flask --app app serve --demo` on a free port with a fresh SQLite file, signs a worker in
through their badge link and the owner through the login form, and runs Lighthouse (mobile
settings: a mid-range phone, simulated slow 4G) on each page with that sign-in's cookie. Prints
each category's score and every accessibility audit that did not pass.

Lighthouse comes from npm: `$LIGHTHOUSE` if set (the path of its CLI), else `npx --yes
lighthouse@12.8.2` (12.8.2 is the newest that runs on Node 20). Chromium: `$CHROME_PATH`, else
/usr/bin/chromium. `LIGHTHOUSE_REPORTS=folder` keeps each page's full JSON report there.
"""
from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port), DATABASE_URL=f"sqlite:///{database}", SECRET_KEY=secrets.token_hex(32),
               PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "serve", "--demo"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("the demo server did not start") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the demo server did not answer within 2 minutes")


def session_cookie(jar: http.cookiejar.CookieJar) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def worker_cookie(base: str, badge: str) -> str:
    jar = http.cookiejar.CookieJar()
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(f"{base}/w/{badge}")
    return session_cookie(jar)


def owner_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    body = urllib.parse.urlencode({"username": "owner", "password": "owner", "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=body)
    return session_cookie(jar)


def lighthouse_command() -> list[str] | None:
    if os.environ.get("LIGHTHOUSE"):
        return shlex.split(os.environ["LIGHTHOUSE"])
    if shutil.which("npx"):
        return ["npx", "--yes", "lighthouse@12.8.2"]
    return None


def run(command: list[str], url: str, cookie: str) -> dict:
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        subprocess.run(command + [url, "--quiet", "--output=json", f"--output-path={report}",
                                  f"--only-categories={','.join(CATEGORIES)}",
                                  "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                                  f"--extra-headers={json.dumps({'Cookie': cookie})}"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        if os.environ.get("LIGHTHOUSE_REPORTS"):
            name = re.sub(r"\W+", "-", urllib.parse.urlsplit(url).path).strip("-") or "board"
            shutil.copy(report, Path(os.environ["LIGHTHOUSE_REPORTS"]) / f"{name[:40]}.json")
        return json.loads(report.read_text())


def main() -> int:
    command = lighthouse_command()
    if command is None:
        print("Lighthouse cannot run here: neither $LIGHTHOUSE nor npx (Node.js) is available.")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        database, port = Path(folder) / "demo.db", free_port()
        server = start_server(database, port)
        try:
            base = f"http://127.0.0.1:{port}"
            with sqlite3.connect(database) as db:
                badge = db.execute("SELECT badge_token FROM worker WHERE code = 'W01'").fetchone()[0]
                ticket = db.execute("SELECT t.token FROM ticket t JOIN production_order o ON o.id = t.order_id "
                                    "WHERE o.status = 'accepted' AND t.voided_at IS NULL "
                                    "ORDER BY o.id, t.bundle_no").fetchone()[0]
            worker, owner = worker_cookie(base, badge), owner_cookie(base)
            pages = [("ticket page (worker)", f"{base}/t/{ticket}", worker),
                     ("my day (worker)", f"{base}/me", worker),
                     ("board (owner)", f"{base}/", owner)]
            print(f"Lighthouse {' '.join(command[-1:])}, mobile settings, {base}")
            print(f"{'page':<22}" + "".join(f"{c:>16}" for c in CATEGORIES))
            failed = {}
            for name, url, cookie in pages:
                report = run(command, url, cookie)
                scores = [report["categories"][c]["score"] for c in CATEGORIES]
                print(f"{name:<22}" + "".join(f"{round(s * 100) if s is not None else '–':>16}" for s in scores))
                refs = report["categories"]["accessibility"]["auditRefs"]
                failed[name] = [r["id"] for r in refs if r["weight"] and report["audits"][r["id"]]["score"] == 0]
                metrics = report["audits"]
                print(f"{'':<22}FCP {metrics['first-contentful-paint']['displayValue']}, "
                      f"LCP {metrics['largest-contentful-paint']['displayValue']}, "
                      f"TBT {metrics['total-blocking-time']['displayValue']}, "
                      f"CLS {metrics['cumulative-layout-shift']['displayValue']}")
            for name, audits in failed.items():
                if audits:
                    print(f"accessibility audits failed on {name}: {', '.join(audits)}")
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
