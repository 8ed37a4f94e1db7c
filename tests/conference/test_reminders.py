"""Reminders: an editor reminds one bureau or a filter of the coverage page; cron reminds those due soon."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.conference import reminders
from app.domain.review.coverage import coverage_page
from app.models import (
    AuditEvent,
    Invitation,
    Notification,
    OutboxMail,
    Role,
    SubmissionState,
    User,
)
from tests.helpers import page_text


@pytest.fixture
def bureaus(factory):
    """Two overdue bureaus (two members and one), one on time, one overdue with nobody, and an editor."""
    conference = factory.conference()
    late = factory.invitation(conference=conference, due_in=timedelta(days=-2),
                              organisation=factory.organisation(name_en="Late One"))
    later = factory.invitation(conference=conference, due_in=timedelta(days=-1),
                               organisation=factory.organisation(name_en="Late Two"))
    on_time = factory.invitation(conference=conference, due_in=timedelta(days=2),
                                 organisation=factory.organisation(name_en="On Time"))
    empty = factory.invitation(conference=conference, due_in=timedelta(days=-3),
                               organisation=factory.organisation(name_en="Empty Bureau"))
    members = [factory.user(Role.SUBMITTER, organisation=late.organisation, email="l1@example.cn"),
               factory.user(Role.SUBMITTER, organisation=late.organisation, email="l2@example.cn"),
               factory.user(Role.SUBMITTER, organisation=later.organisation, email="t1@example.cn")]
    bystander = factory.user(Role.SUBMITTER, organisation=on_time.organisation, email="ok@example.cn")
    factory.user(Role.EDITOR, username="rem-editor", display_name="王编辑", email="ed@example.cn")
    factory.commit()
    return conference, members, bystander, empty


def sent(db):
    return sorted(m.to_address for m in db.session.scalars(sa.select(OutboxMail)))


def test_remind_all_overdue_reaches_each_member_once_and_nobody_else(client, auth, db, bureaus):
    conference, members, bystander, _empty = bureaus
    auth.login("rem-editor")

    preview = page_text(client.get(f"/review/coverage/{conference.id}/remind?scope=overdue"))
    assert "Late One" in preview and "Late Two" in preview and "On Time" not in preview
    assert "Empty Bureau no one to notify" in preview and "overdue by 2 days" in preview
    assert sent(db) == []  # the preview sends nothing

    response = client.post(f"/review/coverage/{conference.id}/remind", data={"scope": "overdue"})
    assert response.status_code == 302
    assert sent(db) == ["l1@example.cn", "l2@example.cn", "t1@example.cn"]
    for member in members:
        [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == member.id)).all()
        assert note.text_zh.startswith("催报提醒：") and "Asia/Shanghai" in note.text_en and note.link == "/"
    mail = db.session.scalars(sa.select(OutboxMail)).first()
    assert "http://huibian.test/" in mail.body_text and "days" in mail.subject
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == bystander.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "remind")) == 2

    page = client.get(f"/review/coverage?conference={conference.id}", follow_redirects=True)
    text = page_text(page)
    assert "Reminded 2 bureaus." in text and "no one to notify: Empty Bureau" in text
    assert text.count("by 王编辑") == 2


def test_one_bureau_is_reminded_from_its_row(client, auth, db, bureaus):
    conference, _members, bystander, _empty = bureaus
    auth.login("rem-editor")
    invitation_id = db.session.scalar(sa.select(Invitation.id).where(
        Invitation.organisation_id == bystander.organisation_id))
    client.post(f"/review/coverage/{conference.id}/remind", data={"scope": "one", "invitation": invitation_id})
    assert sent(db) == ["ok@example.cn"]


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.REVIEWER])
def test_only_editors_remind(client, auth, db, factory, bureaus, role):
    conference, *_ = bureaus
    factory.user(role, username="not-editor")
    factory.commit()
    auth.login("not-editor")
    assert client.get(f"/review/coverage/{conference.id}/remind?scope=overdue").status_code in (403, 404)
    assert client.post(f"/review/coverage/{conference.id}/remind",
                       data={"scope": "overdue"}).status_code in (403, 404)
    assert sent(db) == [] and db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_a_hostile_bureau_name_is_escaped_and_the_subject_stays_one_line(client, auth, db, factory):
    conference = factory.conference(title_en="Conf\r\nBcc: x@evil.test")
    hostile = "=cmd|' /C calc'!A0 <script>alert(1)</script> \u202eevil\u202c"
    invitation = factory.invitation(conference=conference, due_in=timedelta(days=-1),
                                    organisation=factory.organisation(name_en=hostile, name_zh=hostile))
    factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="h@example.cn")
    factory.user(Role.EDITOR, username="rem-ed2")
    factory.commit()
    auth.login("rem-ed2")

    html = client.get(f"/review/coverage/{conference.id}/remind?scope=overdue").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    client.post(f"/review/coverage/{conference.id}/remind", data={"scope": "overdue"})
    [mail] = db.session.scalars(sa.select(OutboxMail)).all()
    assert "\n" not in mail.subject and "\r" not in mail.subject
    html = client.get(f"/review/coverage?conference={conference.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_a_bad_scope_is_refused_without_sending(client, auth, db, bureaus):
    conference, *_ = bureaus
    auth.login("rem-editor")
    assert client.get(f"/review/coverage/{conference.id}/remind?scope=everyone").status_code == 404
    response = client.post(f"/review/coverage/{conference.id}/remind", data={"scope": "everyone"})
    assert response.status_code == 302 and sent(db) == []


def test_the_cron_command_reminds_bureaus_due_soon_once_a_day(app, db, factory):
    conference = factory.conference()
    soon = factory.invitation(conference=conference, due_in=timedelta(days=2),
                              organisation=factory.organisation(name_zh="将到期省"))
    far = factory.invitation(conference=conference, due_in=timedelta(days=10))
    sent_piece = factory.invitation(conference=conference, due_in=timedelta(days=1))
    factory.submission(invitation=sent_piece, state=SubmissionState.SUBMITTED)
    for invitation in (soon, far, sent_piece):
        factory.user(Role.SUBMITTER, organisation=invitation.organisation, email=f"m{invitation.id}@example.cn")
    factory.commit()
    mails_before = sent(db)

    first = app.test_cli_runner().invoke(args=["remind", "--due-in", "3"])
    assert first.exit_code == 0 and "将到期省" in first.output and "Reminded 1 bureaus." in first.output
    after_first = sent(db)
    assert [m for m in after_first if m not in mails_before] == [f"m{soon.id}@example.cn"]

    second = app.test_cli_runner().invoke(args=["remind", "--due-in", "3"])
    assert second.exit_code == 0 and "Reminded 0 bureaus." in second.output
    assert sent(db) == after_first
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "remind")).all()
    assert event.actor_id is None and event.detail["automatic"] is True


def test_the_coverage_rows_name_who_reminded_them_last(db, bureaus):
    conference, *_ = bureaus
    rows = reminders.targets(conference, scope="overdue")
    actor = db.session.scalar(sa.select(User).where(User.username == "rem-editor"))
    reminders.send(rows, actor=actor)
    db.session.commit()
    page = coverage_page(conference, page=1, lang="zh")
    last = {row.invitation_id: row.reminded_by for row in page.rows if row.reminded_at}
    assert {row.invitation.id for row in rows if row.has_members} == set(last)
    assert list(last.values()) == ["王编辑", "王编辑"]


def test_sending_needs_the_preview_pages_csrf_token(csrf_client, db, bureaus):
    conference, *_ = bureaus
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post("/login", data={"username": "rem-editor", "password": "correct horse battery", "csrf_token": token})
    url = f"/review/coverage/{conference.id}/remind"

    assert csrf_client.post(url, data={"scope": "overdue"}).status_code == 400
    assert sent(db) == []
    preview = csrf_client.get(f"{url}?scope=overdue").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    assert csrf_client.post(url, data={"scope": "overdue", "csrf_token": token}).status_code == 302
    assert len(sent(db)) == 3
