"""Submitting takes an immutable version; versions stay readable and comparable."""
import sqlalchemy as sa

from app.domain.submissions.versions import content_hash, snapshot_fields
from app.models import AuditEvent, Submission, SubmissionState, SubmissionVersion
from tests.helpers import page_text
from tests.submissions.conftest import draft_data


def submit(client, submission):
    return client.post(f"/submissions/{submission.id}/submit")


def test_submit_takes_a_version_of_every_field_and_moves_to_submitted(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = submit(client, draft)
    assert response.status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, draft.id)
    assert submission.state is SubmissionState.SUBMITTED
    [version] = submission.versions
    assert version.number == 1
    for name in ("title", "subtitle", "abstract", "body_source", "body_html"):
        assert getattr(version, name) == getattr(submission, name)
    assert "<h2" in version.body_html
    assert version.key_tasks[0]["number"] == 1
    assert version.content_hash == content_hash(snapshot_fields(submission))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "submit"))
    assert (event.from_state, event.to_state, event.actor_id) == ("draft", "submitted", setting.ours.user.id)
    assert "Submitted as version 1." in page_text(client.get(f"/submissions/{draft.id}"))


def test_after_submitting_the_bureau_cannot_edit(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    submit(client, draft)
    db.session.expire_all()
    submission = db.session.get(Submission, draft.id)
    page = client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    assert 'id="draft-form"' not in page
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(submission, title="偷偷改"))
    assert response.status_code == 409
    assert "cannot be changed now" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).title != "偷偷改"


def test_a_draft_missing_its_title_or_key_task_cannot_be_submitted(client, auth, db, factory, setting):
    empty = factory.submission(setting.ours.written, author=setting.ours.user, title="")
    empty.key_tasks = []
    factory.commit()
    auth.login(setting.ours.user.username)
    response = submit(client, empty)
    assert response.status_code == 400
    assert "a title, at least one key task" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, empty.id).state is SubmissionState.DRAFT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionVersion)) == 0


def test_a_resubmission_after_requested_changes_is_a_new_version(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.CHANGES_REQUESTED)
    factory.commit()
    auth.login(setting.ours.user.username)
    assert 'id="draft-form"' in client.get(f"/submissions/{piece.id}").get_data(as_text=True)
    body = piece.body_source + "\n\n新增一段。"
    client.post(f"/submissions/{piece.id}/save", data=draft_data(piece, title="修改后的标题", body=body))
    submit(client, piece)
    db.session.expire_all()
    submission = db.session.get(Submission, piece.id)
    assert submission.state is SubmissionState.SUBMITTED
    first, second = submission.versions
    assert (first.number, second.number) == (1, 2)
    assert first.title == "深入打好蓝天保卫战的实践与思考" and second.title == "修改后的标题"
    assert first.content_hash != second.content_hash
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "resubmit")).one()
    assert (event.from_state, event.to_state) == ("changes_requested", "submitted")


def test_every_version_stays_readable(client, auth, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.CHANGES_REQUESTED)
    piece.title = "第二版"
    factory.commit()
    from app.domain.workflow import Action, apply_transition

    apply_transition(piece, Action.RESUBMIT, actor=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)
    assert "深入打好蓝天保卫战的实践与思考" in page_text(client.get(f"/submissions/{piece.id}/versions/1"))
    assert "第二版" in page_text(client.get(f"/submissions/{piece.id}/versions/2"))
    assert client.get(f"/submissions/{piece.id}/versions/3").status_code == 404


def test_the_diff_shows_changed_fields_and_body_words(client, auth, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.CHANGES_REQUESTED)
    from app.domain.submissions.bodies.rendering import render_body
    from app.domain.workflow import Action, apply_transition

    piece.title = "新的标题"
    piece.body_source = "## 一、主要做法\n\n我们坚持以习近平生态文明思想为指导，狠抓落实。\n\nWe kept the blue sky."
    piece.body_html = render_body(piece.body_source).html
    apply_transition(piece, Action.RESUBMIT, actor=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)
    html = client.get(f"/submissions/{piece.id}/diff?old=1&new=2").get_data(as_text=True)
    assert "<del>深入打好蓝天保卫战的实践与思考</del>" in html or "<del>深入打好蓝天保卫战的实践与思考" in html
    assert "<ins>新的标题</ins>" in html
    assert "<ins>，狠抓落实</ins>" in html
    assert 'class="diff-fold"' in html  # the unchanged paragraph after the change is folded


def comparison_section(html: str) -> str:
    start = html.index('<div class="diff comparison">')
    return html[start:html.index("</div>", start)]


def test_the_bureau_and_the_reviewer_read_the_same_comparison(client, auth, factory, setting):
    from app.domain.submissions.bodies.rendering import render_body
    from app.domain.workflow import Action, apply_transition

    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.CHANGES_REQUESTED)
    piece.title = "新的标题"
    piece.speaker_post = "副厅长"
    piece.body_source = "## 一、主要做法\n\n我们坚持以习近平生态文明思想为指导，狠抓落实。\n\nWe kept the blue sky."
    piece.body_html = render_body(piece.body_source).html
    apply_transition(piece, Action.RESUBMIT, actor=setting.ours.user)
    factory.commit()

    auth.login(setting.ours.user.username)
    bureau = comparison_section(client.get(f"/submissions/{piece.id}/diff?old=1&new=2").get_data(as_text=True))
    auth.logout()
    auth.login(setting.reviewer.username)
    ministry = comparison_section(client.get(f"/review/{piece.id}?version=2&compare=1").get_data(as_text=True))
    assert "<ins>新的标题</ins>" in bureau and "<ins>，狠抓落实</ins>" in bureau
    assert bureau == ministry


def test_the_diff_of_a_single_version_says_there_is_nothing_to_compare(client, auth, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    factory.commit()
    auth.login(setting.ours.user.username)
    assert "nothing to compare" in page_text(client.get(f"/submissions/{piece.id}/diff"))


def test_the_bureau_may_withdraw_before_approval(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    factory.commit()
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{piece.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(Submission, piece.id).state is SubmissionState.WITHDRAWN
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "withdraw")).one()
    assert (event.from_state, event.to_state) == ("submitted", "withdrawn")


def test_an_approved_piece_cannot_be_withdrawn(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.APPROVED)
    factory.commit()
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{piece.id}/withdraw")
    assert response.status_code == 409
    assert "You cannot withdraw a submission that is approved." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, piece.id).state is SubmissionState.APPROVED


def test_a_reviewer_reads_the_submitted_version_not_the_live_draft(client, auth, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.CHANGES_REQUESTED)
    piece.title = "尚未提交的修改"
    factory.commit()
    auth.login("reviewer")
    text = page_text(client.get(f"/submissions/{piece.id}"))
    assert "深入打好蓝天保卫战的实践与思考" in text
    assert "尚未提交的修改" not in text
    assert 'id="draft-form"' not in client.get(f"/submissions/{piece.id}").get_data(as_text=True)
    assert client.get(f"/submissions/{piece.id}/versions/1").status_code == 200


def test_a_reviewer_cannot_see_a_draft_never_submitted(client, auth, setting, draft):
    auth.login("reviewer")
    assert client.get(f"/submissions/{draft.id}").status_code == 404
