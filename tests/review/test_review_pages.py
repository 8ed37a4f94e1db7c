"""The review page: what the reviewer reads, and deciding through it."""
import pytest

from app.domain.workflow import Action, apply_transition
from app.models import AuditEvent, Decision, DecisionOutcome, Notification, Role, SubmissionState


@pytest.fixture
def reviewer(factory):
    return factory.user(Role.REVIEWER, username="reviewer1", display_name="王审核")


def login(auth, factory, user):
    factory.commit()
    auth.login(user.username)


def test_review_page_shows_the_latest_version_as_it_will_print(client, auth, factory, reviewer):
    submission = factory.submission(state=SubmissionState.SUBMITTED,
                                    body_source="## 一、主要做法\n\n**蓝天**保卫战。<script>alert(1)</script>")
    # The bureau's unsent edits are not what the ministry reviews.
    submission.title = "草稿中的新标题"
    login(auth, factory, reviewer)
    page = client.get(f"/review/{submission.id}").get_data(as_text=True)
    assert "深入打好蓝天保卫战的实践与思考" in page
    assert "草稿中的新标题" not in page
    assert "<strong>蓝天</strong>" in page and "<script>alert(1)" not in page
    assert "Decision on version 1" in page


def test_the_page_shows_earlier_versions_and_the_diff(client, auth, factory, reviewer):
    submission = factory.submission(state=SubmissionState.CHANGES_REQUESTED)
    author = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    from app.domain.submissions.bodies.rendering import render_body

    submission.body_source = "## 一、主要做法\n\n我们坚持以习近平生态文明思想为指导，PM2.5下降了12%。\n\nWe kept the blue sky."
    submission.body_html = render_body(submission.body_source).html
    apply_transition(submission, Action.RESUBMIT, actor=author)
    login(auth, factory, reviewer)
    page = client.get(f"/review/{submission.id}").get_data(as_text=True)
    assert "Changes from version 1 to version 2" in page
    assert "<ins>" in page and "12%" in page
    old = client.get(f"/review/{submission.id}?version=1").get_data(as_text=True)
    assert "You are reading version 1; the latest is version 2." in old


def test_approving_records_reviewer_version_and_time_and_tells_the_bureau(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    bureau_user = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="bureau@example.cn")
    login(auth, factory, reviewer)
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    decision = db.session.query(Decision).one()
    assert (decision.outcome, decision.decided_by_id, decision.version.number) == (DecisionOutcome.APPROVE, reviewer.id, 1)
    assert decision.decided_at is not None
    assert submission.state is SubmissionState.APPROVED
    note = db.session.query(Notification).filter_by(user_id=bureau_user.id).one()
    assert note.text_zh.startswith("已通过") and note.text_en.startswith("Approved")
    assert note.link == f"/submissions/{submission.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your decision was recorded" in page


def test_requesting_changes_without_a_comment_is_refused_on_the_form(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    login(auth, factory, reviewer)
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "request_changes", "comment": "  ", "version_seen": "1"})
    assert response.status_code == 422
    assert "Please give a reason" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.state is SubmissionState.SUBMITTED and db.session.query(Decision).count() == 0


def test_rejecting_with_a_reason_records_the_reason(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    login(auth, factory, reviewer)
    client.post(f"/review/{submission.id}/decide", data={"outcome": "reject", "comment": "与会议主题不符。", "version_seen": "1"})
    db.session.expire_all()
    assert submission.state is SubmissionState.REJECTED
    assert db.session.query(Decision).one().comment == "与会议主题不符。"


def test_deciding_an_already_decided_piece_answers_409_and_says_who_decided(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.APPROVED)
    login(auth, factory, reviewer)
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "reject", "comment": "不行", "version_seen": "1"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "You cannot reject a submission that is approved." in text
    assert "It now stands as approved: approved by" in text
    db.session.expire_all()
    assert db.session.query(Decision).count() == 1


def test_a_decision_on_a_stale_page_is_refused_when_a_new_version_arrived(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.CHANGES_REQUESTED)
    apply_transition(submission, Action.RESUBMIT, actor=factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation))
    login(auth, factory, reviewer)
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Version 2 was submitted after you opened version 1" in text
    assert "It now stands" not in text  # nobody decided: the bureau sent a new version
    db.session.expire_all()
    assert submission.state is SubmissionState.SUBMITTED


@pytest.mark.parametrize("outcome", ["", "reopen", "withdraw", "approve'; DROP TABLE decision;--"])
def test_a_forged_outcome_is_refused_and_nothing_changes(client, auth, factory, reviewer, db, outcome):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    login(auth, factory, reviewer)
    response = client.post(f"/review/{submission.id}/decide", data={"outcome": outcome, "comment": "x", "version_seen": "1"})
    assert response.status_code == 422
    db.session.expire_all()
    assert submission.state is SubmissionState.SUBMITTED and db.session.query(Decision).count() == 0


def test_editor_reopens_an_approved_piece_with_a_reason_and_editions_keep_their_version(client, auth, factory, db):
    from datetime import date

    from app.models import EditionItem, EditionStatus, ProceedingsEdition

    submission = factory.submission(state=SubmissionState.APPROVED)
    editor = factory.user(Role.EDITOR)
    edition = ProceedingsEdition(conference_id=submission.conference_id, number=1, status=EditionStatus.DONE,
                                 sha256="0" * 64, edition_date=date(2024, 1, 20), built_by_id=editor.id)
    edition.items.append(EditionItem(position=1, section="written", submission_id=submission.id,
                                     version_id=submission.latest_version.id))
    db.session.add(edition)
    login(auth, factory, editor)
    assert client.post(f"/review/{submission.id}/reopen", data={"reason": ""}).status_code == 422
    response = client.post(f"/review/{submission.id}/reopen", data={"reason": "数据有误，需更正。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.state is SubmissionState.CHANGES_REQUESTED
    event = db.session.query(AuditEvent).filter_by(action="reopen").one()
    assert (event.from_state, event.to_state, event.detail["comment"]) == ("approved", "changes_requested", "数据有误，需更正。")
    item = db.session.query(EditionItem).one()
    assert item.version_id == submission.versions[0].id


def test_a_reviewer_cannot_reopen(client, auth, factory, reviewer, db):
    submission = factory.submission(state=SubmissionState.APPROVED)
    login(auth, factory, reviewer)
    page = client.get(f"/review/{submission.id}").get_data(as_text=True)
    assert "Reopen for a correction" not in page
    response = client.post(f"/review/{submission.id}/reopen", data={"reason": "想改"})
    assert response.status_code == 403
    db.session.expire_all()
    assert submission.state is SubmissionState.APPROVED


def test_a_draft_never_submitted_is_not_found_for_the_ministry(client, auth, factory, reviewer):
    submission = factory.submission()
    login(auth, factory, reviewer)
    assert client.get(f"/review/{submission.id}").status_code == 404


@pytest.mark.parametrize("path", ["/review/", "/review/coverage", "/review/coverage.csv", "/review/{id}"])
def test_review_pages_are_closed_to_bureaus(client, auth, factory, path):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    bureau_user = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    login(auth, factory, bureau_user)
    response = client.get(path.format(id=submission.id))
    assert response.status_code == 403
    assert submission.title not in response.get_data(as_text=True)


def test_csrf_protects_decisions(csrf_client, factory, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/login", data={"username": reviewer.username, "password": "correct horse battery", "csrf_token": token})
    response = csrf_client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    assert submission.state is SubmissionState.SUBMITTED


def test_the_review_page_links_the_version_shown_as_a_printed_pdf(client, auth, factory):
    from app.models import Role, SubmissionState

    submission = factory.submission(state=SubmissionState.SUBMITTED)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)
    page = client.get(f"/review/{submission.id}").get_data(as_text=True)
    assert f"/proceedings/preview/{submission.id}/v1.pdf" in page
    assert f"/proceedings/preview/{submission.id}/draft.pdf" not in page
