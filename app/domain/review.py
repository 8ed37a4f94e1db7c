"""What the ministry does with a submission besides moving its state.

Decisions go through the workflow (``decide`` is a thin door to
``apply_transition``); comments, internal notes and reviewer assignments
live here. Everything flushes; the request commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain import permissions
from app.domain.audit import record_event
from app.domain.bodies import render_body
from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.notify import ministry_members, notify
from app.domain.workflow import DECISION_ACTIONS, Action, apply_transition
from app.extensions import db
from app.models import (
    Comment, Conference, Decision, ReviewAssignment, Role, Submission, User, utcnow,
)

# Long enough for any real remark, short enough that nobody pastes a body here.
MAX_COMMENT_CHARS = 20_000


def decide(
    submission: Submission, action: Action, *, actor: User, comment: str = "", version_seen: int | None = None,
) -> Decision:
    """Approve, request changes or reject the version the reviewer read."""
    if action not in DECISION_ACTIONS:
        raise NotAllowed(_("That is not a decision a reviewer can take."))
    _check_length(comment)
    apply_transition(submission, action, actor=actor, comment=comment, version_seen=version_seen)
    return latest_decision(submission)


def reopen(submission: Submission, *, actor: User, reason: str) -> Decision:
    """An editor takes an approved piece back for a late correction.

    Editions already built keep the version they printed: they point at
    immutable versions, and reopening only adds a new state and decision.
    """
    _check_length(reason)
    apply_transition(submission, Action.REOPEN, actor=actor, comment=reason)
    return latest_decision(submission)


def latest_decision(submission: Submission) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.submission_id == submission.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)
    )


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
    _check_length(text)
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


def _check_length(text: str) -> None:
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


def reviewers() -> list[User]:
    """Everyone who may be assigned: enabled reviewers and editors."""
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_([Role.REVIEWER, Role.EDITOR]), User.is_enabled)
        .order_by(User.display_name, User.username)
    ))


def assignments_of(submission: Submission) -> list[ReviewAssignment]:
    return list(db.session.scalars(
        sa.select(ReviewAssignment).where(ReviewAssignment.submission_id == submission.id)
        .options(selectinload(ReviewAssignment.reviewer)).order_by(ReviewAssignment.id)
    ))


def assign_reviewer(submission: Submission, reviewer: User, *, actor: User) -> ReviewAssignment:
    """An editor asks ``reviewer`` to take the piece; assigning twice changes nothing."""
    if not permissions.can_assign_reviewers(actor):
        raise Forbidden(_("Only editors assign reviewers."))
    if not permissions.is_ministry(reviewer) or not reviewer.is_enabled:
        raise DomainError(_("Only active ministry reviewers and editors can be assigned."))
    existing = db.session.scalar(sa.select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id, ReviewAssignment.reviewer_id == reviewer.id))
    if existing:
        return existing
    assignment = ReviewAssignment(submission_id=submission.id, reviewer_id=reviewer.id, assigned_by_id=actor.id)
    db.session.add(assignment)
    record_event("assign_reviewer", actor=actor, obj=assignment, submission=submission,
                 detail={"reviewer": reviewer.username})
    notify(submission, "assign", actor=actor, recipients=[reviewer])
    return assignment


def unassign_reviewer(submission: Submission, reviewer: User, *, actor: User) -> None:
    if not permissions.can_assign_reviewers(actor):
        raise Forbidden(_("Only editors assign reviewers."))
    assignment = db.session.scalar(sa.select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id, ReviewAssignment.reviewer_id == reviewer.id))
    if assignment is None:
        return
    record_event("unassign_reviewer", actor=actor, obj=assignment, submission=submission,
                 detail={"reviewer": reviewer.username})
    db.session.delete(assignment)
    db.session.flush()


def restrict_to_assigned(conference: Conference, restricted: bool, *, actor: User) -> None:
    """Whether only assigned reviewers (and editors) may decide in this conference."""
    if not permissions.can_assign_reviewers(actor):
        raise Forbidden(_("Only editors change who may decide."))
    if conference.review_restricted_to_assigned == restricted:
        return
    conference.review_restricted_to_assigned = restricted
    record_event("restrict_review" if restricted else "open_review", actor=actor, obj=conference)
    db.session.flush()
