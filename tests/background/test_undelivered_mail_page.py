"""Editors and administrators see the mail that did not go out, with the reason, and send it again."""
import sqlalchemy as sa

from app.background import mail
from app.models import AuditEvent, OutboxMail, OutboxStatus, Role
from tests.background.test_mail_isolation import queue
from tests.helpers import page_text


def test_an_editor_sees_the_failed_mail_with_its_reason_and_sends_it_again(app, client, auth, db, factory):
    editor = factory.user(Role.EDITOR, username="editor")
    factory.commit()
    broken, fine = queue(db, ("bad address@", "审核结果 result"), ("bureau@example.cn", "照常 as usual"))
    mail.send_due_mail(mail.SmtpSettings(server=None))
    auth.login("editor")

    page = page_text(client.get("/outbox/"))
    assert "bad address@" in page and "UnsendableMail" in page and "failed" in page
    assert "bureau@example.cn" not in page  # delivered: nothing to see

    response = client.post(f"/outbox/{broken.id}/send-again")
    assert "is queued again" in page_text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert broken.status is OutboxStatus.PENDING and broken.attempts == 0
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mail_retry")).one()
    assert event.actor_id == editor.id and event.detail["to"] == "bad address@"


def test_mail_on_its_way_cannot_be_queued_twice(app, client, auth, db, factory):
    factory.user(Role.ADMIN, username="admin")
    factory.commit()
    [pending] = queue(db, ("bureau@example.cn", "待发 waiting"))
    auth.login("admin")
    response = client.post(f"/outbox/{pending.id}/send-again", follow_redirects=True)
    assert "Only mail that failed can be sent again." in page_text(response)
    db.session.expire_all()
    assert db.session.get(OutboxMail, pending.id).status is OutboxStatus.PENDING


def test_reviewers_and_bureaus_do_not_see_the_mail_page(app, client, auth, db, factory):
    factory.user(Role.REVIEWER, username="reviewer")
    factory.user(Role.SUBMITTER, username="bureau")
    factory.commit()
    [failed] = queue(db, ("bad address@", "x"))
    mail.send_due_mail(mail.SmtpSettings(server=None))
    for username in ("reviewer", "bureau"):
        auth.login(username)
        assert client.get("/outbox/").status_code == 403
        assert client.post(f"/outbox/{failed.id}/send-again").status_code == 403
        auth.logout()
    db.session.expire_all()
    assert db.session.get(OutboxMail, failed.id).status is OutboxStatus.FAILED
