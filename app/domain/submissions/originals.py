"""The Word files bodies were imported from, kept as the bureau sent them.

The office files each approved piece with the document it was written in,
so an import keeps the uploaded file in the content-addressed store beside
the attachments (``storage``) and a ``WordOriginal`` row names it. The draft's
original is its newest row; ``take_snapshot`` links each version to it. A
new import replaces the draft's original: the old row goes unless a version
still points at it, and its file leaves the store after the commit through
``attachments.discard_if_unreferenced``, like a removed attachment.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.domain.permissions import belongs_to_bureau, can_see_submission
from app.domain.submissions import storage
from app.extensions import db
from app.models import Submission, SubmissionVersion, User, WordOriginal
from app.storage.base import FileStore

# What each imported format is sent as, and the extension its download name ends with.
FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "doc": ("application/msword", ".doc"),
    "wps": ("application/vnd.ms-works", ".wps"),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "rtf": ("application/rtf", ".rtf"),
}


def download_name(file_name: str, source_format: str) -> str:
    """The uploaded name made safe (``storage.display_name``), ending as its real format does."""
    name = storage.display_name(file_name or "")
    extension = FORMATS[source_format][1]
    stem, dot, current = name.rpartition(".")
    if dot and stem and f".{current.lower()}" == extension:
        return name
    base = stem if dot and stem else name
    return f"{base[:storage.MAX_DISPLAY_NAME_LENGTH - len(extension)]}{extension}"


def current_original(submission: Submission) -> WordOriginal | None:
    """The file the draft's body was last imported from, if any."""
    return db.session.scalar(sa.select(WordOriginal).where(WordOriginal.submission_id == submission.id)
                             .order_by(WordOriginal.id.desc()).limit(1))


def keep_original(submission: Submission, data: bytes, file_name: str, source_format: str, *, actor: User,
                  store: FileStore, max_bytes: int) -> tuple[WordOriginal, list[str]]:
    """Store an imported document and make it the draft's original; returns it and the hashes it replaced.

    The caller has converted the document already, so its format is known;
    the replaced hashes go to ``discard_if_unreferenced`` after the commit.
    """
    stored = storage.store_bytes(data, store, max_bytes=max_bytes, file_type=source_format)
    replaced = _unsent_originals(submission)
    for old in replaced:
        db.session.delete(old)
    original = WordOriginal(submission_id=submission.id, sha256=stored.sha256, size=stored.size,
                            display_name=download_name(file_name, source_format), source_format=source_format,
                            uploaded_by_id=actor.id)
    db.session.add(original)
    db.session.flush()
    return original, [old.sha256 for old in replaced if old.sha256 != stored.sha256]


def _unsent_originals(submission: Submission) -> list[WordOriginal]:
    sent = sa.select(SubmissionVersion.word_original_id).where(
        SubmissionVersion.submission_id == submission.id, SubmissionVersion.word_original_id.is_not(None))
    return list(db.session.scalars(sa.select(WordOriginal).where(
        WordOriginal.submission_id == submission.id, WordOriginal.id.not_in(sent))))


def may_download_original(user: User, submission: Submission, original: WordOriginal) -> bool:
    """The bureau downloads each of its originals; the ministry those of versions sent to it."""
    if original.submission_id != submission.id:
        return False
    if belongs_to_bureau(user, submission):
        return True
    return can_see_submission(user, submission) and any(
        version.word_original_id == original.id for version in submission.versions)


def mime_type(original: WordOriginal) -> str:
    return FORMATS[original.source_format][0]
