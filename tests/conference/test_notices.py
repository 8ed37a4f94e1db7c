"""Notices: an invitation, a corrected due date, an extension and a publication reach the bureau's people."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from app.domain.conference import setup
from app.domain.proceedings import editions
from app.domain.review.coverage import coverage
from app.models import ExchangeKind, Notification, OutboxMail, Role
from tests.helpers import page_text


def notes_of(db, user):
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def mails_to(db, address):
    return db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to_address == address)
                              .order_by(OutboxMail.id)).all()


def test_an_invitation_tells_every_member_of_the_bureau_with_kind_due_date_and_key_tasks(factory, db):
    conference = factory.conference()
    bureau = factory.organisation()
    first = factory.user(Role.SUBMITTER, organisation=bureau, email="a@example.cn")
    second = factory.user(Role.SUBMITTER, organisation=bureau)
    outsider = factory.user(Role.SUBMITTER)
    editor = factory.user(Role.EDITOR)
    due = datetime(2030, 3, 1, 10, 0, tzinfo=timezone.utc)

    setup.add_invitation(conference, organisation=bureau, kind=ExchangeKind.ORAL, due_at=due, allow_past=False, actor=editor)
    db.session.commit()

    for member in (first, second):
        [note] = notes_of(db, member)
        assert note.text_zh.startswith("报送通知：") and "大会交流发言" in note.text_zh
        assert "2030-03-01 18:00 Asia/Shanghai" in note.text_en and note.link == "/"
    assert notes_of(db, outsider) == [] and notes_of(db, editor) == []
    [mail] = mails_to(db, "a@example.cn")
    assert "oral exchange speech" in mail.subject
    assert f"1. {conference.key_tasks[0].title_zh}" in mail.body_text and "http://huibian.test/" in mail.body_text


def test_a_corrected_due_date_and_an_extension_are_told_with_the_reason(factory, db):
    invitation = factory.invitation(due_in=timedelta(days=5))
    member = factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="b@example.cn")
    editor = factory.user(Role.EDITOR)
    db.session.commit()

    setup.update_invitation(invitation, due_at=invitation.due_at + timedelta(days=1),
                            speaking_order=invitation.speaking_order, actor=editor)
    setup.grant_extension(invitation, new_due_at=invitation.due_at + timedelta(days=7),
                          reason="因汛期\n抢险延期", actor=editor)
    # The extension decides the date now: correcting the original one changes nothing the bureau sees.
    setup.update_invitation(invitation, due_at=invitation.due_at + timedelta(days=1),
                            speaking_order=invitation.speaking_order, actor=editor)
    db.session.commit()

    corrected, extension = notes_of(db, member)
    assert corrected.text_zh.startswith("截止时间更正：") and extension.text_zh.startswith("延期通知：")
    mails = mails_to(db, "b@example.cn")
    assert len(mails) == 2
    assert "延期理由：因汛期 抢险延期" in mails[1].body_text
    assert "Reason for the extension: 因汛期 抢险延期" in mails[1].body_text
    assert all("\n" not in m.subject for m in mails)


def test_publishing_an_edition_tells_the_bureaus_and_the_ministry(factory, db):
    from datetime import date

    from tests.factories import approved_piece

    conference = factory.conference()
    piece = approved_piece(factory, conference)
    member = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    reviewer = factory.user(Role.REVIEWER)
    editor = factory.user(Role.EDITOR)
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    editions.record_success(edition, file_name="book.pdf", page_count=20, size=1000, sha256="0" * 64,
                            start_pages={})
    db.session.commit()

    editions.publish_edition(edition, actor=editor)
    db.session.commit()

    for reader in (member, reviewer):
        [note] = [n for n in notes_of(db, reader) if "汇编已发布" in n.text_zh]
        assert f"（第{edition.number}版）" in note.text_zh and note.link == "/proceedings/published"


def test_coverage_names_a_bureau_with_no_one_to_notify(client, auth, factory, db):
    conference = factory.conference()
    factory.invitation(conference=conference, organisation=factory.organisation(name_en="Empty Province"))
    staffed = factory.invitation(conference=conference, organisation=factory.organisation(name_en="Staffed"))
    factory.user(Role.SUBMITTER, organisation=staffed.organisation)
    factory.user(Role.EDITOR, username="cov-notices")
    factory.commit()

    rows = {r.invitation.organisation.name_en: r.has_members for r in coverage(conference).rows}
    assert rows == {"Empty Province": False, "Staffed": True}
    auth.login("cov-notices")
    text = page_text(client.get(f"/review/coverage?conference={conference.id}"))
    assert "Empty Province no one to notify" in text and "Staffed no one to notify" not in text
