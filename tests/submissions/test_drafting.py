"""Starting a submission from an invitation, saving drafts, previewing the body."""
import sqlalchemy as sa

from app.models import AuditEvent, Submission, SubmissionState
from tests.helpers import page_text
from tests.submissions.conftest import draft_data


def login(auth, user):
    auth.login(user.username)


def audit_actions(db, submission_id):
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.submission_id == submission_id).order_by(AuditEvent.id))]


def test_starting_an_invitation_creates_one_draft_and_opens_it(client, auth, db, setting):
    login(auth, setting.ours.user)
    response = client.post(f"/submissions/start/{setting.ours.written.id}")
    submission = db.session.scalar(sa.select(Submission).where(Submission.invitation_id == setting.ours.written.id))
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    assert submission.state is SubmissionState.DRAFT
    assert submission.organisation_id == setting.ours.organisation.id
    assert submission.kind is setting.ours.written.kind
    assert audit_actions(db, submission.id) == ["create"]


def test_starting_again_opens_the_existing_draft(client, auth, db, setting, draft):
    login(auth, setting.ours.user)
    response = client.post(f"/submissions/start/{setting.ours.written.id}")
    assert response.headers["Location"].endswith(f"/submissions/{draft.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    assert audit_actions(db, draft.id) == []


def test_the_home_page_starts_and_then_opens_the_submission(client, auth, setting, draft):
    login(auth, setting.ours.user)
    home = client.get("/").get_data(as_text=True)
    assert f"/submissions/{draft.id}" in home
    assert f"/submissions/start/{setting.ours.oral.id}" in home


def test_the_draft_page_shows_the_form_filled_in(client, auth, setting, draft):
    login(auth, setting.ours.user)
    response = client.get(f"/submissions/{draft.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="draft-form"' in html
    assert f'name="lock_version" type="hidden" value="{draft.lock_version}"' in html
    assert "深入打好蓝天保卫战的实践与思考" in html
    assert "我们坚持以习近平生态文明思想为指导。" in html


def test_saving_writes_every_field_and_renders_the_body(client, auth, db, setting, draft):
    login(auth, setting.ours.user)
    tasks = setting.conference.key_tasks
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(
        draft, title="新标题 New title", subtitle="副标题", abstract="新的摘要",
        key_task_ids=[tasks[1].id, tasks[2].id], body="# 标题\n\n**加粗** and *italic*\n\n- 一\n- 二",
    ))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    assert (saved.title, saved.subtitle, saved.abstract) == ("新标题 New title", "副标题", "新的摘要")
    assert [t.number for t in saved.key_tasks] == [2, 3]
    assert "<h1" in saved.body_html and "<strong>加粗</strong>" in saved.body_html and "<li>二</li>" in saved.body_html
    assert audit_actions(db, draft.id) == ["save"]
    assert "Draft saved." in page_text(client.get(response.headers["Location"]))


def test_chinese_text_round_trips_exactly(client, auth, db, setting, draft):
    login(auth, setting.ours.user)
    text = "## 二、主要成效\n\n“一网通办”改革使群众办事时间缩短百分之四十；𠮷野家、繁體字、全角：ＡＢＣ　１２３。"
    client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, title="《关于𠮷的报告》", body=text))
    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    assert saved.body_source == text and saved.title == "《关于𠮷的报告》"
    page = client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    assert "《关于𠮷的报告》" in page and "𠮷野家、繁體字、全角：ＡＢＣ　１２３" in page


def test_an_oral_speech_keeps_speaker_post_and_minutes(client, auth, db, factory, setting):
    oral = factory.submission(setting.ours.oral, author=setting.ours.user)
    factory.commit()
    login(auth, setting.ours.user)
    client.post(f"/submissions/{oral.id}/save", data=draft_data(
        oral, speaker_name="李四", speaker_post="副厅长", planned_minutes=12))
    db.session.expire_all()
    saved = db.session.get(Submission, oral.id)
    assert (saved.speaker_name, saved.speaker_post, saved.planned_minutes) == ("李四", "副厅长", 12)


def test_planned_minutes_out_of_range_are_refused(client, auth, db, factory, setting):
    oral = factory.submission(setting.ours.oral, author=setting.ours.user)
    factory.commit()
    login(auth, setting.ours.user)
    response = client.post(f"/submissions/{oral.id}/save", data=draft_data(oral, planned_minutes=999, title="改"))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Submission, oral.id).title != "改"


def test_preview_renders_the_markdown_sanitised_and_lists_what_was_removed(client, auth, setting, draft):
    login(auth, setting.ours.user)
    response = client.post(f"/submissions/{draft.id}/preview", data={
        "body": "# 标题\n\n正文<script>alert(1)</script>\n\n<img src=\"https://evil.example/x.png\">"})
    result = response.get_json()
    assert "<h1" in result["html"] and "正文" in result["html"]
    assert "script" not in result["html"] and "evil.example" not in result["html"]
    assert "script element" in result["removed"]
    assert any("external image https://evil.example/x.png" in item for item in result["removed"])


def test_preview_changes_nothing(client, auth, db, setting, draft):
    login(auth, setting.ours.user)
    before = draft.lock_version
    client.post(f"/submissions/{draft.id}/preview", data={"body": "# 别的"})
    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    assert saved.lock_version == before and "别的" not in saved.body_source


def test_a_get_on_the_save_address_after_logging_in_again_returns_to_the_draft(client, auth, setting, draft):
    login(auth, setting.ours.user)
    response = client.get(f"/submissions/{draft.id}/save")
    assert response.headers["Location"].endswith(f"/submissions/{draft.id}")


def test_an_expired_session_sends_the_save_to_login_and_keeps_the_saved_text(client, db, setting, draft):
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="typed while logged out"))
    assert "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).body_source == draft.body_source


def test_times_are_shown_in_the_conference_time_zone(client, auth, db, setting, draft):
    from datetime import datetime, timezone

    invitation = setting.ours.written
    invitation.due_at = datetime(2026, 12, 31, 10, 0, tzinfo=timezone.utc)
    db.session.commit()
    login(auth, setting.ours.user)
    text = page_text(client.get(f"/submissions/{draft.id}"))
    assert "2026-12-31 18:00 (Asia/Shanghai)" in text


def test_last_saved_names_its_time_zone_like_the_due_date(client, auth, db, setting, draft):
    from datetime import datetime, timezone

    draft.updated_at = datetime(2026, 11, 2, 1, 30, tzinfo=timezone.utc)
    db.session.commit()
    login(auth, setting.ours.user)
    text = page_text(client.get(f"/submissions/{draft.id}"))
    assert "Last saved 2026-11-02 09:30 (Asia/Shanghai)" in text


def test_the_bureaus_home_shows_each_pieces_title_next_to_its_state(client, auth, db, setting, draft):
    draft.title = "推进生态文明建设的实践"
    db.session.commit()
    login(auth, setting.ours.user)
    response = client.get("/")
    row = response.get_data(as_text=True).split(f'/submissions/{draft.id}"')[0].rsplit("<tr", 1)[1]
    assert 'class="piece-title">推进生态文明建设的实践</span>' in row
    assert 'class="state state-draft"' in row
