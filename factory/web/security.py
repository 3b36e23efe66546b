"""Response hardening and brute-force brakes: security headers, a Content-Security-Policy that
allows only the app's own scripts, a small rate limiter for sign-in attempts and token guessing,
and no NUL bytes in paths."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import Flask, Response, abort, current_app, g, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; worker-src 'self' blob:; media-src 'self' blob:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


# Public pages opened by a token in the path (ticket, order sheet, a customer's status link): misses are counted per address,
# so nobody can walk through tokens; scanning real tickets never counts.
TOKEN_PAGES = ("/t/", "/o/", "/s/")
TOKEN_MISSES, TOKEN_WINDOW = 30, 60.0


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.before_request(brake_token_guessing)
    app.after_request(count_token_miss)
    app.after_request(add_security_headers)
    app.extensions["rate_limiter"] = RateLimiter()


def refuse_nul() -> None:
    """A NUL byte is never part of a real path or query (PostgreSQL cannot even compare it): 404/400
    before any view looks it up."""
    if "\x00" in request.path:
        abort(404)
    # The API's few query parameters are checked against fixed values before any SQL, and its
    # document promises no 400; the pages' parameters (a scan id, a search) reach the database.
    if not request.path.startswith("/api/") and any(
            "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400)


def brake_token_guessing() -> None:
    if request.path.startswith(TOKEN_PAGES) and current_app.extensions["rate_limiter"].over(
            f"token-miss:{request.remote_addr}", limit=TOKEN_MISSES, window=TOKEN_WINDOW):
        abort(429)


def count_token_miss(response: Response) -> Response:
    if response.status_code == 404 and request.path.startswith(TOKEN_PAGES):
        current_app.extensions["rate_limiter"].hit(f"token-miss:{request.remote_addr}", limit=TOKEN_MISSES,
                                                   window=TOKEN_WINDOW)
    return response


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Ticket and badge links carry their token in the path: never leak it to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    # Owner pages hold badge links, tokens and the workshop's figures: not kept in any cache.
    owner_page = g.get("user") is not None and not request.path.startswith("/static/")
    # "My day" shows the worker's pay: a shared phone's cache must not keep it either.
    if owner_page or request.path.startswith(("/w/", "/login", "/api/", "/me")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class RateLimiter:
    """At most `limit` attempts per key in a sliding window, in this process's memory.

    Several app processes each keep their own count, so the effective limit is per process;
    that still turns a password guesser's thousands of tries a minute into a handful.
    """

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str, *, limit: int, window: float, now: float | None = None) -> bool:
        """Record an attempt; False when the key is over its limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def over(self, key: str, *, limit: int, window: float, now: float | None = None) -> bool:
        """Whether the key has used up its attempts, without recording one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            return hits is not None and sum(1 for t in hits if t > now - window) >= limit

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def limit_attempts(app: Flask, key: str, *, limit: int, window: float) -> None:
    """Abort with 429 when `key` (e.g. "login:<ip>") has used up its attempts."""
    if not app.extensions["rate_limiter"].hit(key, limit=limit, window=window):
        abort(429)
