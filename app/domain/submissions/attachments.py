"""A submission's files: supporting attachments and the images of its body.

Files live in the content-addressed store of ``app.domain.submissions.storage``; a row
here gives one submission a reference to one file. Several rows, on several
pieces, and submitted versions can point at the same file: it is deleted
only once none does (``discard_if_unreferenced``, after the commit).
"""
from __future__ import annotations

import errno
import io
import logging
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _

from app.domain.audit import record_event
from app.domain.errors import DomainError, NotAllowed
from app.domain.permissions import belongs_to_bureau, can_see_submission
from app.domain.submissions import storage
from app.domain.submissions.access import check_editable, unchanged_state
from app.domain.submissions.filetypes import ALLOWED_TYPES, named_for_type
from app.domain.submissions.limits import (
    IMAGE_TYPES,
    UploadPolicy,
    check_bureau_storage,
    check_file_count,
    check_image_pixels,
    scan,
)
from app.extensions import db
from app.models import Attachment, Submission, SubmissionVersion, User, WordOriginal
from app.storage.base import FileStore

# What a bureau may send alongside its piece; GIF only arrives inside Word files.
UPLOAD_TYPES = frozenset({"pdf", "docx", "xlsx", "jpeg", "png"})

display_name = storage.display_name
log = logging.getLogger("huibian.files")


class FileTooLarge(DomainError):
    http_status = 413


class UnsupportedFile(DomainError):
    http_status = 415


class StorageUnavailable(DomainError):
    """The file store cannot be written (unwritable, full, gone): nothing is kept, and the draft stands."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__(_("The server cannot store files at the moment. Nothing was stored; "
                           "please try again later, and tell the ministry if it persists."))


class StorageFull(DomainError):
    """The file store's disk (or quota) is full: nothing is kept, and the draft stands."""

    http_status = 507

    def __init__(self) -> None:
        super().__init__(_("The server's file store is full. Nothing was stored and your saved draft is "
                           "unchanged; please tell the ministry, then try again."))


def body_url(sha256: str) -> str:
    """How a body refers to one of its images (the sanitiser allows exactly this form)."""
    return f"/attachments/{sha256}"


def body_pictures(submission: Submission) -> list[dict]:
    """The piece's pictures that its body may show: where the body points and the name to offer."""
    return [{"src": body_url(a.sha256), "name": a.display_name}
            for a in submission.attachments if a.file_type in IMAGE_TYPES]


def mime_type(attachment_type: str) -> str:
    return ALLOWED_TYPES[attachment_type].mime_type


def add_attachment(
    submission: Submission, stream: BinaryIO, file_name: str, *, actor: User, store: FileStore,
    policy: UploadPolicy,
) -> tuple[Attachment, bool]:
    """Store an uploaded file and attach it; returns the attachment and whether it is new.

    The type is judged from the content; the name is kept for display only.
    Refused, with nothing kept: a file past the size limit, of another type,
    an image with too many pixels, one file too many on the piece, a bureau
    over its storage quota, a virus, or a scanner that cannot be reached.
    """
    check_editable(submission, actor)
    check_file_count(submission, 1, policy)

    def vet(received: storage.ReceivedFile) -> None:  # on this host, before the store sees the file
        if _attachment_with_hash(submission, received.sha256) is not None:
            return
        if received.file_type not in UPLOAD_TYPES:
            raise UnsupportedFile(_unsupported_message())
        if received.file_type in IMAGE_TYPES:
            check_image_pixels(received.path, policy)
        check_bureau_storage(submission, {received.sha256: received.size}, policy)
        with received.path.open("rb") as content:
            scan(content, policy)

    stored = _store(stream, store, policy.max_bytes, check=vet)
    existing = _attachment_with_hash(submission, stored.sha256)
    if existing is not None:
        return existing, False
    name = named_for_type(display_name(file_name or ""), stored.file_type, storage.MAX_DISPLAY_NAME_LENGTH)
    attachment = Attachment(
        submission=submission, sha256=stored.sha256, display_name=name,
        size=stored.size, file_type=stored.file_type, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record_event("upload", actor=actor, obj=attachment, submission=submission, **unchanged_state(submission), detail={
        "name": attachment.display_name, "sha256": attachment.sha256, "size": attachment.size,
        "file_type": attachment.file_type,
    })
    return attachment, True


def check_body_images(submission: Submission, images: list[bytes], policy: UploadPolicy,
                      *, original: tuple[str, int] | None = None) -> None:
    """Before a Word import stores any of its images: pixels, size, count and quota for all of them.

    The images of the body it replaces count as gone (``drop_replaced_body_images``);
    the ``original`` document itself (sha256, size), which the import keeps, counts towards the quota.
    """
    new = {storage.sha256_of(content): content for content in images}
    leaving = len(_replaced_body_images(submission, keep=set(new)))
    for sha256 in [a.sha256 for a in submission.attachments]:
        new.pop(sha256, None)
    for content in new.values():
        if len(content) > policy.max_bytes:
            raise FileTooLarge(_("An image in the document is larger than %(limit)d MB. Nothing was stored.",
                                 limit=policy.max_bytes // (1024 * 1024)))
        check_image_pixels(io.BytesIO(content), policy)
    check_file_count(submission, len(new), policy, leaving=leaving)
    costs = {sha256: len(content) for sha256, content in new.items()}
    if original is not None:
        costs.setdefault(*original)
    check_bureau_storage(submission, costs, policy)


def add_body_image(
    submission: Submission, content: bytes, *, actor: User, store: FileStore, max_bytes: int,
) -> Attachment:
    """Keep an image taken out of a Word document (checked by ``check_body_images``) as an attachment in the body."""
    stored = _store(io.BytesIO(content), store, max_bytes)
    existing = _attachment_with_hash(submission, stored.sha256)
    if existing is not None:
        return existing
    attachment = Attachment(
        submission=submission, sha256=stored.sha256, size=stored.size, file_type=stored.file_type,
        display_name=f"image-{stored.sha256[:8]}{ALLOWED_TYPES[stored.file_type].extension}",
        in_body=True, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def drop_replaced_body_images(submission: Submission, *, keep: set[str]) -> list[str]:
    """Take off the piece the images of a body that an import replaced; returns their hashes.

    Only pictures that came in with a Word document (``in_body``) and are not
    in the new body go; files attached by hand stay. The caller discards the
    files after the commit, as for a removal.
    """
    dropped = _replaced_body_images(submission, keep=keep)
    for attachment in dropped:
        submission.attachments.remove(attachment)
        db.session.delete(attachment)
    db.session.flush()
    return [attachment.sha256 for attachment in dropped]


def _replaced_body_images(submission: Submission, *, keep: set[str]) -> list[Attachment]:
    return [a for a in submission.attachments if a.in_body and a.sha256 not in keep]


def remove_attachment(attachment: Attachment, *, actor: User) -> str:
    """Take a file off a draft; an image still shown in the body must leave the body first.

    Returns the file's hash: once the removal is committed, the caller hands
    it to ``discard_if_unreferenced`` so that the file leaves the disk too.
    """
    submission = attachment.submission
    check_editable(submission, actor)
    if body_url(attachment.sha256) in submission.body_source:
        raise NotAllowed(_("This image is shown in the body. Delete it from the body and save, then remove it."))
    detail = {"name": attachment.display_name, "sha256": attachment.sha256}
    record_event("remove", actor=actor, obj=attachment, submission=submission, **unchanged_state(submission),
                 detail=detail)
    submission.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
    return attachment.sha256


def may_download(user: User, submission: Submission, sha256: str) -> bool:
    """The bureau downloads its own files; the ministry those of versions sent to it."""
    if belongs_to_bureau(user, submission):
        return True
    return can_see_submission(user, submission) and any(
        item.get("sha256") == sha256 for version in submission.versions for item in version.attachments
    )


def file_for_user(user: User, sha256: str) -> tuple[str, str] | None:
    """(display name, file type) of the file with this hash if ``user`` may see a submission holding it."""
    pattern = f'%"{sha256}"%'
    holders = db.session.scalars(
        sa.select(Submission).where(sa.or_(
            Submission.id.in_(sa.select(Attachment.submission_id).where(Attachment.sha256 == sha256)),
            Submission.id.in_(sa.select(SubmissionVersion.submission_id).where(
                sa.cast(SubmissionVersion.attachments, sa.Text).like(pattern))),
        ))
    ).all()
    for submission in holders:
        if not may_download(user, submission, sha256):
            continue
        row = _attachment_with_hash(submission, sha256)
        if row is not None:
            return row.display_name, row.file_type
        for version in reversed(submission.versions):
            for item in version.attachments:
                if item.get("sha256") == sha256:
                    return item["name"], item["file_type"]
    return None


def _store(stream: BinaryIO, store: FileStore, max_bytes: int, check=None) -> storage.StoredFile:
    try:
        return storage.store_stream(stream, store, max_bytes=max_bytes, check=check)
    except storage.FileTooLarge:
        limit = max_bytes // (1024 * 1024)
        raise FileTooLarge(_("Files may be at most %(limit)d MB. Nothing was stored.", limit=limit)) from None
    except storage.UnsupportedFileType:
        raise UnsupportedFile(_unsupported_message()) from None
    except OSError as error:
        log.error("Cannot write to the file store %r: %s", store, error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from None
        raise StorageUnavailable() from None


def _unsupported_message() -> str:
    return _("This kind of file is not accepted; judged by its content, it is not a PDF, Word (.docx), "
             "Excel (.xlsx), JPEG or PNG file. Nothing was stored.")


def file_in_use(sha256: str) -> bool:
    """Whether any attachment, on any piece, any submitted version or any kept Word original points at this file."""
    attached = sa.select(Attachment.id).where(Attachment.sha256 == sha256)
    in_version = sa.select(SubmissionVersion.id).where(
        sa.cast(SubmissionVersion.attachments, sa.Text).like(f'%"{sha256}"%'))
    original = sa.select(WordOriginal.id).where(WordOriginal.sha256 == sha256)
    return bool(db.session.scalar(sa.select(
        sa.or_(sa.exists(attached), sa.exists(in_version), sa.exists(original)))))


def discard_if_unreferenced(sha256: str, store: FileStore) -> bool:
    """Delete the stored file when nothing refers to it any more; whether it was deleted.

    Called after the removal is committed, so a rolled-back request never
    loses a file that a row still names.
    """
    if file_in_use(sha256):
        return False
    try:
        store.delete(storage.key_for(sha256))
    except OSError as error:  # the removal stands; an orphan file costs disk, not correctness
        log.warning("Could not delete unreferenced file %s: %s", sha256, error)
        return False
    return True


def _attachment_with_hash(submission: Submission, sha256: str) -> Attachment | None:
    return next((a for a in submission.attachments if a.sha256 == sha256), None)
