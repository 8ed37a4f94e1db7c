"""Every state × action × role against the one table of transitions."""
import pytest

from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.workflow import TRANSITIONS, Action, allowed_actions, apply_transition
from app.models import AuditEvent, Decision, Role, SubmissionState

ACTORS = ["own_bureau", "other_bureau", "reviewer", "editor", "admin"]
ROLE_OF = {"own_bureau": Role.SUBMITTER, "other_bureau": Role.SUBMITTER, "reviewer": Role.REVIEWER,
           "editor": Role.EDITOR, "admin": Role.ADMIN}


def make_actor(factory, who, submission):
    if who == "own_bureau":
        return factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    return factory.user(ROLE_OF[who])


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(SubmissionState))
def test_every_state_action_and_role_follows_the_table(factory, db, state, action, who):
    submission = factory.submission(state=state)
    actor = make_actor(factory, who, submission)
    factory.commit()
    transition = TRANSITIONS.get((state, action))
    events_before = db.session.query(AuditEvent).count()
    decisions_before = db.session.query(Decision).count()

    permitted = transition is not None and actor.role in transition.roles and who != "other_bureau"
    if permitted:
        apply_transition(submission, action, actor=actor, comment="理由：请补充数据。")
        db.session.commit()
        assert submission.state is transition.to
        event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert (event.action, event.from_state, event.to_state) == (action.value, state.value, transition.to.value)
        assert event.actor_id == actor.id
        assert db.session.query(Decision).count() == decisions_before + (1 if transition.decision else 0)
        assert action in allowed_actions(actor, submission) or submission.state is not state
    else:
        expected = NotAllowed if transition is None else Forbidden
        with pytest.raises(expected) as refused:
            apply_transition(submission, action, actor=actor, comment="理由：请补充数据。")
        assert refused.value.http_status == (409 if transition is None else 403)
        assert refused.value.message
        db.session.rollback()
        db.session.refresh(submission)
        assert submission.state is state
        assert db.session.query(AuditEvent).count() == events_before
        assert db.session.query(Decision).count() == decisions_before
        assert action not in allowed_actions(actor, submission)


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
