"""The submission workflow: one table of allowed transitions, one function to take them.

Nothing else in Huibian changes ``Submission.state``. A view asks
``allowed_actions`` what to offer and calls ``apply_transition``; the table
below is the whole of the rules.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.domain.audit import record_event
from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.notify import notify
from app.domain.permissions import belongs_to_bureau, can_review
from app.domain.versions import take_snapshot
from app.extensions import db
from app.models import Decision, DecisionOutcome, Role, Submission, User, utcnow
from app.models import SubmissionState as S


class Action(enum.Enum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


BUREAU = frozenset({Role.SUBMITTER})
MINISTRY = frozenset({Role.REVIEWER, Role.EDITOR})
EDITORS = frozenset({Role.EDITOR})


@dataclass(frozen=True)
class Transition:
    to: S
    roles: frozenset[Role]
    needs_comment: bool = False
    checks_deadline: bool = False
    takes_snapshot: bool = False
    decision: DecisionOutcome | None = None


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
}

# Named groups of states, for views, filters and the coverage matrix.
EDITABLE_STATES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
AWAITING_REVIEW = frozenset({S.SUBMITTED})
FINAL_STATES = frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})

ACTION_LABELS_EN = {
    Action.SUBMIT: "submit", Action.RESUBMIT: "resubmit", Action.REQUEST_CHANGES: "request changes",
    Action.APPROVE: "approve", Action.REJECT: "reject", Action.WITHDRAW: "withdraw", Action.REOPEN: "reopen",
}


def may_act(user: User, submission: Submission, transition: Transition, action: Action) -> bool:
    """The role is in the table and the user stands in the right relation to the piece."""
    if user.role not in transition.roles:
        return False
    if transition.roles is BUREAU:
        return belongs_to_bureau(user, submission)
    if action is Action.REOPEN:
        return user.role is Role.EDITOR
    assigned = {a.reviewer_id for a in _assignments(submission)}
    return can_review(user, submission, assigned_reviewer_ids=assigned)


def _assignments(submission: Submission):
    from app.models import ReviewAssignment

    return db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.submission_id == submission.id)
    ).all()


def allowed_actions(user: User, submission: Submission) -> list[Action]:
    """The actions this user may take on this submission now (guards aside)."""
    return [
        action for (state, action), transition in TRANSITIONS.items()
        if state is submission.state and may_act(user, submission, transition, action)
    ]


def deadline_passed(submission: Submission, now: datetime) -> bool:
    return now > submission.invitation.effective_due_at


def format_due(submission: Submission) -> str:
    due = submission.invitation.effective_due_at.astimezone(ZoneInfo(submission.conference.timezone))
    return due.strftime("%Y-%m-%d %H:%M ") + submission.conference.timezone


def check_ready_to_submit(submission: Submission) -> None:
    missing = []
    if not submission.title.strip():
        missing.append("a title")
    if not submission.key_tasks:
        missing.append("at least one key task")
    if not submission.body_html.strip():
        missing.append("a body")
    if submission.kind.value == "oral" and not submission.speaker_name.strip():
        missing.append("the speaker's name")
    if missing:
        raise DomainError("Before submitting, please give " + ", ".join(missing) + ".")


def apply_transition(
    submission: Submission,
    action: Action,
    *,
    actor: User,
    comment: str = "",
    now: datetime | None = None,
    link: str = "",
) -> Submission:
    """Take ``action`` on ``submission`` for ``actor``, or raise a DomainError.

    Checks the table, the role and the guards; takes the version snapshot or
    records the decision; changes the state; writes the audit event; queues
    the notifications. Flushes, does not commit: the request commits once,
    and the optimistic lock on ``Submission`` makes a concurrent decision fail
    at that flush instead of overwriting this one.
    """
    now = now or utcnow()
    transition = TRANSITIONS.get((submission.state, action))
    if transition is None:
        state = submission.state.value.replace("_", " ")
        raise NotAllowed(f"You cannot {ACTION_LABELS_EN[action]} a submission that is {state}.")
    if not may_act(actor, submission, transition, action):
        raise Forbidden(f"You may not {ACTION_LABELS_EN[action]} this submission.")
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError("Please give a reason: the bureau will read it.")
    if transition.checks_deadline and deadline_passed(submission, now):
        raise NotAllowed(
            f"The deadline for this invitation passed on {format_due(submission)}. "
            "Ask the conference editors for an extension."
        )
    if transition.takes_snapshot:
        check_ready_to_submit(submission)

    from_state = submission.state
    detail: dict = {}
    if transition.takes_snapshot:
        version = take_snapshot(submission, actor=actor)
        db.session.flush()
        detail["version"] = version.number
        submission.submitted_at = now
    if transition.decision is not None:
        version = submission.latest_version
        decision = Decision(
            submission_id=submission.id, version_id=version.id, outcome=transition.decision,
            comment=comment, decided_by_id=actor.id, decided_at=now,
        )
        db.session.add(decision)
        detail["version"] = version.number
        submission.decided_at = now
    if comment:
        detail["comment"] = comment

    submission.state = transition.to
    db.session.flush()
    record_event(
        action.value, actor=actor, obj=submission, submission=submission,
        from_state=from_state.value, to_state=transition.to.value, detail=detail,
    )
    notify(submission, action.value, actor=actor, link=link, note=comment)
    return submission
