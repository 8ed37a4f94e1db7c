"""Zips of approved pieces, made in the background like the book.

The same three ways as ``builds``: an RQ job when ``REDIS_URL`` is set, a
thread in the web process otherwise, right away after the commit in tests.
Each piece is typeset through the preview path, so a piece previewed before
comes from its cache and the warm typesetting worker does the rest.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app, has_app_context

from app.background.builds import JOB_TIMEOUT, build_mode, rq_queue
from app.domain.conference import archive as archives
from app.domain.proceedings.previews import preview_pdf, preview_policy
from app.extensions import db
from app.models import ArchiveStatus, Conference, PiecesArchive
from app.storage import file_store

log = logging.getLogger(__name__)
# Nobody waits on a page for an archive: its pieces queue behind people's previews, for up to this long each.
ARCHIVE_PREVIEW_WAIT = 10 * 60


def enqueue_archive(archive_id: int) -> None:
    """Hand a committed, queued archive to the background. Call after the commit."""
    app = current_app._get_current_object()
    mode = build_mode(app.config)
    if mode == "inline":
        run_archive(archive_id)
    elif mode == "rq":
        try:
            rq_queue(app.config).enqueue_call("app.background.archives.archive_job", args=(archive_id,),
                                              timeout=JOB_TIMEOUT, description=f"pieces archive {archive_id}")
        except Exception as error:  # Redis down: say so on the archive rather than leave it queued
            log.exception("could not queue archive %s", archive_id)
            _fail(archive_id, f"The queue could not be reached ({type(error).__name__}); try again later.")
    else:
        threading.Thread(target=_in_context, args=(app, archive_id), name=f"huibian-archive-{archive_id}",
                         daemon=True).start()


def archive_job(archive_id: int) -> str:
    """The RQ entry point: a fresh app context for each job."""
    if has_app_context():
        return _status(run_archive(archive_id))
    from app import create_app

    with create_app().app_context():
        return _status(run_archive(archive_id))


def _status(archive: PiecesArchive | None) -> str:
    return archive.status.value if archive else "missing"


def _in_context(app, archive_id: int) -> None:
    with app.app_context():
        try:
            run_archive(archive_id)
        except Exception:
            log.exception("the archive thread failed on archive %s", archive_id)
        finally:
            db.session.remove()


def run_archive(archive_id: int) -> PiecesArchive | None:
    """Make one queued archive, committing its progress and its outcome; a second delivery does nothing."""
    archive = db.session.get(PiecesArchive, archive_id)
    if archive is None or archive.status is not ArchiveStatus.QUEUED:
        return archive
    conference = db.session.get(Conference, archive.conference_id)
    store = file_store()
    cache_dir = Path(current_app.config["EDITIONS_DIR"]) / ".previews"
    policy = preview_policy(current_app.config)
    try:
        archives.build_archive(
            archive, conference, store=store,
            render_pdf=lambda piece: preview_pdf(piece, piece.latest_version, store=store, cache_dir=cache_dir,
                                                 policy=policy, wait=ARCHIVE_PREVIEW_WAIT),
            on_progress=lambda done: db.session.commit(),
        )
        db.session.commit()
    except Exception as error:
        log.exception("archive %s failed", archive_id)
        _fail(archive_id, str(error) or type(error).__name__)
    return db.session.get(PiecesArchive, archive_id)


def _fail(archive_id: int, message: str) -> None:
    db.session.rollback()
    archive = db.session.get(PiecesArchive, archive_id)
    if archive is not None:
        archives.record_archive_failure(archive, message)
        db.session.commit()
