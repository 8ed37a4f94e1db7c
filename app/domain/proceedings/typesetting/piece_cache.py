"""Typeset pieces kept between builds, keyed by everything their pages depend on.

A piece's pages depend on its HTML (which holds its text, its images by
content hash, its section and the conference title of its running heads),
the stylesheet and the engine (WeasyPrint and its libraries, the installed
fonts, our typesetting code) — not on where the piece lands in the book:
every piece opens on a right-hand page, and its folios are stamped when the
book is assembled (``folios.py``). So a piece typeset once, under one
fingerprint, is reused by every later build that prints it unchanged.

One file per piece: a header, the metadata (page count, anchors, bookmarks,
links, blank pages) as JSON, the PDF, and a SHA-256 of all of it. A file is
written under a temporary name and renamed, so a reader never sees half of
one; a file that does not check out (truncated, edited, from an older
format) is deleted and the piece typeset again. The folder is bounded:
after a build the least recently used entries go until it fits.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from app.config import ROOT

#: Bumped when the entry format or what the typesetting code writes changes.
FORMAT = b"HBPC1\n"
#: Default bound of the cache folder.
DEFAULT_MAX_BYTES = 500 * 1024 * 1024
#: Our modules whose code decides how a piece is typeset.
_ENGINE_SOURCES = ("typeset.py", "cjk_justify.py", "fetcher.py", "font_merge.py", "font_placeholders.py",
                   "piece_cache.py", "tagging.py")


class PieceCache:
    """Typeset pieces on disk under ``folder`` (None: a cache that keeps nothing)."""

    def __init__(self, folder: Path | str | None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder) if folder else None
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        # a build reads the cache from two threads (the pieces; the fonts, while the frame is typeset)
        self._counting = threading.Lock()

    def _count(self, hit: bool) -> None:
        with self._counting:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.piece"

    def get(self, key: str) -> tuple[bytes, dict] | None:
        """(PDF bytes, metadata) of the piece typeset under ``key``, or None."""
        if self.folder is None:
            self._count(False)
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self._count(False)
            return None
        entry = _decode(data)
        if entry is None:
            path.unlink(missing_ok=True)   # corrupt: typeset again
            self._count(False)
            return None
        try:
            os.utime(path)   # most recently used
        except OSError:
            pass
        self._count(True)
        return entry

    def put(self, key: str, pdf: bytes, meta: dict) -> None:
        """Keep a typeset piece; atomic, so concurrent builds may write the same key."""
        if self.folder is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encode(pdf, meta))
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def trim(self) -> int:
        """Delete the least recently used entries until the folder fits; return how many went."""
        if self.folder is None or not self.folder.exists():
            return 0
        entries = []
        for path in self.folder.glob("*/*.piece"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _m, size, _p in entries)
        removed = 0
        for _mtime, size, path in sorted(entries, key=lambda e: (e[0], str(e[2]))):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def _encode(pdf: bytes, meta: dict) -> bytes:
    header = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    body = FORMAT + len(header).to_bytes(8, "big") + header + pdf
    return body + hashlib.sha256(body).digest()


def _decode(data: bytes) -> tuple[bytes, dict] | None:
    body, digest = data[:-32], data[-32:]
    if not body.startswith(FORMAT) or hashlib.sha256(body).digest() != digest:
        return None
    start = len(FORMAT) + 8
    length = int.from_bytes(body[len(FORMAT):start], "big")
    try:
        meta = json.loads(body[start:start + length])
    except ValueError:
        return None
    return body[start + length:], meta


def piece_key(engine: str, html: str, tagged: bool = False) -> str:
    """The fingerprint of one body item: the engine's and its own HTML's, and whether it is
    typeset with a structure tree (for a PDF/UA or PDF/A book: other bytes, same pages)."""
    return hashlib.sha256(engine.encode() + b"\0" + (b"tagged\0" if tagged else b"")
                          + html.encode()).hexdigest()


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """What, besides its HTML, decides a piece's pages: the stylesheet, WeasyPrint and the
    libraries it writes with, our typesetting code and every installed font file."""
    from importlib.metadata import version

    digest = hashlib.sha256(FORMAT)
    for package in ("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2"):
        digest.update(f"{package}={version(package)}\n".encode())
    for sheet in ("print.css", "print-western.css"):
        digest.update((ROOT / "static" / "css" / sheet).read_bytes())
    here = Path(__file__).parent
    for name in _ENGINE_SOURCES:
        digest.update((here / name).read_bytes())
    digest.update(_font_files())
    return digest.hexdigest()


def _font_files() -> bytes:
    """Every font file fontconfig offers, with its size and time: a font changed is a new engine."""
    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                                 text=True, timeout=30, check=False).stdout
    except OSError:
        return b""
    lines = []
    for name in sorted(set(listing.splitlines())):
        try:
            stat = os.stat(name)
        except OSError:
            continue
        lines.append(f"{name} {stat.st_size} {int(stat.st_mtime)}")
    return "\n".join(lines).encode()
