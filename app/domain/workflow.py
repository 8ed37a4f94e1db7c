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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.domain.audit import record_event
from app.domain.errors import ConcurrentChange, DomainError, Forbidden, NotAllowed
from app.domain.labels import state_label
from app.domain.notifications import notify
from app.domain.permissions import belongs_to_bureau, can_review
from app.domain.submissions.versions import take_snapshot
from app.extensions import db
from app.models import Decision, DecisionOutcome, ReviewAssignment, Role, Submission, User, utcnow
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

# The verb of each action, for messages ("You cannot approve …").
ACTION_LABELS = {
    Action.SUBMIT: _l("submit"), Action.RESUBMIT: _l("resubmit"), Action.REQUEST_CHANGES: _l("request changes on"),
    Action.APPROVE: _l("approve"), Action.REJECT: _l("reject"), Action.WITHDRAW: _l("withdraw"),
    Action.REOPEN: _l("reopen"),
}
DECISION_ACTIONS = frozenset(
    action for (_state, action), t in TRANSITIONS.items() if t.decision is not None and t.roles == MINISTRY
)


def may_act(user: User, submission: Submission, transition: Transition) -> bool:
    """The role is in the table and the user stands in the right relation to the piece.

    A bureau acts on its own organisation's pieces only; the ministry's roles
    go through ``can_review``, which applies the conference's restriction to
    assigned reviewers (editors are never restricted).
    """
    if not user.is_authenticated or user.role not in transition.roles:
        return False
    if transition.roles == BUREAU:
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


def format_due(submission: Submission) -> str:
    due = submission.invitation.effective_due_at.astimezone(ZoneInfo(submission.conference.timezone))
    return due.strftime("%Y-%m-%d %H:%M ") + submission.conference.timezone


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


def apply_transition(
    submission: Submission,
    action: Action,
    *,
    actor: User,
    comment: str = "",
    now: datetime | None = None,
    link: str = "",
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
            action=ACTION_LABELS[action], state=state_label(submission.state),
        ))
    if not may_act(actor, submission, transition):
        raise Forbidden(_("You may not %(action)s this submission.", action=ACTION_LABELS[action]))
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError(_("Please give a reason: the bureau will read it."))
    if transition.checks_deadline and deadline_passed(submission, now):
        raise NotAllowed(_(
            "The deadline for this invitation passed on %(due)s. Ask the conference editors for an extension.",
            due=format_due(submission),
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
        _take(submission, action, transition, actor=actor, comment=comment, now=now, link=link)
    except StaleDataError:
        raise ConcurrentChange(_(
            "Someone else changed this submission at the same moment, and their change was recorded first. "
            "Nothing of yours was saved: reload the page to see where it stands now."
        )) from None
    return submission


def _take(submission: Submission, action: Action, transition: Transition, *, actor: User,
          comment: str, now: datetime, link: str) -> None:
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

    submission.state = transition.to
    # The UPDATE checks Submission.lock_version: a second decision on the same
    # piece finds the counter moved and stops here, before anything is written.
    db.session.flush()
    record_event(
        action.value, actor=actor, obj=submission, submission=submission,
        from_state=from_state.value, to_state=transition.to.value, detail=detail,
    )
    notify(submission, action.value, actor=actor, link=link, note=comment)
