"""One archive of the whole instance — every table and every stored file — and its way back.

The archive is a ``.tar.gz``::

    manifest.json              format, alembic revision, row counts, SHA-256 of every entry below
    database/<table>.jsonl     first line the column names, then one JSON array per row
    files/uploads/...          the file store's uploads/ keys (UPLOAD_DIR on the local backend)
    files/editions/...         the file store's editions/ keys (EDITIONS_DIR on the local backend)

Rows are dumped through SQLAlchemy Core, table by table from the models'
metadata, so one format serves SQLite and PostgreSQL (and moves an instance
from one to the other). All tables are read in one transaction — REPEATABLE
READ on PostgreSQL, one read transaction on SQLite (WAL keeps its snapshot) —
so a save made during the backup is either wholly in it or wholly absent.
The files are copied through the file store (``app.storage``: local folders
or a bucket) while that snapshot is still open, so every file a committed
row names is there (one stored after the snapshot may come along unnamed,
which is harmless). A restore puts them back through the store of the
instance it fills, so an archive moves an instance between backends too.

Restoring refuses unless the database is empty and at the same migration as
the archive, and checks every entry's SHA-256 before anything is written.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_babel import gettext as _

from app.storage.base import FileStore

FORMAT = 1
MANIFEST = "manifest.json"
INSERT_BATCH = 500
#: The areas of the file store the archive holds, each in files/<area>/.
FILE_AREAS = ("uploads", "editions")


class BackupRefused(Exception):
    """The archive cannot be restored here; nothing was changed."""


@dataclass(frozen=True)
class Instance:
    """What a backup reads or a restore fills: one database and its file store."""

    engine: sa.Engine
    metadata: sa.MetaData
    store: FileStore


def code_head(migrations_dir: Path) -> str:
    """The one migration the code expects the database to be at."""
    heads = ScriptDirectory(str(migrations_dir)).get_heads()
    if len(heads) != 1:
        raise BackupRefused(_("The migrations have %(count)d heads; merge them first.", count=len(heads)))
    return heads[0]


# --- backup ------------------------------------------------------------------------------

def backup(instance: Instance, target: Path) -> dict:
    """Write the archive to ``target`` (atomically: a half-written archive never has its name)."""
    with tempfile.TemporaryDirectory(prefix="huibian-backup-") as scratch:
        staging = Path(scratch) / "archive"
        staging.mkdir()
        with _snapshot(instance.engine) as conn:
            revision = _database_revision(conn)
            counts = {table.name: _dump_table(conn, table, staging / "database" / f"{table.name}.jsonl")
                      for table in instance.metadata.sorted_tables}
            _copy_files(instance.store, staging / "files")
        manifest = {
            "format": FORMAT,
            "alembic_revision": revision,
            "dialect": instance.engine.dialect.name,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "rows": counts,
            "sha256": {path: _sha256(staging / path) for path in _entries(staging)},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        partial = target.with_name(target.name + ".partial")
        # Owner-only from its first byte: the archive holds every password hash and unpublished piece.
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for path in manifest["sha256"]:
                archive.add(staging / path, arcname=path)
        os.replace(partial, target)
    return manifest


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                postgresql_readonly=True) as conn, conn.begin():
            yield conn
    else:
        # pysqlite opens no transaction for a SELECT on its own: each would see
        # the latest commit. An explicit BEGIN holds one snapshot for them all.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")


def _database_revision(conn: sa.Connection) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except sa.exc.DBAPIError:
        return None


def _dump_table(conn: sa.Connection, table: sa.Table, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [column.name for column in table.columns]
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(names) + "\n")
        result = conn.execution_options(yield_per=INSERT_BATCH).execute(
            sa.select(*table.columns).order_by(*table.primary_key.columns))
        for row in result:
            out.write(json.dumps(list(row), default=_encode, ensure_ascii=False) + "\n")
            count += 1
    return count


def _encode(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot archive a {type(value).__name__}")


def _copy_files(store: FileStore, target: Path) -> None:
    for area in FILE_AREAS:
        (target / area).mkdir(parents=True, exist_ok=True)
        for key in store.list(f"{area}/"):
            destination = target.joinpath(*key.split("/"))
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with store.open(key) as source, destination.open("wb") as copy:
                    while chunk := source.read(1024 * 1024):
                        copy.write(chunk)
            except FileNotFoundError:  # deleted since it was listed: no row names it any more
                destination.unlink(missing_ok=True)


def _entries(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                  if path.is_file() and path.name != MANIFEST)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore -----------------------------------------------------------------------------

def restore(instance: Instance, source: Path, *, head: str) -> dict:
    """Fill an empty instance from the archive at ``source``; BackupRefused leaves it untouched."""
    with tempfile.TemporaryDirectory(prefix="huibian-restore-") as scratch:
        staging = Path(scratch)
        manifest = _unpack(source, staging)
        if manifest.get("format") != FORMAT:
            raise BackupRefused(_("This archive has format %(format)s; this version reads format %(expected)d.",
                                  format=manifest.get("format"), expected=FORMAT))
        if manifest.get("alembic_revision") != head:
            raise BackupRefused(_(
                "The archive was made at migration %(archive)s but this code is at %(head)s: "
                "restore it with the version of Huibian that made it.",
                archive=manifest.get("alembic_revision"), head=head))
        _verify(manifest, staging)
        with instance.engine.begin() as conn:
            _check_empty_target(conn, instance, head)
            for table in instance.metadata.sorted_tables:
                _load_table(conn, table, staging / "database" / f"{table.name}.jsonl")
            _fill_deferred_references(conn, instance.metadata, staging)
            _reset_sequences(conn, instance.metadata)
            # Files last inside the transaction: if copying fails, no row is committed.
            _place_files(staging, instance.store)
    return manifest


def _unpack(source: Path, staging: Path) -> dict:
    try:
        with tarfile.open(source, "r:gz") as archive:
            # The "data" filter refuses absolute paths, "..", links out of the folder and devices.
            archive.extractall(staging, filter="data")
        return json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, tarfile.TarError, ValueError) as error:
        raise BackupRefused(_("%(file)s is not a Huibian backup: %(error)s", file=source.name, error=error)) from error


def _verify(manifest: dict, staging: Path) -> None:
    expected = manifest.get("sha256") or {}
    present = _entries(staging)
    if sorted(expected) != present:
        unexpected = sorted(set(present) ^ set(expected))
        raise BackupRefused(_("The archive does not hold what its manifest lists (%(paths)s); nothing was restored.",
                              paths=", ".join(unexpected[:5])))
    for path, digest in expected.items():
        if _sha256(staging / path) != digest:
            raise BackupRefused(_("%(path)s in the archive does not match its SHA-256; nothing was restored.",
                                  path=path))


def _check_empty_target(conn: sa.Connection, instance: Instance, head: str) -> None:
    if _database_revision(conn) != head:
        raise BackupRefused(_("The database is not at migration %(head)s: run \"flask --app wsgi db upgrade\" "
                              "on an empty database first.", head=head))
    filled = [table.name for table in instance.metadata.sorted_tables
              if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()]
    if filled:
        raise BackupRefused(_("The database already holds rows (%(tables)s): restore only into an empty "
                              "instance; nothing was changed.", tables=", ".join(filled)))
    for area in FILE_AREAS:
        if next(instance.store.list(f"{area}/"), None) is not None:
            raise BackupRefused(_("%(folder)s already holds files: restore only into an empty instance; "
                                  "nothing was changed.", folder=f"{instance.store!r} {area}/"))


def _deferred_columns(table: sa.Table) -> set[str]:
    """Columns pointing at their own table or along a cycle: inserted empty, filled in afterwards."""
    return {fk.parent.name for fk in table.foreign_keys if fk.use_alter or fk.column.table is table}


def _rows(path: Path) -> Iterator[tuple[list[str], list]]:
    with path.open(encoding="utf-8") as stream:
        names = json.loads(next(stream))
        for line in stream:
            yield names, json.loads(line)


def _load_table(conn: sa.Connection, table: sa.Table, path: Path) -> None:
    deferred = _deferred_columns(table)
    decoders = {column.name: _decoder(column.type) for column in table.columns}
    batch: list[dict] = []
    for names, values in _rows(path):
        batch.append({name: (None if name in deferred else decoders[name](value))
                      for name, value in zip(names, values, strict=True)})
        if len(batch) >= INSERT_BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _fill_deferred_references(conn: sa.Connection, metadata: sa.MetaData, staging: Path) -> None:
    for table in metadata.sorted_tables:
        deferred = _deferred_columns(table)
        if not deferred:
            continue
        keys = [column.name for column in table.primary_key.columns]
        # An UPDATE would set ``onupdate`` columns (updated_at) to now: keep the archived values.
        kept = [column.name for column in table.columns if column.onupdate is not None]
        decoders = {column.name: _decoder(column.type) for column in table.columns}
        for names, values in _rows(staging / "database" / f"{table.name}.jsonl"):
            row = dict(zip(names, values, strict=True))
            links = {name: row[name] for name in deferred if row[name] is not None}
            if links:
                links.update({name: decoders[name](row[name]) for name in kept})
                conn.execute(table.update()
                             .where(*(table.c[key] == row[key] for key in keys))
                             .values(**links))


def _decoder(column_type: sa.types.TypeEngine):
    if isinstance(column_type, sa.types.TypeDecorator):  # UTCDateTime: decode as the type it stores
        column_type = column_type.impl_instance
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return lambda value: value
    if kind is dt.datetime:
        return lambda value: None if value is None else dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return lambda value: None if value is None else dt.date.fromisoformat(value)
    if kind is dt.time:
        return lambda value: None if value is None else dt.time.fromisoformat(value)
    if kind is bytes:
        return lambda value: None if value is None else base64.b64decode(value)
    if kind is decimal.Decimal:
        return lambda value: None if value is None else decimal.Decimal(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda value: None if value is None else kind(value)
    return lambda value: value


def _reset_sequences(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Rows came with their ids: move PostgreSQL's counters past them, or the next insert collides."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's next rowid is max(rowid) + 1 by itself
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(sa.text(
            f'SELECT setval(pg_get_serial_sequence(:table, :column), '
            f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) FROM "{table.name}"'
        ), {"table": f'"{table.name}"', "column": column.name})


def _place_files(staging: Path, store: FileStore) -> None:
    files = staging / "files"
    for area in FILE_AREAS:
        source = files / area
        if not source.is_dir():
            continue
        for path in sorted(source.rglob("*")):
            if path.is_file():
                store.put(path.relative_to(files).as_posix(), path)
