"""The submission workflow: one table of allowed transitions, one function to take them.

Nothing else in Huibian changes ``Submission.state``. A view asks
``allowed_actions`` what to offer and calls ``apply_transition``; the table
below is the whole of the rules.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from app.domain.audit import record_event
from app.domain.dates import format_due
from app.domain.errors import ConcurrentChange, DomainError, Forbidden, NotAllowed
from app.domain.labels import action_label, state_label
from app.domain.notifications import notify
from app.domain.permissions import belongs_to_bureau, can_review
from app.domain.submissions.bodies.rendering import character_count, render_body
from app.domain.submissions.versions import take_snapshot
from app.extensions import db
from app.models import Comment, Decision, DecisionOutcome, ReviewAssignment, Role, Submission, User, utcnow
from app.models import SubmissionState as S


class Action(enum.Enum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    RESTART = "restart"
    REQUEST_REPLACEMENT = "request_replacement"


class Party(enum.Enum):
    """Who may take a transition: each transition names its parties explicitly.

    ``BUREAU`` is a submitter of the piece's own bureau; ``REVIEWER`` and
    ``EDITOR`` are the ministry's roles, who act through ``can_review`` (so a
    conference that restricts review to assignees restricts reviewers, never
    editors). A transition open to both sides lists parties of both.
    """

    BUREAU = "bureau"
    REVIEWER = "reviewer"
    EDITOR = "editor"


PARTY_OF_ROLE = {Role.SUBMITTER: Party.BUREAU, Role.REVIEWER: Party.REVIEWER, Role.EDITOR: Party.EDITOR}

BUREAU = frozenset({Party.BUREAU})
MINISTRY = frozenset({Party.REVIEWER, Party.EDITOR})
EDITORS = frozenset({Party.EDITOR})


@dataclass(frozen=True)
class Transition:
    to: S
    parties: frozenset[Party]
    needs_comment: bool = False
    checks_deadline: bool = False
    takes_snapshot: bool = False
    decision: DecisionOutcome | None = None
    # Whether the other side hears of it: a bureau starting a withdrawn piece
    # again is its own business until it submits.
    notifies: bool = True


TRANSITIONS: dict[tuple[S, Action], Transition] = {
    (S.DRAFT, Action.SUBMIT): Transition(S.SUBMITTED, BUREAU, checks_deadline=True, takes_snapshot=True),
    # A resubmission answers the ministry's own request, so the original
    # deadline no longer applies to it.
    (S.CHANGES_REQUESTED, Action.RESUBMIT): Transition(S.SUBMITTED, BUREAU, takes_snapshot=True),
    (S.SUBMITTED, Action.APPROVE): Transition(S.APPROVED, MINISTRY, decision=DecisionOutcome.APPROVE),
    (S.SUBMITTED, Action.REQUEST_CHANGES): Transition(
        S.CHANGES_REQUESTED, MINISTRY, needs_comment=True, decision=DecisionOutcome.REQUEST_CHANGES
    ),
    (S.SUBMITTED, Action.REJECT): Transition(S.REJECTED, MINISTRY, needs_comment=True, decision=DecisionOutcome.REJECT),
    (S.DRAFT, Action.WITHDRAW): Transition(S.WITHDRAWN, BUREAU),
    (S.SUBMITTED, Action.WITHDRAW): Transition(S.WITHDRAWN, BUREAU),
    (S.CHANGES_REQUESTED, Action.WITHDRAW): Transition(S.WITHDRAWN, BUREAU),
    (S.APPROVED, Action.REOPEN): Transition(
        S.CHANGES_REQUESTED, EDITORS, needs_comment=True, decision=DecisionOutcome.REOPEN
    ),
    # No dead ends: a withdrawn piece (a draft, or one sent and taken back) can be
    # started again while the invitation is open; it keeps its text and versions.
    (S.WITHDRAWN, Action.RESTART): Transition(S.DRAFT, BUREAU, checks_deadline=True, notifies=False),
    # After a rejection the ministry may ask for a replacement: the rejected piece
    # stays on record, read-only, and the bureau starts a new one for the invitation.
    (S.REJECTED, Action.REQUEST_REPLACEMENT): Transition(S.SUPERSEDED, MINISTRY, needs_comment=True),
}

# The decisions a reviewer takes from the review page (reopening is the editors' own door).
DECISION_ACTIONS = frozenset(
    action for (_state, action), t in TRANSITIONS.items() if t.decision is not None and Party.REVIEWER in t.parties
)


def may_act(user: User, submission: Submission, transition: Transition) -> bool:
    """The user is one of the transition's parties and stands in the right relation to the piece.

    A bureau acts on its own organisation's pieces only; the ministry's roles
    go through ``can_review``, which applies the conference's restriction to
    assigned reviewers (editors are never restricted).
    """
    if not user.is_authenticated:
        return False
    party = PARTY_OF_ROLE.get(user.role)
    if party not in transition.parties:
        return False
    if party is Party.BUREAU:
        return belongs_to_bureau(user, submission)
    return can_review(user, submission, assigned_reviewer_ids=assigned_reviewer_ids(submission))


def assigned_reviewer_ids(submission: Submission) -> set[int]:
    return set(db.session.scalars(
        db.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.submission_id == submission.id)
    ))


def allowed_actions(user: User, submission: Submission) -> list[Action]:
    """The actions this user may take on this submission now (guards aside)."""
    return [
        action for (state, action), transition in TRANSITIONS.items()
        if state is submission.state and may_act(user, submission, transition)
    ]


def deadline_passed(submission: Submission, now: datetime) -> bool:
    return now > submission.invitation.effective_due_at


def check_ready_to_submit(submission: Submission) -> None:
    missing = []
    if not submission.title.strip():
        missing.append(_("a title"))
    if not submission.key_tasks:
        missing.append(_("at least one key task"))
    if not submission.body_html.strip():
        missing.append(_("a body"))
    if submission.kind.value == "oral" and not submission.speaker_name.strip():
        missing.append(_("the speaker's name"))
    if missing:
        raise DomainError(_("Before submitting, please give %(missing)s.", missing=", ".join(missing)))
    limit = submission.invitation.max_chars
    if limit and (count := character_count(submission.body_html)) > limit:
        raise DomainError(ngettext(
            "The body has %(count)s characters; this invitation allows at most %(limit)s. "
            "Shorten it by %(num)s character, then submit again. Your draft is saved.",
            "The body has %(count)s characters; this invitation allows at most %(limit)s. "
            "Shorten it by %(num)s characters, then submit again. Your draft is saved.",
            count - limit, count=f"{count:,}", limit=f"{limit:,}"))


def apply_transition(
    submission: Submission,
    action: Action,
    *,
    actor: User,
    comment: str = "",
    now: datetime | None = None,
    version_seen: int | None = None,
) -> Submission:
    """Take ``action`` on ``submission`` for ``actor``, or raise a DomainError.

    Checks the table, the role and the guards; takes the version snapshot or
    records the decision; changes the state; writes the audit event; queues
    the notifications. Flushes, does not commit: the request commits once,
    and the optimistic lock on ``Submission`` makes a concurrent change fail
    at that flush (``ConcurrentChange``) instead of overwriting this one.

    ``version_seen`` is the version number the deciding reviewer had on
    screen: a decision is refused if a newer version arrived meanwhile, so
    nobody approves text they have not read.
    """
    now = now or utcnow()
    transition = TRANSITIONS.get((submission.state, action))
    if transition is None:
        raise NotAllowed(_(
            "You cannot %(action)s a submission that is %(state)s.",
            action=action_label(action), state=state_label(submission.state),
        ))
    if not may_act(actor, submission, transition):
        raise Forbidden(_("You may not %(action)s this submission.", action=action_label(action)))
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError(_("Please give a reason: the bureau will read it."))
    if transition.checks_deadline and deadline_passed(submission, now):
        raise NotAllowed(_(
            "The deadline for this invitation passed on %(due)s. Ask the conference editors for an extension.",
            due=format_due(submission.invitation.effective_due_at, submission.conference.timezone),
        ))
    if transition.takes_snapshot:
        check_ready_to_submit(submission)
    if transition.decision is not None:
        latest = submission.latest_version
        if version_seen is not None and (latest is None or latest.number != version_seen):
            raise ConcurrentChange(_(
                "Version %(new)s was submitted after you opened version %(old)s. "
                "Nothing was recorded: please read the new version first.",
                new=latest.number if latest else 0, old=version_seen,
            ))

    try:
        _take(submission, action, transition, actor=actor, comment=comment, now=now)
    except StaleDataError:
        raise ConcurrentChange(_(
            "Someone else changed this submission at the same moment, and their change was recorded first. "
            "Nothing of yours was saved: reload the page to see where it stands now."
        )) from None
    return submission


def _take(submission: Submission, action: Action, transition: Transition, *, actor: User,
          comment: str, now: datetime) -> None:
    from_state = submission.state
    detail: dict = {}
    if transition.takes_snapshot:
        version = take_snapshot(submission, actor=actor, now=now)
        detail["version"] = version.number
        submission.submitted_at = now
    if transition.decision is not None:
        version = submission.latest_version
        db.session.add(Decision(
            submission_id=submission.id, version_id=version.id, outcome=transition.decision,
            comment=comment, decided_by_id=actor.id, decided_at=now,
        ))
        detail["version"] = version.number
        submission.decided_at = now
    if comment:
        detail["comment"] = comment
        if transition.needs_comment and transition.decision is None:
            # Not a decision, but the reason is for the bureau to read in the piece's thread.
            db.session.add(Comment(submission_id=submission.id, author_id=actor.id, body_source=comment,
                                   body_html=render_body(comment, id_prefix="comment-").html, created_at=now))

    submission.state = transition.to
    # The UPDATE checks Submission.lock_version: a second decision on the same
    # piece finds the counter moved and stops here, before anything is written.
    db.session.flush()
    record_event(
        action.value, actor=actor, obj=submission, submission=submission,
        from_state=from_state.value, to_state=transition.to.value, detail=detail,
    )
    if transition.notifies:
        notify(submission, action.value, actor=actor, note=comment)
