"""Attachment files in the file store, named by the SHA-256 of their content.

Identical uploads share one file; a name derived from the content also means
no user-supplied text ever reaches a key. An upload is received into a
temporary file on this host (hashed and sniffed on the way), checked there,
and only then put into the store (``app.storage``: a local folder or a bucket).
"""

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from app.domain.submissions.filetypes import HEAD_SIZE, sniff_file_type
from app.storage.base import FileStore

CHUNK_SIZE = 64 * 1024
MAX_DISPLAY_NAME_LENGTH = 200
AREA = "uploads"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(Exception):
    """The upload is bigger than allowed."""


class UnsupportedFileType(Exception):
    """The upload's content is not one of the allowed file types."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    key: str
    file_type: str


@dataclass(frozen=True)
class ReceivedFile:
    """An upload on this host before it is stored: what ``check`` sees."""

    sha256: str
    size: int
    file_type: str
    path: Path


def store_stream(stream: BinaryIO, store: FileStore, *, max_bytes: int, file_type: str | None = None,
                 check: Callable[[ReceivedFile], None] | None = None) -> StoredFile:
    """Copy a readable binary stream into the attachment store and describe the result.

    The stream is copied in 64 KiB chunks to a temporary file while being
    hashed, sniffed, handed to ``check`` (which refuses by raising), and put
    into the store under ``key_for(sha256)``; storing the same content twice
    is harmless. Raises FileTooLarge past ``max_bytes`` and UnsupportedFileType
    when the content is not recognised. Whatever is raised, nothing is stored
    and the temporary file is gone. A caller that has already judged the
    content (a Word import knows .doc, .wps, .odt and .rtf, which attachments
    refuse) passes its ``file_type`` instead of the sniff.
    """
    descriptor, temp_name = tempfile.mkstemp(prefix="huibian-upload-")
    temp_path = Path(temp_name)
    try:
        digest, size = _copy_and_hash(stream, descriptor, max_bytes)
        received = ReceivedFile(sha256=digest, size=size, file_type=file_type or _sniff(temp_path),
                                path=temp_path)
        if check is not None:
            check(received)
        key = key_for(digest)
        if not store.exists(key):
            store.put(key, temp_path)
    finally:
        temp_path.unlink(missing_ok=True)
    return StoredFile(sha256=digest, size=size, key=key, file_type=received.file_type)


def store_bytes(data: bytes, store: FileStore, *, max_bytes: int, file_type: str | None = None) -> StoredFile:
    """``store_stream`` for content already in memory (images taken out of a Word file, the Word file itself)."""
    return store_stream(io.BytesIO(data), store, max_bytes=max_bytes, file_type=file_type)


def sha256_of(data: bytes) -> str:
    """The name content in memory would get in the store."""
    return hashlib.sha256(data).hexdigest()


def key_for(sha256: str) -> str:
    """The store's key of the attachment with this SHA-256; ValueError unless it is 64 lowercase hex.

    On the local backend this is ``UPLOAD_DIR/ab/cd/<sha256>``, as before the store.
    """
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{AREA}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def display_name(original: str) -> str:
    """A user-supplied filename made safe to show (never to use as a path).

    Drops any directory part (either slash), control and invisible formatting
    characters (including right-to-left overrides), and leading dots; keeps
    Chinese and other letters; at most 200 characters, keeping the extension;
    "file" when nothing is left.
    """
    name = unicodedata.normalize("NFC", original)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            keep = MAX_DISPLAY_NAME_LENGTH - len(extension) - 1
            name = f"{stem[:keep].rstrip()}.{extension}"
        else:
            name = name[:MAX_DISPLAY_NAME_LENGTH].rstrip()
    return name or "file"


def _copy_and_hash(stream: BinaryIO, descriptor: int, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(descriptor, "wb") as temp_file:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLarge(_("The file is larger than %(n)d bytes.", n=max_bytes))
            digest.update(chunk)
            temp_file.write(chunk)
    return digest.hexdigest(), size


def _sniff(path: Path) -> str:
    with path.open("rb") as temp_file:
        head = temp_file.read(HEAD_SIZE)
    file_type = sniff_file_type(head, path)
    if file_type is None:
        raise UnsupportedFileType("This kind of file is not accepted.")
    return file_type
