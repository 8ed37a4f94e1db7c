"""What a bureau does with its submission: start it, save drafts, import Word, submit, withdraw.

Every function takes the acting user as ``actor``, checks that the actor may
do it, flushes and writes an audit event; the request commits once. State
changes go through ``app.domain.workflow.apply_transition`` and nowhere else.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.domain.audit import record_event
from app.domain.errors import ConcurrentChange, DomainError
from app.domain.submissions import attachments, originals
from app.domain.submissions.access import NotFound, check_editable, unchanged_state
from app.domain.submissions.bodies.rendering import render_body
from app.domain.submissions.docx.conversion import ConverterBusy
from app.domain.submissions.docx.importer import ConversionsBusy, DocxImportError, OwnConversionRunning, import_document
from app.domain.submissions.limits import UploadPolicy, scan
from app.domain.submissions.storage import sha256_of
from app.domain.submissions.revisions import keep_revision, remember_earlier_text
from app.domain.workflow import Action, apply_transition
from app.extensions import db
from app.models import Invitation, KeyTask, Submission, SubmissionState, User, utcnow
from app.storage.base import FileStore

# A long speech is some 20,000 characters and an imported report with tables
# a few hundred thousand. Rendering dense Markdown costs about 0.5 s per
# 100,000 characters, so half a million keeps a save within a few seconds
# and stops megabytes of pasted noise before the renderer and every version.
MAX_BODY_CHARS = 500_000
MAX_ABSTRACT_CHARS = 5_000
FIELD_LIMITS = {"title": 300, "subtitle": 300, "speaker_name": 120, "speaker_post": 200}


class ImportRefused(DomainError):
    """A document that cannot be imported; the status says whether it was the file, its size or a busy server."""

    def __init__(self, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.http_status = http_status


class ImportsBusy(DomainError):
    """The server converts as many Word documents as it may at once, or this author's previous one."""

    http_status = 503
    retry_after = 30

    def __init__(self, *, own: bool = False, message: str | None = None, retry_after: int | None = None) -> None:
        if retry_after is not None:
            self.retry_after = retry_after
        if message is None and own:
            message = _("Your previous Word document is still being converted. "
                        "Please wait for it, then try again; nothing was changed.")
        elif message is None:
            message = _("The server is converting as many Word documents as it can right now. "
                        "Please try again in half a minute; nothing was changed.")
        super().__init__(message)


class StaleDraft(ConcurrentChange):
    """The draft was saved elsewhere after this user loaded it."""

    def __init__(self) -> None:
        super().__init__(_("Someone saved this submission after you opened it."))


@dataclass(frozen=True)
class DraftFields:
    """What the edit form says; every field of a submission a bureau may write."""

    title: str = ""
    subtitle: str = ""
    key_task_ids: list[int] = field(default_factory=list)
    abstract: str = ""
    body_source: str = ""
    body_format: str = "markdown"
    speaker_name: str = ""
    speaker_post: str = ""
    planned_minutes: int | None = None


@dataclass(frozen=True)
class BodyChange:
    """The outcome of a save or an import: what the sanitiser took out, and import notes."""

    removed: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    image_count: int = 0
    # Files no longer attached after the change: the caller discards them once committed.
    discarded: list[str] = field(default_factory=list)


def start_submission(invitation: Invitation, *, actor: User) -> tuple[Submission, bool]:
    """The live submission answering ``invitation``, created if there is none.

    Returns the submission and whether it was created. A new piece after the
    ministry asked for a replacement records the piece it replaces. Another
    bureau's invitation is NotFound, so that its existence is not leaked.
    """
    if actor.organisation_id is None or invitation.organisation_id != actor.organisation_id:
        raise NotFound(_("No such invitation."))
    existing = db.session.scalar(sa.select(Submission).where(
        Submission.invitation_id == invitation.id, Submission.is_live()))
    if existing is not None:
        return existing, False
    replaced = db.session.scalar(
        sa.select(Submission.id).where(Submission.invitation_id == invitation.id)
        .order_by(Submission.id.desc()).limit(1))
    submission = Submission(
        invitation=invitation, organisation_id=invitation.organisation_id,
        conference_id=invitation.conference_id, kind=invitation.kind, created_by_id=actor.id,
        replaces_id=replaced,
    )
    db.session.add(submission)
    db.session.flush()
    record_event("create", actor=actor, obj=submission, submission=submission,
                 to_state=submission.state.value, detail={"invitation": invitation.id})
    return submission, True


def save_draft(submission: Submission, fields: DraftFields, *, actor: User, loaded_version: int) -> BodyChange:
    """Write the form's fields over the draft, sanitising the body.

    ``loaded_version`` is the ``lock_version`` the form was loaded with: if the
    draft was saved since, StaleDraft is raised and nothing is written.
    """
    check_editable(submission, actor)
    _check_not_stale(submission, loaded_version)
    _check_lengths(fields)
    key_tasks = _key_tasks_of_conference(submission, fields.key_task_ids)
    rendered = render_body(fields.body_source, source_format=fields.body_format)
    remember_earlier_text(submission, actor=actor)
    submission.title = fields.title.strip()
    submission.subtitle = fields.subtitle.strip()
    submission.abstract = fields.abstract.strip()
    submission.body_source = fields.body_source
    submission.body_format = fields.body_format
    submission.body_html = rendered.html
    submission.key_tasks = key_tasks
    if submission.kind.value == "oral":
        submission.speaker_name = fields.speaker_name.strip()
        submission.speaker_post = fields.speaker_post.strip()
        submission.planned_minutes = fields.planned_minutes
    # Key tasks live in another table; touching the row bumps the lock even
    # when only they changed, so a concurrent save still sees the conflict.
    submission.updated_at = utcnow()
    db.session.flush()
    keep_revision(submission, "save", actor=actor)
    record_event("save", actor=actor, obj=submission, submission=submission, **unchanged_state(submission),
                 detail={"body_chars": len(fields.body_source), "removed": rendered.removed})
    return BodyChange(removed=rendered.removed)


def import_word(
    submission: Submission, data: bytes, file_name: str, *, actor: User, loaded_version: int,
    store: FileStore, policy: UploadPolicy, time_limit: float = 20.0, max_concurrent: int = 2,
) -> BodyChange:
    """Replace the draft's body with a document's content; its images become attachments.

    The document may be .docx, .doc, .wps, .odt or .rtf (judged by content)
    and is scanned for viruses first. One that cannot be read, is empty, is
    over the size limit or whose images break a limit raises a DomainError
    (ImportRefused, ImportsBusy) and leaves the draft as it was (images are
    only stored once the conversion succeeded and all of them passed).
    """
    check_editable(submission, actor)
    _check_not_stale(submission, loaded_version)
    if len(data) > policy.max_bytes:
        raise ImportRefused(_("The document is larger than %(mb)d MB, so it was not imported. Save its "
                              "pictures smaller, or split it.", mb=policy.max_bytes // (1024 * 1024)), 413)
    scan(io.BytesIO(data), policy)

    kept: set[str] = set()

    def store_image(content: bytes, content_type: str) -> str:
        attachment = attachments.add_body_image(submission, content, actor=actor,
                                                store=store, max_bytes=policy.max_bytes)
        kept.add(attachment.sha256)
        return attachments.body_url(attachment.sha256)

    def check_images(contents: list[bytes]) -> None:
        attachments.check_body_images(submission, contents, policy, original=(sha256_of(data), len(data)))

    try:
        result = import_document(data, store_image=store_image, check_images=check_images, time_limit=time_limit,
                                 max_concurrent=max_concurrent, owner=actor.id)
    except ConversionsBusy as busy:
        raise ImportsBusy(own=isinstance(busy, OwnConversionRunning)) from None
    except ConverterBusy as busy:
        # LibreOffice's own slots (old Word, WPS, OpenDocument): busy too, so a retry, not a refusal.
        raise ImportsBusy(message=busy.message, retry_after=60) from None  # its message says "in a minute"
    except DocxImportError as error:
        raise ImportRefused(error.message, error.http_status) from None
    if len(result.html) > MAX_BODY_CHARS:
        raise ImportRefused(_("The document's text is longer than %(max)d characters.", max=MAX_BODY_CHARS))
    rendered = render_body(result.html, source_format="html")
    remember_earlier_text(submission, actor=actor)
    submission.body_source = result.html
    submission.body_format = "html"
    submission.body_html = rendered.html
    submission.updated_at = utcnow()
    discarded = attachments.drop_replaced_body_images(submission, keep=kept)
    try:
        original, replaced = originals.keep_original(
            submission, data, file_name, result.source_format, actor=actor, store=store,
            max_bytes=policy.max_bytes)
    except OSError:
        raise attachments.StorageUnavailable() from None
    discarded += replaced
    db.session.flush()
    keep_revision(submission, "import", actor=actor, detail=attachments.display_name(file_name))
    record_event("import", actor=actor, obj=submission, submission=submission, **unchanged_state(submission), detail={
        "file_name": attachments.display_name(file_name), "size": len(data), "format": result.source_format,
        "images": result.image_count, "messages": result.messages, "removed": rendered.removed,
        "replaced_images": discarded, "original": original.sha256,
    })
    return BodyChange(removed=rendered.removed, messages=result.messages, image_count=result.image_count,
                      discarded=discarded)


def submit_submission(
    submission: Submission, *, actor: User, now: datetime | None = None,
) -> Submission:
    """Send the draft to the ministry: submit a draft, or resubmit after requested changes."""
    action = Action.RESUBMIT if submission.state is SubmissionState.CHANGES_REQUESTED else Action.SUBMIT
    return apply_transition(submission, action, actor=actor, now=now)


def withdraw_submission(submission: Submission, *, actor: User) -> Submission:
    """Take the piece back before the ministry approves it."""
    return apply_transition(submission, Action.WITHDRAW, actor=actor)


def restart_submission(submission: Submission, *, actor: User, now: datetime | None = None) -> Submission:
    """Start a withdrawn piece again as a draft, with its text and versions, while the invitation is open."""
    return apply_transition(submission, Action.RESTART, actor=actor, now=now)


def _check_not_stale(submission: Submission, loaded_version: int) -> None:
    if loaded_version != submission.lock_version:
        raise StaleDraft()


def _check_lengths(fields: DraftFields) -> None:
    for name, limit in FIELD_LIMITS.items():
        if len(getattr(fields, name).strip()) > limit:
            raise DomainError(_("A field is longer than %(max)d characters.", max=limit))
    if len(fields.abstract) > MAX_ABSTRACT_CHARS:
        raise DomainError(_("The abstract may have at most %(max)d characters.", max=MAX_ABSTRACT_CHARS))
    if len(fields.body_source) > MAX_BODY_CHARS:
        raise DomainError(_("The body may have at most %(max)d characters.", max=MAX_BODY_CHARS))
    if fields.planned_minutes is not None and not 0 < fields.planned_minutes <= 240:
        raise DomainError(_("The planned minutes must be between 1 and 240."))


def _key_tasks_of_conference(submission: Submission, ids: list[int]) -> list[KeyTask]:
    wanted = set(ids)
    tasks = list(db.session.scalars(
        sa.select(KeyTask).where(KeyTask.id.in_(wanted), KeyTask.conference_id == submission.conference_id)
        .order_by(KeyTask.number)
    )) if wanted else []
    if len(tasks) != len(wanted):
        raise DomainError(_("Choose key tasks of this submission's conference only."))
    return tasks
