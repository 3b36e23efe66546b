"""Gzip for the app's static files (htmx is 52 KB raw, 17 KB compressed: a phone on weak Wi-Fi
feels the difference). Only static files: pages carry a CSRF token, and compressing secrets next
to reflected input invites BREACH-style guessing."""
from __future__ import annotations

import gzip
import threading

from flask import Flask, Response, request

COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json",
                "text/plain"}
MINIMUM = 500


class GzipCache:
    """Compressed bodies keyed by (path, ETag): each file is compressed once per version."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], body: bytes) -> bytes:
        with self._lock:
            found = self._bodies.get(key)
        if found is None:
            found = gzip.compress(body, compresslevel=9, mtime=0)
            with self._lock:
                self._bodies[key] = found
        return found


def init_app(app: Flask) -> None:
    cache = GzipCache()

    @app.after_request
    def compress_static(response: Response) -> Response:
        if (request.endpoint != "static" or response.status_code != 200 or response.mimetype not in COMPRESSIBLE
                or "Content-Encoding" in response.headers or "gzip" not in request.headers.get("Accept-Encoding", "")):
            return response
        response.vary.add("Accept-Encoding")
        response.direct_passthrough = False
        body = response.get_data()
        if len(body) < MINIMUM:
            return response
        etag, _weak = response.get_etag()
        response.set_data(cache.get((request.path, etag or ""), body) if etag else gzip.compress(body, mtime=0))
        # The ETag stays: a revalidation then gets a 304 for whichever encoding the browser holds.
        response.headers["Content-Encoding"] = "gzip"
        return response
