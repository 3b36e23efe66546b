"""Response hardening and brute-force brakes: security headers, a Content-Security-Policy that
allows only the app's own scripts, and a small rate limiter for sign-in attempts."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import Flask, Response, abort, g, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; worker-src 'self' blob:; media-src 'self' blob:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.extensions["rate_limiter"] = RateLimiter()


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Ticket and badge links carry their token in the path: never leak it to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    # Owner pages hold badge links, tokens and the workshop's figures: not kept in any cache.
    owner_page = g.get("user") is not None and not request.path.startswith("/static/")
    if owner_page or request.path.startswith(("/w/", "/login", "/api/")):
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

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def limit_attempts(app: Flask, key: str, *, limit: int, window: float) -> None:
    """Abort with 429 when `key` (e.g. "login:<ip>") has used up its attempts."""
    if not app.extensions["rate_limiter"].hit(key, limit=limit, window=window):
        abort(429)
