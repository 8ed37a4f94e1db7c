"""Static files under fingerprinted URLs, cached by browsers for a year.

``url_for("static", filename=…)`` adds ``?v=`` and the first twelve hex
digits of the file's SHA-256, so a deploy that changes a file changes its
URL. A request whose ``v`` matches the file as it is now may be cached for a
year (``immutable``: not even revalidated); any other keeps Flask's default
(revalidated with ETag and Last-Modified), so a stale URL never pins an old
file. Downloads sent with ``send_file`` (attachments, editions) are not
static files and keep their own, private, caching. Behind nginx the same
rule is in ``deploy/nginx/huibian.conf``.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def fingerprint(folder: str, filename: str) -> str | None:
    """The file's content fingerprint, or None when there is no such file."""
    path = safe_join(folder, filename)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size) if stat else None


def init_static_files(app: Flask) -> None:
    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_fingerprinted(response: Response) -> Response:
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get("v")
                and request.args["v"] == fingerprint(app.static_folder, request.view_args["filename"])):
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
