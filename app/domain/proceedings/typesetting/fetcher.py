"""The only door through which WeasyPrint may read anything while typesetting.

Piece bodies come from provincial bureaus. Even sanitised, HTML and CSS can
name files (``file:///etc/passwd``), internal services (``http://10.0.0.1/``)
or another bureau's attachment, and WeasyPrint would happily embed them
(``<link rel="attachment">`` becomes a PDF attachment). So the renderer gets
a fetcher that serves an allow-list — the project's ``static/`` tree, the
attachments of the pieces being built, small ``data:image`` URIs — and
refuses everything else, remembering what it refused.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.config import ROOT

#: The repository root: ``static/`` is found from here, never from the cwd.
STATIC_DIR = ROOT / "static"

#: Documents are given this base URL, so that ``/static/…`` and
#: ``/attachments/…`` resolve to it. ``.invalid`` can never be a real host
#: (RFC 2606); nothing is ever fetched from it over the network.
BASE_URL = "https://huibian.invalid/"
_ORIGIN = urlsplit(BASE_URL).netloc

MAX_DATA_URI_BYTES = 512 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATA_IMAGE = re.compile(r"data:(image/(?:png|jpeg|gif|webp|svg\+xml))(;base64)?,(.*)", re.S | re.I)


class RefusedURL(ValueError):
    """A URL outside the allow-list; WeasyPrint logs it and skips the resource."""


class BookURLFetcher(URLFetcher):
    """Serve static files, the build's own attachments and small data images; refuse the rest.

    ``attachments`` maps the SHA-256 of each attachment of the pieces in the
    build to its file. Every refused URL is appended to ``refused``.
    """

    def __init__(self, attachments: Mapping[str, Path] | None = None, *,
                 static_dir: Path = STATIC_DIR, **kwargs):
        # fail_on_errors stays False: a refused image must not abort a book.
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False, **kwargs)
        self._attachments = {sha.lower(): Path(p) for sha, p in (attachments or {}).items()}
        self._static_dir = static_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            return self._serve(url)
        except RefusedURL:
            self.refused.append(url)
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return self._data(url)
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != _ORIGIN or parts.query:
            raise RefusedURL(f"not one of the book's own resources: {url}")
        path = unquote(parts.path)
        if path.startswith("/static/"):
            return self._file(url, self._static_file(path.removeprefix("/static/")))
        if path.startswith("/attachments/"):
            sha = path.removeprefix("/attachments/").lower()
            if _SHA256.fullmatch(sha) and sha in self._attachments:
                return self._file(url, self._attachments[sha])
        raise RefusedURL(f"unknown path: {url}")

    def _static_file(self, relative: str) -> Path:
        # resolve() follows symlinks, so a link pointing out of static/ is
        # caught by the same containment check as "..".
        candidate = (self._static_dir / relative).resolve()
        if not candidate.is_relative_to(self._static_dir) or not candidate.is_file():
            raise RefusedURL(f"outside static/ or missing: {relative}")
        return candidate

    def _file(self, url: str, path: Path) -> URLFetcherResponse:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def _data(self, url: str) -> URLFetcherResponse:
        match = _DATA_IMAGE.fullmatch(url)
        if not match or len(url) > MAX_DATA_URI_BYTES * 4 // 3 + 64:
            raise RefusedURL(f"only small data:image URIs are allowed: {url[:60]}")
        mime, is_base64, payload = match.groups()
        body = base64.b64decode(payload) if is_base64 else unquote(payload).encode()
        return URLFetcherResponse(url[:60], body, {"Content-Type": mime.lower()})
