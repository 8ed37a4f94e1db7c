"""Editors assign reviewers, and may restrict deciding to the assigned."""
import pytest

from app.domain.errors import DomainError, Forbidden
from app.domain.review.decisions import assign_reviewer
from app.models import AuditEvent, Notification, ReviewAssignment, Role, SubmissionState


@pytest.fixture
def people(factory):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    editor = factory.user(Role.EDITOR, username="the-editor")
    reviewer = factory.user(Role.REVIEWER, username="assignee", display_name="李审核")
    other = factory.user(Role.REVIEWER, username="other-reviewer")
    factory.commit()
    return submission, editor, reviewer, other


def test_editor_assigns_a_reviewer_who_is_told(client, auth, people, db):
    submission, editor, reviewer, other = people
    auth.login("the-editor")
    client.post(f"/review/{submission.id}/assign", data={"reviewer_id": reviewer.id})
    client.post(f"/review/{submission.id}/assign", data={"reviewer_id": reviewer.id})  # twice changes nothing
    assert db.session.query(ReviewAssignment).filter_by(submission_id=submission.id).count() == 1
    assert db.session.query(AuditEvent).filter_by(action="assign_reviewer").count() == 1
    told = db.session.query(Notification).filter_by(user_id=reviewer.id).one()
    assert told.text_zh.startswith("已分配给您审核") and told.link == f"/review/{submission.id}"
    assert "李审核" in client.get(f"/review/{submission.id}").get_data(as_text=True)


def test_editor_removes_an_assignment(client, auth, people, db):
    submission, editor, reviewer, other = people
    assign_reviewer(submission, reviewer, actor=editor)
    db.session.commit()
    auth.login("the-editor")
    client.post(f"/review/{submission.id}/unassign/{reviewer.id}")
    assert db.session.query(ReviewAssignment).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="unassign_reviewer").count() == 1


def test_a_reviewer_cannot_assign(client, auth, people, db):
    submission, editor, reviewer, other = people
    auth.login("assignee")
    response = client.post(f"/review/{submission.id}/assign", data={"reviewer_id": reviewer.id})
    assert response.status_code == 403
    assert db.session.query(ReviewAssignment).count() == 0
    with pytest.raises(Forbidden):
        assign_reviewer(submission, other, actor=reviewer)


def test_only_ministry_accounts_can_be_assigned(people, factory):
    submission, editor, reviewer, other = people
    with pytest.raises(DomainError):
        assign_reviewer(submission, factory.user(Role.SUBMITTER), actor=editor)


def test_restricting_the_conference_stops_unassigned_reviewers_deciding(client, auth, people, db):
    submission, editor, reviewer, other = people
    assign_reviewer(submission, reviewer, actor=editor)
    db.session.commit()
    auth.login("the-editor")
    client.post(f"/review/conference/{submission.conference_id}/restriction/on")
    db.session.expire_all()
    assert submission.conference.review_restricted_to_assigned
    auth.logout()
    auth.login("other-reviewer")
    page = client.get(f"/review/{submission.id}").get_data(as_text=True)
    assert "Record decision" not in page and "Only assigned reviewers" in page
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert submission.state is SubmissionState.SUBMITTED
    auth.logout()
    auth.login("assignee")
    client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    db.session.expire_all()
    assert submission.state is SubmissionState.APPROVED
