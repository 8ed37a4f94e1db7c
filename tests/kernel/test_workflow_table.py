"""Every state × action × party against the workflow, as the specification writes it.

``EXPECTED`` is the table written out by hand: the workflow module's
``TRANSITIONS`` must say exactly this, and every combination of state,
action and actor must do what it says. A wrong entry in the module (say,
letting reviewers reopen approved pieces) fails here twice: in the table
comparison and in the behaviour.
"""
import pytest

from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.permissions import EDITABLE_STATES
from app.domain.workflow import TRANSITIONS, Action, Party, allowed_actions, apply_transition
from app.models import AuditEvent, Decision, DecisionOutcome, Role, SubmissionState
from app.models import SubmissionState as S

BUREAU, REVIEWER, EDITOR = "own_bureau", "reviewer", "editor"

# (state, action): (new state, who may take it, needs a comment, checks the deadline, takes a version,
#                   decision, tells the other side)
EXPECTED = {
    (S.DRAFT, Action.SUBMIT): (S.SUBMITTED, {BUREAU}, False, True, True, None, True),
    (S.CHANGES_REQUESTED, Action.RESUBMIT): (S.SUBMITTED, {BUREAU}, False, False, True, None, True),
    (S.SUBMITTED, Action.APPROVE): (
        S.APPROVED, {REVIEWER, EDITOR}, False, False, False, DecisionOutcome.APPROVE, True),
    (S.SUBMITTED, Action.REQUEST_CHANGES): (
        S.CHANGES_REQUESTED, {REVIEWER, EDITOR}, True, False, False, DecisionOutcome.REQUEST_CHANGES, True),
    (S.SUBMITTED, Action.REJECT): (S.REJECTED, {REVIEWER, EDITOR}, True, False, False, DecisionOutcome.REJECT, True),
    (S.DRAFT, Action.WITHDRAW): (S.WITHDRAWN, {BUREAU}, False, False, False, None, True),
    (S.SUBMITTED, Action.WITHDRAW): (S.WITHDRAWN, {BUREAU}, False, False, False, None, True),
    (S.CHANGES_REQUESTED, Action.WITHDRAW): (S.WITHDRAWN, {BUREAU}, False, False, False, None, True),
    (S.APPROVED, Action.REOPEN): (S.CHANGES_REQUESTED, {EDITOR}, True, False, False, DecisionOutcome.REOPEN, True),
    (S.WITHDRAWN, Action.RESTART): (S.DRAFT, {BUREAU}, False, True, False, None, False),
    (S.REJECTED, Action.REQUEST_REPLACEMENT): (S.SUPERSEDED, {REVIEWER, EDITOR}, True, False, False, None, True),
}

ACTORS = [BUREAU, "other_bureau", REVIEWER, EDITOR, "admin"]
ROLE_OF = {BUREAU: Role.SUBMITTER, "other_bureau": Role.SUBMITTER, REVIEWER: Role.REVIEWER,
           EDITOR: Role.EDITOR, "admin": Role.ADMIN}
PARTY_NAMES = {Party.BUREAU: BUREAU, Party.REVIEWER: REVIEWER, Party.EDITOR: EDITOR}


def test_the_module_table_is_the_specified_table():
    written = {
        key: (t.to, {PARTY_NAMES[p] for p in t.parties}, t.needs_comment, t.checks_deadline, t.takes_snapshot,
              t.decision, t.notifies)
        for key, t in TRANSITIONS.items()
    }
    assert written == EXPECTED


def test_the_bureau_holds_the_pen_exactly_where_it_can_send_the_piece():
    sending = {state for (state, action), row in EXPECTED.items() if row[4]}
    assert EDITABLE_STATES == sending


def make_actor(factory, who, submission):
    if who == BUREAU:
        return factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    return factory.user(ROLE_OF[who])


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(S))
def test_every_state_action_and_actor_does_what_the_table_says(factory, db, state, action, who):
    submission = factory.submission(state=state)
    actor = make_actor(factory, who, submission)
    factory.commit()
    expected = EXPECTED.get((state, action))
    events_before = db.session.query(AuditEvent).count()
    decisions_before = db.session.query(Decision).count()

    if expected is not None and who in expected[1]:
        to, _parties, _comment, _deadline, _snapshot, decision, _notifies = expected
        assert action in allowed_actions(actor, submission)
        apply_transition(submission, action, actor=actor, comment="理由：请补充数据。")
        db.session.commit()
        assert submission.state is to
        event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert (event.action, event.from_state, event.to_state) == (action.value, state.value, to.value)
        assert event.actor_id == actor.id
        assert db.session.query(Decision).count() == decisions_before + (1 if decision else 0)
    else:
        refusal = NotAllowed if expected is None else Forbidden
        assert action not in allowed_actions(actor, submission)
        with pytest.raises(refusal) as refused:
            apply_transition(submission, action, actor=actor, comment="理由：请补充数据。")
        assert refused.value.http_status == (409 if expected is None else 403)
        assert refused.value.message
        db.session.rollback()
        db.session.refresh(submission)
        assert submission.state is state
        assert db.session.query(AuditEvent).count() == events_before
        assert db.session.query(Decision).count() == decisions_before


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT])
def test_a_negative_decision_needs_a_comment(factory, db, action):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    with pytest.raises(DomainError, match="reason"):
        apply_transition(submission, action, actor=reviewer, comment="   ")
    db.session.rollback()
    db.session.refresh(submission)
    assert submission.state is SubmissionState.SUBMITTED
    assert db.session.query(Decision).count() == 0


def test_reopen_needs_a_reason(factory, db):
    submission = factory.submission(state=SubmissionState.APPROVED)
    with pytest.raises(DomainError, match="reason"):
        apply_transition(submission, Action.REOPEN, actor=factory.user(Role.EDITOR), comment="")


def test_submit_after_the_deadline_is_refused_with_the_date(factory, db):
    from datetime import timedelta

    invitation = factory.invitation(due_in=timedelta(days=-1))
    submission = factory.submission(invitation=invitation)
    author = factory.user(Role.SUBMITTER, organisation=invitation.organisation)
    with pytest.raises(NotAllowed, match="deadline"):
        apply_transition(submission, Action.SUBMIT, actor=author)
    assert submission.state is SubmissionState.DRAFT


def test_a_decision_on_a_version_the_reviewer_did_not_read_is_refused(factory, db):
    from app.domain.errors import ConcurrentChange

    submission = factory.submission(state=SubmissionState.CHANGES_REQUESTED)
    author = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    apply_transition(submission, Action.RESUBMIT, actor=author)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    assert submission.latest_version.number == 2
    with pytest.raises(ConcurrentChange, match="Version 2"):
        apply_transition(submission, Action.APPROVE, actor=reviewer, version_seen=1)
    db.session.rollback()
    db.session.refresh(submission)
    assert submission.state is SubmissionState.SUBMITTED


def test_restricted_conference_lets_only_assigned_reviewers_decide(factory, db):
    from app.domain.review.decisions import assign_reviewer

    submission = factory.submission(state=SubmissionState.SUBMITTED)
    submission.conference.review_restricted_to_assigned = True
    editor, assigned, other = factory.user(Role.EDITOR), factory.user(Role.REVIEWER), factory.user(Role.REVIEWER)
    assign_reviewer(submission, assigned, actor=editor)
    assert Action.APPROVE not in allowed_actions(other, submission)
    with pytest.raises(Forbidden):
        apply_transition(submission, Action.APPROVE, actor=other)
    assert Action.APPROVE in allowed_actions(editor, submission)
    apply_transition(submission, Action.APPROVE, actor=assigned)
    assert submission.state is SubmissionState.APPROVED


def test_unrestricted_conference_lets_any_reviewer_decide_even_when_others_are_assigned(factory, db):
    from app.domain.review.decisions import assign_reviewer

    submission = factory.submission(state=SubmissionState.SUBMITTED)
    assign_reviewer(submission, factory.user(Role.REVIEWER), actor=factory.user(Role.EDITOR))
    apply_transition(submission, Action.REJECT, actor=factory.user(Role.REVIEWER), comment="不符合要求。")
    assert submission.state is SubmissionState.REJECTED
