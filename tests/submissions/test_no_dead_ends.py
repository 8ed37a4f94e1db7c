"""No dead ends: a withdrawn piece starts again, and a rejected one can be replaced."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.domain.review.coverage import coverage
from app.domain.workflow import Action, apply_transition
from app.models import AuditEvent, Comment, Decision, OutboxMail, Role, Submission, SubmissionState
from tests.helpers import page_text
from tests.submissions.conftest import draft_data


def reloaded(db, submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def test_a_withdrawn_draft_starts_again_with_its_text(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, title="撤回后再写",
                               state=SubmissionState.WITHDRAWN)
    factory.commit()
    auth.login(setting.ours.user.username)
    assert "Start again" in page_text(client.get(f"/submissions/{piece.id}"))

    response = client.post(f"/submissions/{piece.id}/restart")

    assert response.status_code == 302
    piece = reloaded(db, piece)
    assert piece.state is SubmissionState.DRAFT and piece.title == "撤回后再写"
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.from_state, event.to_state) == ("restart", "withdrawn", "draft")
    saved = client.post(f"/submissions/{piece.id}/save", data=draft_data(piece, title="再次修改"))
    assert saved.status_code == 302 and reloaded(db, piece).title == "再次修改"


def test_a_withdrawn_submission_starts_again_from_its_last_version_and_sends_version_two(
        client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    apply_transition(piece, Action.WITHDRAW, actor=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)

    client.post(f"/submissions/{piece.id}/restart")
    client.post(f"/submissions/{piece.id}/submit")

    piece = reloaded(db, piece)
    assert piece.state is SubmissionState.SUBMITTED
    assert [v.number for v in piece.versions] == [1, 2]
    assert piece.versions[1].body_html == piece.versions[0].body_html


def test_starting_again_after_the_due_date_is_refused_with_the_date(client, auth, db, factory, setting):
    invitation = factory.invitation(organisation=setting.ours.organisation, due_in=timedelta(days=-2))
    piece = factory.submission(invitation, author=setting.ours.user)
    apply_transition(piece, Action.WITHDRAW, actor=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)

    response = client.post(f"/submissions/{piece.id}/restart")

    assert response.status_code == 409
    assert "deadline" in page_text(response)
    assert reloaded(db, piece).state is SubmissionState.WITHDRAWN


def test_another_bureau_cannot_start_a_piece_again(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.WITHDRAWN)
    factory.commit()
    auth.login(setting.theirs.user.username)
    assert client.post(f"/submissions/{piece.id}/restart").status_code == 404
    assert reloaded(db, piece).state is SubmissionState.WITHDRAWN


@pytest.fixture
def rejected(factory, setting):
    member = factory.user(Role.SUBMITTER, organisation=setting.ours.organisation, email="bureau@example.cn")
    piece = factory.submission(setting.ours.written, author=setting.ours.user, title="被退回的材料",
                               state=SubmissionState.REJECTED)
    factory.commit()
    return piece, member


def test_the_ministry_asks_for_a_replacement_and_the_bureau_is_told_why(client, auth, db, setting, rejected):
    piece, member = rejected
    auth.login(setting.reviewer.username)
    assert "Ask for a replacement" in page_text(client.get(f"/review/{piece.id}"))

    response = client.post(f"/review/{piece.id}/replacement", data={"reason": "请围绕重点任务另写一篇。"})

    assert response.status_code == 302
    piece = reloaded(db, piece)
    assert piece.state is SubmissionState.SUPERSEDED
    assert db.session.scalars(sa.select(Comment.body_source).where(Comment.submission_id == piece.id)).all() \
        == ["请围绕重点任务另写一篇。"]
    [mail] = [m for m in db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to_address == "bureau@example.cn"))
              if "请另行报送替换材料" in m.subject]
    assert "请围绕重点任务另写一篇。" in mail.body_text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)
                             .where(Decision.submission_id == piece.id)) == 1  # the rejection, still on record


def test_asking_for_a_replacement_needs_a_reason(client, auth, db, setting, rejected):
    piece, _member = rejected
    auth.login(setting.reviewer.username)
    response = client.post(f"/review/{piece.id}/replacement", data={"reason": "  "})
    assert response.status_code == 422
    assert "Please give a reason" in page_text(response)
    assert reloaded(db, piece).state is SubmissionState.REJECTED


def test_the_bureau_starts_a_replacement_and_coverage_counts_the_live_piece(client, auth, db, setting, rejected):
    piece, _member = rejected
    apply_transition(piece, Action.REQUEST_REPLACEMENT, actor=setting.reviewer, comment="请另写。")
    db.session.commit()
    auth.login(setting.ours.user.username)
    home = page_text(client.get("/"))
    assert "Start the submission" in home and "Earlier piece (replaced): 被退回的材料" in home

    started = client.post(f"/submissions/start/{setting.ours.written.id}")

    new = db.session.scalars(sa.select(Submission).where(Submission.invitation_id == setting.ours.written.id,
                                                          Submission.id != piece.id)).one()
    assert started.headers["Location"].endswith(f"/submissions/{new.id}")
    assert new.replaces_id == piece.id and new.state is SubmissionState.DRAFT
    row = next(r for r in coverage(setting.conference).rows if r.invitation.id == setting.ours.written.id)
    assert row.submission.id == new.id and row.status == "draft"
    # The earlier piece stays on record and cannot be changed.
    refused = client.post(f"/submissions/{piece.id}/save", data=draft_data(piece, title="改旧稿"))
    assert refused.status_code in (403, 409)
    assert reloaded(db, piece).title == "被退回的材料"


def test_an_invitation_never_has_two_live_pieces(db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user)
    db.session.add(Submission(
        invitation_id=piece.invitation_id, organisation_id=piece.organisation_id,
        conference_id=piece.conference_id, kind=piece.kind, created_by_id=setting.ours.user.id,
    ))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_request_for_changes_opens_the_bureaus_page_above_the_editor(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    apply_transition(piece, Action.REQUEST_CHANGES, actor=setting.reviewer, comment="请补充**2024年**的监测数据。")
    factory.commit()
    auth.login(setting.ours.user.username)

    html = client.get(f"/submissions/{piece.id}").get_data(as_text=True)

    request = html.index('class="card ministry-request"')
    assert request < html.index('name="title"')  # above the editor
    section = html[request:html.index("</section>", request)]
    assert "The ministry requests changes" in section
    assert "<strong>2024年</strong>的监测数据" in section
    assert setting.reviewer.display_name in section and "version 1" in section


def test_another_bureau_and_the_ministry_do_not_get_the_request_box(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    apply_transition(piece, Action.REQUEST_CHANGES, actor=setting.reviewer, comment="请补充数据。")
    factory.commit()
    auth.login(setting.reviewer.username)
    assert "ministry-request" not in client.get(f"/submissions/{piece.id}").get_data(as_text=True)
