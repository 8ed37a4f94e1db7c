"""The zip of a conference's approved pieces, for the office's own files.

One folder per bureau, named in Chinese; in it each approved piece as the
book prints it (a PDF from the book's own typesetter, through the preview
path and its cache), the Word file the approved version was imported from,
if it was, and the files attached to that version. Python's
zipfile sets the UTF-8 flag on every non-ASCII name, so Windows Explorer
shows the Chinese names as they are. The archive is fixed when asked for
(its total) and built by a background job that records its progress.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.domain.audit import record_event
from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.permissions import can_follow_coverage
from app.domain.submissions.storage import key_for
from app.extensions import db
from app.models import (
    ArchiveStatus, Conference, PiecesArchive, Submission, SubmissionState, SubmissionVersion, User, utcnow,
)
from app.storage.base import FileStore

RUNNING = (ArchiveStatus.QUEUED, ArchiveStatus.BUILDING)
STALE_AFTER = timedelta(minutes=45)
# Characters no file system of the office's accepts in a name, controls and bidi overrides.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]')
MAX_NAME = 80
AREA = "editions/archives"  # on the local backend: EDITIONS_DIR/archives, as before the store


def approved_pieces(conference: Conference) -> list[Submission]:
    """The approved pieces with their bureaus, approved versions and Word originals, by bureau: one query.

    Joined rather than loaded ``selectin``: those load in chunks of 500, so a
    big conference would cost more queries than a small one.
    """
    return list(db.session.scalars(
        sa.select(Submission)
        .where(Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
        .options(joinedload(Submission.organisation),
                 joinedload(Submission.latest_version).joinedload(SubmissionVersion.word_original))
        .order_by(Submission.organisation_id, Submission.kind, Submission.id)
    ))


def latest_archive(conference: Conference) -> PiecesArchive | None:
    return db.session.scalar(
        sa.select(PiecesArchive).where(PiecesArchive.conference_id == conference.id)
        .order_by(PiecesArchive.id.desc()).limit(1)
    )


def request_archive(conference: Conference, *, actor: User) -> PiecesArchive:
    """Queue a new archive; the caller commits and then hands its id to the background."""
    if not can_follow_coverage(actor):
        raise Forbidden(_("Only editors may download the approved pieces."))
    running = db.session.scalar(sa.select(PiecesArchive).where(
        PiecesArchive.conference_id == conference.id, PiecesArchive.status.in_(RUNNING)).limit(1))
    if running is not None and running.created_at > utcnow() - STALE_AFTER:
        raise NotAllowed(_("A zip of the approved pieces is being made; wait until it is ready."))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Submission).where(
        Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED))
    if not total:
        raise DomainError(_("No piece has been approved yet, so there is nothing to download."))
    archive = PiecesArchive(conference_id=conference.id, progress_total=total, requested_by_id=actor.id)
    db.session.add(archive)
    db.session.flush()
    record_event("archive_request", actor=actor, obj=archive, detail={"conference": conference.slug, "pieces": total})
    return archive


def safe_name(text: str, fallback: str) -> str:
    """``text`` as one file or folder name: no separators, no controls, not too long."""
    name = " ".join(_UNSAFE_NAME.sub(" ", text).split()).strip(". ")[:MAX_NAME].strip()
    return name or fallback


def archive_file_name(archive: PiecesArchive, conference: Conference) -> str:
    return f"approved-{conference.slug}-{archive.id}.zip"


def build_archive(archive: PiecesArchive, conference: Conference, *, store: FileStore,
                  render_pdf: Callable[[Submission], bytes],
                  on_progress: Callable[[int], None] = lambda done: None) -> str:
    """Make the zip, put it into ``store`` and record it on ``archive``; returns its key.

    ``render_pdf`` typesets one piece (the caller passes the book's preview);
    ``on_progress`` hears how many pieces are in so far, to commit it.
    """
    pieces = approved_pieces(conference)
    archive.status, archive.progress_total, archive.progress_done = ArchiveStatus.BUILDING, len(pieces), 0
    on_progress(0)
    file_name = archive_file_name(archive, conference)
    descriptor, temp = tempfile.mkstemp(prefix="huibian-archive-", suffix=".zip")
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            taken: set[str] = set()
            for done, submission in enumerate(pieces, start=1):
                _add_piece(bundle, submission, render_pdf(submission), store, taken)
                archive.progress_done = done
                on_progress(done)
        size, sha256 = Path(temp).stat().st_size, _sha256(Path(temp))
        store.put(f"{AREA}/{file_name}", Path(temp))
    finally:
        Path(temp).unlink(missing_ok=True)
    archive.status, archive.file_name, archive.finished_at = ArchiveStatus.DONE, file_name, utcnow()
    archive.size, archive.sha256 = size, sha256
    db.session.flush()
    record_event("archive_built", actor=archive.requested_by, obj=archive,
                 detail={"pieces": len(pieces), "sha256": archive.sha256})
    return f"{AREA}/{file_name}"


def _add_piece(bundle: zipfile.ZipFile, submission: Submission, pdf: bytes, store: FileStore, taken: set[str]) -> None:
    version = submission.latest_version  # an approved piece's latest version is the one approved
    folder = safe_name(submission.organisation.name_zh, f"bureau-{submission.organisation_id}")
    title = safe_name(version.title, f"piece-{submission.id}")
    bundle.writestr(_unique(f"{folder}/{title}.pdf", taken), pdf)
    original = version.word_original
    if original is not None:
        name = safe_name(original.display_name, f"original-{submission.id}.{original.source_format}")
        _copy_from_store(bundle, store, key_for(original.sha256), _unique(f"{folder}/{title}/{name}", taken))
    for item in version.attachments:
        if item.get("in_body"):
            continue  # images placed in the body are already in the PDF
        name = safe_name(item["name"], item["sha256"][:12])
        _copy_from_store(bundle, store, key_for(item["sha256"]), _unique(f"{folder}/{title}/{name}", taken))


def _copy_from_store(bundle: zipfile.ZipFile, store: FileStore, key: str, name: str) -> None:
    """Stream a stored file into the zip under ``name``; a file missing from the store is left out."""
    try:
        source = store.open(key)
    except FileNotFoundError:
        return
    with source, bundle.open(name, "w") as target:
        shutil.copyfileobj(source, target, 1 << 20)


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({n}){dot}{suffix}"
        n += 1
    taken.add(candidate.lower())
    return candidate


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_archive_failure(archive: PiecesArchive, message: str) -> None:
    archive.status, archive.error, archive.file_name = ArchiveStatus.FAILED, message[:4000], None
    archive.finished_at = utcnow()
    db.session.flush()
    record_event("archive_failed", actor=archive.requested_by, obj=archive, detail={"error": message[:500]})


def archive_key(archive: PiecesArchive) -> str | None:
    """The zip's key in the file store, once it is made."""
    return f"{AREA}/{archive.file_name}" if archive.file_name else None
