"""Where files live: one interface, two backends, chosen by the environment.

Every stored file — attachments and body images, edition PDFs, the office's
zips — is named by a key, a relative ``/``-separated name whose first part
is its area::

    uploads/ab/cd/<sha256>        an attachment (content-addressed; never changes)
    editions/<file name>.pdf      an edition
    editions/archives/<name>.zip  the office's zip of approved pieces

The interface (``app.storage.base.FileStore``)::

    store.put(key, bytes | binary stream | Path) -> size     all at once, replacing
    store.open(key) -> stream;  store.read(key) -> bytes;  store.iter_chunks(key)
    store.exists(key);  store.size(key);  store.delete(key) -> existed
    store.list(prefix) -> sorted keys
    store.local_path(key) -> Path    a file on this host (the file itself, or a cached copy)
    store.download_url(key, download_name=, mimetype=) -> presigned URL, or None to send it
    app.storage.downloads.download_response(store, key, ...)  the view's answer

Keys are checked (``check_key``): ``..``, absolute names, backslashes and NUL
never reach a path or a bucket. Backends:

* ``LocalStore`` (the default): ``uploads/…`` under ``UPLOAD_DIR`` and
  ``editions/…`` under ``EDITIONS_DIR``, exactly the layout of earlier
  versions, so an existing instance keeps its files. A new area is one more
  entry in ``local_roots``.
* ``S3Store`` when ``HUIBIAN_S3_BUCKET`` is set: every host shares the bucket.

The app holds its store in ``app.extensions["huibian.storage"]``; views and
jobs take it with ``file_store()`` and pass it to the domain, which never
looks it up itself. Caches that are only hints (preview PDFs, page counts)
stay in local folders on each host.

Moving code onto the store: where a function took ``upload_dir: Path`` it
takes ``store: FileStore``; ``storage.path_for(upload_dir, sha)`` becomes
``store.local_path(storage.key_for(sha))`` (or ``store.open``), and
``store_stream(stream, upload_dir, ...)`` becomes ``store_stream(stream,
store, ...)``, so stored Word originals, content-addressed, live under
``uploads/`` too. A cache shared by hosts (typeset pieces by fingerprint)
takes an area of its own, e.g. ``pieces/<fingerprint>.pdf``, with one more
entry in ``local_roots`` for its local folder; write it with ``put`` (all at
once) and read it with ``local_path``, which object storage caches per host.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.storage.base import FileStore, InvalidKey, check_key

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "huibian.storage"
__all__ = ["FileStore", "InvalidKey", "check_key", "file_store", "init_storage", "local_roots", "store_from_config"]


def local_roots(config) -> dict[str, Path]:
    """The local folder of each area."""
    return {"uploads": Path(config["UPLOAD_DIR"]), "editions": Path(config["EDITIONS_DIR"])}


def store_from_config(config) -> FileStore:
    """The store the configuration asks for: S3 when ``S3_BUCKET`` is set, the local folders otherwise."""
    if config.get("S3_BUCKET"):
        from app.storage.s3 import S3Store

        return S3Store(
            bucket=config["S3_BUCKET"], prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"), region=config.get("S3_REGION"),
            access_key=config.get("S3_ACCESS_KEY_ID"), secret_key=config.get("S3_SECRET_ACCESS_KEY"),
            cache_dir=Path(config["FILE_CACHE_DIR"]), url_expiry=int(config.get("S3_URL_EXPIRY_SECONDS", 60)),
        )
    from app.storage.local import LocalStore

    return LocalStore(local_roots(config))


def init_storage(app: Flask) -> None:
    app.extensions[EXTENSION] = store_from_config(app.config)


def file_store(app: Flask | None = None) -> FileStore:
    """The app's store (the current app's when none is given)."""
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions[EXTENSION]
