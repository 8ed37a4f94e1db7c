"""What every file store offers, and the one rule for keys (no Flask, no database here)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_SIZE = 1024 * 1024
MAX_KEY_LENGTH = 900  # S3 allows 1,024 bytes; room for a prefix and a Chinese name's UTF-8
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")

Source = bytes | BinaryIO | Path


class StoreUnavailable(OSError):
    """The store cannot be reached or refused the operation (the network, the bucket, permissions)."""


class InvalidKey(ValueError):
    """A key that could leave its folder or that no backend can hold: refused before any I/O."""


def check_key(key: str) -> str:
    """``key`` unchanged when it is a relative, ``/``-separated name with no way out; InvalidKey otherwise.

    Refused: empty, absolute (``/x``), ``..`` or ``.`` or empty segments,
    backslashes, NUL and other control characters, overlong names. Chinese
    and other letters are fine.
    """
    if not isinstance(key, str) or not key or len(key.encode("utf-8")) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key {key!r}")
    if _FORBIDDEN.search(key) or key.startswith("/"):
        raise InvalidKey(f"invalid storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty (everything), or a key, or a key followed by ``/``."""
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


@runtime_checkable
class FileStore(Protocol):
    """Named files (keys such as ``uploads/ab/cd/<sha256>``) in a folder or a bucket.

    A missing file is ``FileNotFoundError`` from ``open``, ``read`` and ``size``;
    ``delete`` of a missing file is not an error. A key that fails
    ``check_key`` raises ``InvalidKey`` from every operation.
    """

    def put(self, key: str, source: Source) -> int:
        """Store ``source`` (bytes, a readable binary stream read in chunks, or a local file) under ``key``,
        replacing what was there, all at once: readers see the old file or the new one, never half. Returns the size."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the file (use it in ``with``); not necessarily seekable."""

    def read(self, key: str) -> bytes:
        """The whole file in memory: for small files only."""

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The file in chunks, without holding it whole in memory."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> bool:
        """Remove the file; whether there was one."""

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix``, in sorted order."""

    def local_path(self, key: str) -> Path:
        """A file on this host holding the content, for code that needs a path (the typesetter, zip, Pillow).

        The local folder answers with the file itself; object storage with a copy
        in its cache, so use this only for keys whose content never changes
        (attachments are named by their SHA-256). The path may not exist when
        the key does not: check ``is_file()``.
        """

    def download_url(self, key: str, *, download_name: str, mimetype: str) -> str | None:
        """A short-lived URL the browser may fetch the file from, or None when the app must send it itself."""
