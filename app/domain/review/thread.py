"""A piece's thread: comments between the bureau and the ministry, internal notes, decisions in time order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain import permissions
from app.domain.audit import record_event
from app.domain.errors import DomainError, Forbidden
from app.domain.notifications import ministry_members, notify
from app.domain.submissions.bodies.rendering import render_body
from app.extensions import db
from app.models import Comment, Decision, Submission, User, utcnow

# Long enough for any real remark, short enough that nobody pastes a body here.
MAX_COMMENT_CHARS = 20_000


def add_comment(submission: Submission, text: str, *, actor: User, internal: bool = False) -> Comment:
    """Add a message to the piece's thread, or an internal note the bureau never sees.

    The text is Markdown sanitised exactly like a body. A ministry comment is
    announced to the bureau, a bureau comment to the ministry; a note to nobody.
    """
    if internal and not permissions.can_write_internal_note(actor, submission):
        raise Forbidden(_("Only the ministry writes internal notes."))
    if not permissions.can_comment(actor, submission):
        raise Forbidden(_("You may not comment on this submission."))
    text = (text or "").strip()
    check_comment_length(text)
    rendered = render_body(text, id_prefix="comment-")
    if not text or not rendered.html.strip():
        raise DomainError(_("The comment is empty."))
    comment = Comment(
        submission_id=submission.id, author_id=actor.id, body_source=text, body_html=rendered.html,
        internal=internal, created_at=utcnow(),
    )
    db.session.add(comment)
    record_event("note" if internal else "comment", actor=actor, obj=comment, submission=submission,
                 detail={"removed": rendered.removed} if rendered.removed else {})
    if not internal:
        if permissions.is_ministry(actor):
            notify(submission, "comment", actor=actor, note=text)
        else:
            notify(submission, "bureau_comment", actor=actor, note=text, recipients=ministry_members(submission))
    return comment


def check_comment_length(text: str) -> None:
    if len(text or "") > MAX_COMMENT_CHARS:
        raise DomainError(_("Please keep it under %(n)d characters.", n=MAX_COMMENT_CHARS))


@dataclass(frozen=True)
class ThreadEntry:
    """One line of a piece's history: a decision or a comment, in time order."""

    at: datetime
    author: User
    kind: str  # "decision", "comment" or "note"
    html: str
    decision: Decision | None = None


def thread_for(submission: Submission, viewer: User) -> list[ThreadEntry]:
    """The decisions and comments ``viewer`` may read, oldest first.

    Internal notes are left out for anyone outside the ministry, here and
    only here, so every page that shows a thread shows the same safe one.
    """
    if not permissions.can_see_submission(viewer, submission):
        return []
    comments = sa.select(Comment).where(Comment.submission_id == submission.id)
    if not permissions.can_see_internal_notes(viewer):
        comments = comments.where(Comment.internal.is_(False))
    entries = [
        ThreadEntry(c.created_at, c.author, "note" if c.internal else "comment", c.body_html)
        for c in db.session.scalars(comments.options(selectinload(Comment.author)))
    ]
    decisions = db.session.scalars(
        sa.select(Decision).where(Decision.submission_id == submission.id)
        .options(selectinload(Decision.decided_by), selectinload(Decision.version))
    )
    entries += [
        ThreadEntry(d.decided_at, d.decided_by, "decision",
                    render_body(d.comment, id_prefix="decision-").html if d.comment else "", d)
        for d in decisions
    ]
    return sorted(entries, key=lambda e: e.at)
