"""The ministry's decisions and who takes them.

Decisions go through the workflow (``decide`` is a thin door to
``apply_transition``); reviewer assignments live here too. Everything
flushes; the request commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain import permissions
from app.domain.audit import record_event
from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.notifications import notify
from app.domain.review.thread import check_comment_length
from app.domain.submissions.bodies.rendering import render_body
from app.domain.workflow import DECISION_ACTIONS, Action, apply_transition
from app.extensions import db
from app.models import Conference, Decision, ReviewAssignment, Role, Submission, SubmissionState, User


def decide(
    submission: Submission, action: Action, *, actor: User, comment: str = "", version_seen: int | None = None,
) -> Decision:
    """Approve, request changes or reject the version the reviewer read."""
    if action not in DECISION_ACTIONS:
        raise NotAllowed(_("That is not a decision a reviewer can take."))
    check_comment_length(comment)
    apply_transition(submission, action, actor=actor, comment=comment, version_seen=version_seen)
    return latest_decision(submission)


def reopen(submission: Submission, *, actor: User, reason: str) -> Decision:
    """An editor takes an approved piece back for a late correction.

    Editions already built keep the version they printed: they point at
    immutable versions, and reopening only adds a new state and decision.
    """
    check_comment_length(reason)
    apply_transition(submission, Action.REOPEN, actor=actor, comment=reason)
    return latest_decision(submission)


def ask_for_replacement(submission: Submission, *, actor: User, reason: str) -> Submission:
    """After a rejection, ask the bureau for another piece for the same invitation.

    The rejected piece stays on record with its decisions, read-only; the
    bureau's home then offers to start a new piece for the invitation.
    """
    check_comment_length(reason)
    return apply_transition(submission, Action.REQUEST_REPLACEMENT, actor=actor, comment=reason)


@dataclass(frozen=True)
class StandingRequest:
    decision: Decision
    html: str  # the reason, sanitised exactly as the thread shows it


def standing_request(submission: Submission) -> StandingRequest | None:
    """The ministry's decision the bureau must read first: changes asked for, or a rejection."""
    if submission.state not in (SubmissionState.CHANGES_REQUESTED, SubmissionState.REJECTED):
        return None
    decision = latest_decision(submission)
    if decision is None:
        return None
    return StandingRequest(decision, render_body(decision.comment, id_prefix="decision-").html)


def latest_decision(submission: Submission) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.submission_id == submission.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)
    )


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
