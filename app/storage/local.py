"""Files in folders on this host: the default, laid out exactly as before the store existed.

Each top-level part of a key names a folder (``uploads`` → ``UPLOAD_DIR``,
``editions`` → ``EDITIONS_DIR``), and the rest of the key is the path under
it, so ``uploads/ab/cd/<sha256>`` is ``UPLOAD_DIR/ab/cd/<sha256>`` as it
always was. Writes go to a temporary file in the target folder and are
renamed into place, so a reader never sees half a file.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.storage.base import CHUNK_SIZE, InvalidKey, Source, check_key, check_prefix

TEMP_PREFIX = ".put-"
# Temporary names of writers before this store (attachments, archives, builds): never listed.
_TEMPORARY = (TEMP_PREFIX, ".upload-", ".archive-", ".building-")


class LocalStore:
    """A ``FileStore`` over folders: ``roots`` maps a key's first part to its folder."""

    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {name: Path(folder) for name, folder in roots.items()}

    def __repr__(self) -> str:
        return f"LocalStore({self.roots!r})"

    def path(self, key: str) -> Path:
        """Where ``key`` lives (whether or not it exists)."""
        area, _, rest = check_key(key).partition("/")
        if area not in self.roots or not rest:
            raise InvalidKey(f"storage key {key!r} is outside {sorted(self.roots)}")
        return self.roots[area].joinpath(*rest.split("/"))

    def put(self, key: str, source: Source) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as temp_file:
                if isinstance(source, bytes | bytearray):
                    temp_file.write(source)
                elif isinstance(source, Path):
                    with source.open("rb") as stream:
                        shutil.copyfileobj(stream, temp_file, CHUNK_SIZE)
                else:
                    shutil.copyfileobj(source, temp_file, CHUNK_SIZE)
                temp_file.flush()
                os.fsync(temp_file.fileno())
                size = temp_file.tell()
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return size

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        with self.open(key) as stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.stat().st_size

    def delete(self, key: str) -> bool:
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        keys = []
        for area, root in self.roots.items():
            if not (f"{area}/".startswith(prefix) or prefix.startswith(f"{area}/")) or not root.is_dir():
                continue
            for path in root.rglob("*"):
                relative = path.relative_to(root)
                if (path.is_file() and not path.is_symlink()
                        and not any(part.startswith(_TEMPORARY) for part in relative.parts)):
                    key = f"{area}/{relative.as_posix()}"
                    if key.startswith(prefix):
                        keys.append(key)
        return iter(sorted(keys))

    def local_path(self, key: str) -> Path:
        return self.path(key)

    def download_url(self, key: str, *, download_name: str, mimetype: str) -> str | None:
        self.path(key)
        return None
