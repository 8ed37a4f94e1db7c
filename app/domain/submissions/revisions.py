"""A draft's revisions: every save, import and restore keeps the text it left.

The bureau can read any revision and put it back (an import is undone by
putting back the revision before it). A piece keeps its newest
:data:`MAX_REVISIONS`; older ones are removed as new ones come. Revisions are
the bureau's working copies: the ministry reads versions, never these.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.domain.audit import record_event
from app.domain.errors import ConcurrentChange
from app.domain.submissions.access import NotFound, check_editable, unchanged_state
from app.domain.submissions.bodies.rendering import character_count, render_body
from app.extensions import db
from app.models import DraftRevision, Submission, User, utcnow

MAX_REVISIONS = 30
_FIELDS = ("title", "subtitle", "speaker_name", "speaker_post", "abstract", "body_source", "body_format", "body_html")


def remember_earlier_text(submission: Submission, *, actor: User) -> None:
    """Call before changing a draft: a draft that has text but no revision yet
    (written before revisions were kept) gets that text kept as revision 1,
    "earlier", so that even its first change can be undone."""
    if (submission.title or submission.body_source) and _newest_number(submission) == 0:
        db.session.add(_revision_from(submission, 1, "earlier", actor=actor))
        db.session.flush()


def keep_revision(submission: Submission, reason: str, *, actor: User, detail: str = "") -> DraftRevision:
    """Record the draft as the change just made left it (call :func:`remember_earlier_text` first)."""
    revision = _revision_from(submission, _newest_number(submission) + 1, reason, actor=actor, detail=detail[:300])
    db.session.add(revision)
    db.session.flush()
    _prune(submission)
    return revision


def revisions_of(submission: Submission) -> list[DraftRevision]:
    """The piece's revisions, newest first, without their bodies."""
    return list(db.session.scalars(
        sa.select(DraftRevision).where(DraftRevision.submission_id == submission.id)
        .order_by(DraftRevision.number.desc())))


def revision_of(submission: Submission, number: int) -> DraftRevision:
    revision = db.session.scalar(sa.select(DraftRevision).where(
        DraftRevision.submission_id == submission.id, DraftRevision.number == number))
    if revision is None:
        raise NotFound(_("No such revision."))
    return revision


# The body's pictures, as the sanitiser leaves them (see rendering._SERIALISED_IMG).
_PICTURE = re.compile(r'<img\b[^>]*\ssrc="/attachments/([0-9a-f]{64})"[^>]*>')


@dataclass(frozen=True)
class Restored:
    revision: DraftRevision
    #: pictures of the revision no longer stored with the piece (an import replaced them), left out
    missing_pictures: int = 0


def restore_revision(submission: Submission, number: int, *, actor: User, loaded_version: int) -> Restored:
    """Put revision ``number`` back as the draft; the restore is itself a new revision."""
    check_editable(submission, actor)
    if loaded_version != submission.lock_version:
        raise ConcurrentChange(_("Someone saved this submission after you opened it."))
    revision = revision_of(submission, number)
    remember_earlier_text(submission, actor=actor)
    for name in _FIELDS:
        setattr(submission, name, getattr(revision, name))
    body, missing = _without_missing_pictures(submission, revision.body_source)
    submission.body_source = body
    # Rendered again: the allow-list may have tightened since the revision was kept.
    submission.body_html = render_body(body, source_format=revision.body_format).html
    submission.updated_at = utcnow()
    kept = keep_revision(submission, "restore", actor=actor, detail=str(number))
    record_event("restore_revision", actor=actor, obj=submission, submission=submission,
                 **unchanged_state(submission), detail={"restored": number, "revision": kept.number,
                                                         "missing_pictures": missing})
    return Restored(kept, missing)


def _without_missing_pictures(submission: Submission, body: str) -> tuple[str, int]:
    attached = {attachment.sha256 for attachment in submission.attachments}
    missing = 0

    def keep_if_stored(match: re.Match) -> str:
        nonlocal missing
        if match[1] in attached:
            return match[0]
        missing += 1
        return ""

    return _PICTURE.sub(keep_if_stored, body), missing


def _revision_from(submission: Submission, number: int, reason: str, *, actor: User, detail: str = "") -> DraftRevision:
    values = {name: getattr(submission, name) for name in _FIELDS}
    return DraftRevision(submission_id=submission.id, number=number, reason=reason, detail=detail,
                         characters=character_count(values["body_html"] or ""), created_by_id=actor.id,
                         created_at=utcnow(), **values)


def _newest_number(submission: Submission) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(DraftRevision.number), 0))
                             .where(DraftRevision.submission_id == submission.id))


def _prune(submission: Submission) -> None:
    keep_from = db.session.scalar(
        sa.select(DraftRevision.number).where(DraftRevision.submission_id == submission.id)
        .order_by(DraftRevision.number.desc()).offset(MAX_REVISIONS - 1).limit(1))
    if keep_from is not None:
        db.session.execute(sa.delete(DraftRevision).where(
            DraftRevision.submission_id == submission.id, DraftRevision.number < keep_from))
