"""Mail templates: editors reword a conference's reminders and notices, with named placeholders."""
import re
from datetime import timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from app.background.mail import build_message
from app.domain import mail_templates, notifications
from app.domain.conference import mail_templates as editing
from app.domain.conference import setup
from app.models import AuditEvent, MailTemplate, Notification, OutboxMail, Role, User
from tests.helpers import page_text

REMIND_EN = "Dear {bureau}: the {kind} for {conference} is due {due_date} ({days_left}). Go to {link}"
REMIND_ZH = "{bureau}：请于 {due_date} 前报送{conference}{kind}（{days_left}）。入口：{link}"


@pytest.fixture
def office(factory):
    """A conference with one overdue bureau of one member, and an editor."""
    conference = factory.conference(title_en="Blue Skies Conference", title_zh="蓝天会议")
    invitation = factory.invitation(conference=conference, due_in=timedelta(days=-2),
                                    organisation=factory.organisation(name_en="Hebei Bureau", name_zh="河北厅"))
    factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="member@example.cn")
    factory.user(Role.EDITOR, username="tpl-editor", display_name="编辑甲")
    factory.commit()
    return conference, invitation


def edit_url(conference, kind="remind"):
    return f"/conference/{conference.id}/mail-templates/{kind}"


def wording(**changes):
    return {**vars(mail_templates.KINDS["remind"].default), "save": "1", **changes}


def remind(client, conference, invitation):
    return client.post(f"/review/coverage/{conference.id}/remind",
                       data={"scope": "one", "invitation": invitation.id})


def outbox(db):
    return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def test_an_edited_reminder_is_what_the_next_reminder_mail_says_in_both_languages(client, auth, db, office):
    conference, invitation = office
    auth.login("tpl-editor")
    response = client.post(edit_url(conference), data=wording(
        subject_zh="【催报】{bureau}：{conference}", subject_en="[Reminder] {bureau}: {conference}",
        body_zh=REMIND_ZH, body_en=REMIND_EN), follow_redirects=True)
    assert "The wording of this mail is saved" in page_text(response)

    preview = page_text(client.get(f"/review/coverage/{conference.id}/remind?scope=one&invitation={invitation.id}"))
    assert "【催报】河北厅：蓝天会议" in preview and "Dear Hebei Bureau: the written exchange material" in preview

    remind(client, conference, invitation)
    [mail] = outbox(db)
    assert mail.subject == "[汇编 Huibian] 【催报】河北厅：蓝天会议 / [Reminder] Hebei Bureau: Blue Skies Conference"
    assert "河北厅：请于 " in mail.body_text and "报送蓝天会议书面交流材料（已逾期 2 天）。入口：http://huibian.test/" in mail.body_text
    assert "Dear Hebei Bureau: the written exchange material for Blue Skies Conference is due " in mail.body_text
    assert "(overdue by 2 days). Go to http://huibian.test/" in mail.body_text
    [note] = db.session.scalars(sa.select(Notification)).all()
    assert note.text_zh == "【催报】河北厅：蓝天会议" and note.text_en == "[Reminder] Hebei Bureau: Blue Skies Conference"


def test_the_default_wording_is_used_until_an_editor_edits_and_reset_brings_it_back(client, auth, db, office):
    conference, invitation = office
    auth.login("tpl-editor")
    listing = page_text(client.get(f"/conference/{conference.id}/mail-templates"))
    assert listing.count("Built-in wording") == 5 and "Reminder" in listing and "Extension notice" in listing

    client.post(edit_url(conference), data=wording(subject_en="Custom {bureau}"))
    assert "Reworded for this conference" in page_text(client.get(f"/conference/{conference.id}/mail-templates"))
    response = client.post(f"{edit_url(conference)}/reset", follow_redirects=True)
    assert "back to its built-in wording" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0
    assert {e.action for e in db.session.scalars(sa.select(AuditEvent))} >= {"mail_template_save",
                                                                             "mail_template_reset"}

    remind(client, conference, invitation)
    [mail] = outbox(db)
    assert mail.subject.startswith("[汇编 Huibian] 催报提醒：蓝天会议书面交流材料截止时间 ")
    assert "Reminder for Blue Skies Conference: the written exchange material is due" in mail.subject


def test_every_kind_of_notice_uses_the_conferences_wording(db, factory, office):
    conference, invitation = office
    editor = db.session.scalar(sa.select(User).where(User.username == "tpl-editor"))
    for kind in ("invite", "due_changed", "extension"):
        default = mail_templates.KINDS[kind].default
        editing.save_template(conference, kind, mail_templates.Wording(
            f"ZH-{kind} {{bureau}}", f"EN-{kind} {{due_date}}", default.body_zh, default.body_en), actor=editor)
    other = factory.organisation(name_zh="山西厅")
    factory.user(Role.SUBMITTER, organisation=other, email="shanxi@example.cn")
    added = setup.add_invitation(conference, organisation=other, kind=invitation.kind,
                                 due_at=invitation.due_at + timedelta(days=30), allow_past=False, actor=editor)
    setup.update_invitation(added, due_at=added.due_at + timedelta(days=1), speaking_order=None, actor=editor)
    setup.grant_extension(added, new_due_at=added.due_at + timedelta(days=9), reason="汛期", actor=editor)
    db.session.commit()
    subjects = [m.subject for m in outbox(db)]
    assert [s.split(" / ")[0] for s in subjects] == [
        "[汇编 Huibian] ZH-invite 山西厅", "[汇编 Huibian] ZH-due_changed 山西厅", "[汇编 Huibian] ZH-extension 山西厅"]
    assert all("Asia/Shanghai" in s for s in subjects)


def test_the_publication_notice_uses_the_conferences_wording(db, office):
    conference, invitation = office
    editor = db.session.scalar(sa.select(User).where(User.username == "tpl-editor"))
    default = mail_templates.KINDS["published"].default
    editing.save_template(conference, "published", mail_templates.Wording(
        "第{edition}版汇编已发布", "Edition {edition} is out", "请下载：{link}", default.body_en), actor=editor)
    notifications.publication_notice(conference, 2, actor=editor, organisation_ids=[invitation.organisation_id],
                                     ministry=[])
    db.session.commit()
    [mail] = outbox(db)
    assert mail.subject == "[汇编 Huibian] 第2版汇编已发布 / Edition 2 is out"
    assert mail.body_text.startswith("请下载：http://huibian.test/") and "(edition 2)" in mail.body_text


@pytest.mark.parametrize("body_en, named", [
    ("Dear {bureau_name}, hurry", "{bureau_name}"),
    ("{bureau.__class__}", "{bureau.__class__}"),
    ("{bureau[0]}", "{bureau[0]}"),
    ("{0}", "{0}"),
    ("{}", "{}"),
    ("{reason}", "{reason}"),  # a reminder has no reason
])
def test_an_unknown_placeholder_is_refused_by_name_and_the_previous_wording_kept(
        client, auth, db, office, body_en, named):
    conference, invitation = office
    auth.login("tpl-editor")
    client.post(edit_url(conference), data=wording(body_en="Kept {link}"))

    response = client.post(edit_url(conference), data=wording(body_en=body_en))
    assert response.status_code == 422
    assert f"Unknown placeholder {named}. This mail may use: {{bureau}}、{{conference}}" in page_text(response)
    assert db.session.scalar(sa.select(MailTemplate.body_en)) == "Kept {link}"
    remind(client, conference, invitation)
    assert "Kept http://huibian.test/" in outbox(db)[0].body_text


@pytest.mark.parametrize("subject_en, message", [
    ("Due {due_date", "A brace does not match"),
    ("Due } soon", "A brace does not match"),
    ("{bureau!r}", "Write the placeholder {bureau} by its name alone"),
    ("{bureau:>999999999}", "Write the placeholder {bureau} by its name alone"),
    ("{bureau:{bureau}}", "Write the placeholder {bureau} by its name alone"),
    ("x" * 10_000, "This is 10000 characters long; at most 200 are allowed."),
    ("", "This cannot be empty."),
])
def test_malformed_or_oversized_templates_are_refused_with_a_message(client, auth, db, office, subject_en, message):
    conference, _invitation = office
    auth.login("tpl-editor")
    response = client.post(edit_url(conference), data=wording(subject_en=subject_en))
    assert response.status_code == 422 and message in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


def test_a_ten_thousand_character_body_and_hidden_controls_are_refused_not_a_500(client, auth, db, office):
    conference, _invitation = office
    auth.login("tpl-editor")
    response = client.post(edit_url(conference), data=wording(body_zh="长" * 10_000, body_en="a\u202eb {link}",
                                                              subject_zh="两行\n主题"))
    text = page_text(response)
    assert response.status_code == 422
    assert "This is 10000 characters long; at most 5000 are allowed." in text
    assert "Invisible direction marks or overrides are not allowed" in text
    assert "line breaks and control characters are not allowed" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


def test_a_refusal_is_said_in_chinese_to_a_chinese_editor(client, auth, office):
    conference, _invitation = office
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    auth.login("tpl-editor")
    response = client.post(edit_url(conference), data=wording(body_zh="{单位}"))
    assert "未知的占位符 {单位}。此类邮件可使用：{bureau}、" in page_text(response)


HOSTILE = ("=cmd|' /C calc'!A0 <script>alert(1)</script> [x](http://evil.example/p) "
           "\u202eevil\u202c\r\nBcc: x@evil.test " + "长" * 10_000)


def test_hostile_values_come_out_of_the_mail_as_inert_text(client, auth, db, factory):
    conference = factory.conference(title_en="Conf\nSubject: forged", title_zh="会议")
    invitation = factory.invitation(conference=conference, due_in=timedelta(days=3),
                                    organisation=factory.organisation(name_en=HOSTILE[:200], name_zh=HOSTILE[:200]))
    factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="h@example.cn")
    editor = factory.user(Role.EDITOR, username="tpl-ed2")
    factory.commit()
    auth.login("tpl-ed2")
    client.post(edit_url(conference, "extension"), data={
        **vars(mail_templates.KINDS["extension"].default),
        "subject_en": "Extension {bureau} {reason}", "body_en": "{bureau}\n{reason}\n{link}", "save": "1"})
    setup.grant_extension(invitation, new_due_at=invitation.due_at + timedelta(days=5), reason=HOSTILE, actor=editor)
    db.session.commit()

    [mail] = outbox(db)
    assert "\n" not in mail.subject and "\r" not in mail.subject and len(mail.subject) <= 300
    lines = mail.body_text.split("\n")
    reason_line = next(line for line in lines if line.startswith("=cmd") and "长长" in line)
    assert "http://evil" not in mail.body_text and "[x](evil[.]example/p)" in reason_line
    assert "\u202e" not in mail.body_text and "\u202c" not in mail.body_text
    assert not any(line.startswith("Bcc:") for line in lines)
    assert len(reason_line) <= mail_templates.VALUE_MAX
    message = message_from_bytes(bytes(build_message(mail, "huibian@example.cn")))
    assert message.get_content_type() == "text/plain" and not message.is_multipart()
    assert message["Bcc"] is None and message["Subject"].count("Extension") == 1

    page = client.get(edit_url(conference, "extension")).get_data(as_text=True)
    assert "<script>alert" not in page


def test_the_preview_renders_without_saving(client, auth, db, office):
    conference, _invitation = office
    auth.login("tpl-editor")
    response = client.post(edit_url(conference), data={**wording(body_en="Hello {bureau}, see {link}"),
                                                        "save": "", "preview": "1"})
    text = page_text(response)
    assert "Preview for a sample bureau" in text
    assert "Hello Department of Ecology and Environment of Hebei Province, see http://huibian.test/" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


def test_an_unknown_kind_is_not_found(client, auth, office):
    conference, _invitation = office
    auth.login("tpl-editor")
    assert client.get(edit_url(conference, "bcc")).status_code == 404


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.REVIEWER, Role.ADMIN])
def test_only_editors_see_or_change_the_templates(client, auth, db, factory, office, role):
    conference, _invitation = office
    factory.user(role, username="not-editor")
    factory.commit()
    auth.login("not-editor")
    assert client.get(f"/conference/{conference.id}/mail-templates").status_code == 403
    assert client.post(edit_url(conference), data=wording(subject_en="Hacked {bureau}")).status_code == 403
    assert client.post(f"{edit_url(conference)}/reset").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


def test_saving_needs_the_forms_csrf_token(csrf_client, db, office):
    conference, _invitation = office
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post("/login", data={"username": "tpl-editor", "password": "correct horse battery",
                                      "csrf_token": token})
    assert csrf_client.post(edit_url(conference), data=wording(subject_en="No token")).status_code == 400
    assert csrf_client.post(f"{edit_url(conference)}/reset").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0
    page = csrf_client.get(edit_url(conference)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post(edit_url(conference), data=wording(subject_en="With token", csrf_token=token))
    assert db.session.scalar(sa.select(MailTemplate.subject_en)) == "With token"
