"""Mail the sender gave up on: shown to editors and administrators, and sent again on request."""
from __future__ import annotations

import sqlalchemy as sa

from app.models import AuditEvent, OutboxMail, OutboxStatus, Role
from tests.helpers import page_text


def mail(db, status, to="bureau@example.cn", subject="<script>alert(1)</script> 通知"):
    row = OutboxMail(to_address=to, subject=subject, body_text="…", status=status, attempts=5,
                     last_error="550 mailbox unavailable")
    db.session.add(row)
    db.session.flush()
    return row


def test_failed_mail_is_listed_and_a_retry_puts_it_back_in_the_queue(client, auth, factory, db):
    admin = factory.user(Role.ADMIN)
    failed = mail(db, OutboxStatus.FAILED)
    mail(db, OutboxStatus.SENT, to="sent@example.cn")
    factory.commit()
    auth.login(admin.username)

    page = client.get("/record/failed-mail")
    source = page.get_data(as_text=True)
    text = page_text(page)
    assert "bureau@example.cn" in text and "550 mailbox unavailable" in text and "sent@example.cn" not in text
    assert "<script>alert(1)</script>" not in source and "&lt;script&gt;" in source

    response = client.post(f"/record/failed-mail/{failed.id}/retry", follow_redirects=True)
    assert "The mail to bureau@example.cn will be sent again." in page_text(response)
    assert "No mail has failed." in page_text(response)
    db.session.expire_all()
    again = db.session.get(OutboxMail, failed.id)
    assert (again.status, again.attempts) == (OutboxStatus.PENDING, 0)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mail_retry")).one()
    assert event.actor_id == admin.id and event.object_id == failed.id


def test_mail_that_did_not_fail_cannot_be_retried(client, auth, factory, db):
    editor = factory.user(Role.EDITOR)
    sent = mail(db, OutboxStatus.SENT)
    factory.commit()
    auth.login(editor.username)
    response = client.post(f"/record/failed-mail/{sent.id}/retry", follow_redirects=True)
    assert "Only mail that failed can be sent again." in page_text(response)
    db.session.expire_all()
    assert db.session.get(OutboxMail, sent.id).status is OutboxStatus.SENT
    assert client.post("/record/failed-mail/999999/retry").status_code == 404


def test_reviewers_cannot_retry_mail(client, auth, factory, db):
    reviewer = factory.user(Role.REVIEWER)
    failed = mail(db, OutboxStatus.FAILED)
    factory.commit()
    auth.login(reviewer.username)
    assert client.post(f"/record/failed-mail/{failed.id}/retry").status_code == 403
    db.session.expire_all()
    assert db.session.get(OutboxMail, failed.id).status is OutboxStatus.FAILED
