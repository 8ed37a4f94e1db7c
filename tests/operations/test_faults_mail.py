"""Fault: the SMTP server is down (nothing listens on its port).

The request that causes a mail succeeds; the mail stays pending and is
retried with backoff; after the last attempt it is listed on
/record/failed-mail; when SMTP is back, a retry (or simply the next due
pass) sends it. The sender's pieces are tested in tests/background/test_mail*.py;
this is the whole story through the web.
"""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from app.background import mail
from app.models import OutboxMail, OutboxStatus, Role, SubmissionState, utcnow
from tests.background.test_mail import Inbox, free_port
from tests.helpers import page_text


@pytest.fixture
def smtp_down(app):
    """MAIL_SERVER configured on a loopback port where nothing listens; ``start()`` brings a server up there."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="huibian@ministry.example")
    inbox, controllers = Inbox(), []

    def start():
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox

    inbox.start = start
    yield inbox
    for controller in controllers:
        controller.stop()


@pytest.fixture
def submitted(factory):
    submission = factory.submission(state=SubmissionState.SUBMITTED, title="蓝天保卫战的实践")
    factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="bureau@example.cn")
    reviewer, editor = factory.user(Role.REVIEWER), factory.user(Role.EDITOR)
    factory.commit()
    return submission, reviewer, editor


def the_mail(db) -> OutboxMail:
    db.session.expire_all()
    return db.session.query(OutboxMail).one()


def test_smtp_down_the_decision_stands_the_mail_waits_with_backoff_then_is_shown_and_sent_when_smtp_is_back(
        app, client, auth, db, smtp_down, submitted):
    submission, reviewer, editor = submitted
    app.config.update(MAIL_SENDER_THREAD=True, MAIL_SENDER_INTERVAL=0.1)
    auth.login(reviewer.username)

    response = client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"},
                           follow_redirects=True)
    assert "Your decision was recorded and the bureau has been told." in page_text(response)
    sender = app.extensions["huibian_mail_sender"]  # the web process's sender tried at once, and failed
    try:
        deadline = time.monotonic() + 15
        while the_mail(db).attempts == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        # From here on the test drives each pass itself, at moments of its choosing.
        app.config["MAIL_SENDER_THREAD"] = False
        sender.stop()
        sender.join(5)
    db.session.expire_all()
    assert submission.state is SubmissionState.APPROVED
    row = the_mail(db)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at >= utcnow() + mail.FIRST_RETRY - timedelta(seconds=5)

    settings = mail.SmtpSettings.from_config(app.config)
    assert mail.send_due_mail(settings) == {"sent": 0, "retry": 0, "failed": 0}  # not due: no hammering
    moment = utcnow()
    for attempt in range(2, mail.MAX_ATTEMPTS + 1):
        moment += mail.backoff(attempt - 1) + timedelta(seconds=1)
        mail.send_due_mail(settings, now=moment)
        assert the_mail(db).attempts == attempt
    assert the_mail(db).status is OutboxStatus.FAILED

    auth.logout()
    auth.login(editor.username)
    page = page_text(client.get("/record/failed-mail"))
    assert "bureau@example.cn" in page and "ConnectionRefusedError" in page

    inbox = smtp_down.start()  # SMTP is back
    response = client.post(f"/record/failed-mail/{row.id}/retry", follow_redirects=True)
    assert "The mail to bureau@example.cn will be sent again." in page_text(response)
    assert mail.send_due_mail(settings)["sent"] == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["bureau@example.cn"] and "蓝天保卫战的实践" in message["Subject"]
    assert the_mail(db).status is OutboxStatus.SENT
    assert "No mail has failed." in page_text(client.get("/record/failed-mail"))


def test_smtp_back_before_the_last_attempt_the_next_due_pass_sends_it(app, client, auth, db, smtp_down, submitted):
    submission, reviewer, _editor = submitted
    auth.login(reviewer.username)
    client.post(f"/review/{submission.id}/decide", data={"outcome": "approve", "version_seen": "1"})
    settings = mail.SmtpSettings.from_config(app.config)
    assert mail.send_due_mail(settings) == {"sent": 0, "retry": 1, "failed": 0}

    inbox = smtp_down.start()
    assert mail.send_due_mail(settings) == {"sent": 0, "retry": 0, "failed": 0}  # waits for its backoff
    later = utcnow() + mail.backoff(1) + timedelta(seconds=1)
    assert mail.send_due_mail(settings, now=later) == {"sent": 1, "retry": 0, "failed": 0}
    assert len(inbox.messages) == 1
    row = the_mail(db)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, "")


class SlowInbox(Inbox):
    """An SMTP server that takes its time over each mail, as a loaded one does."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


def test_two_senders_at_once_send_each_mail_once(app, db, factory):
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    for n in range(6):
        db.session.add(OutboxMail(to_address=f"bureau{n}@example.cn", subject=f"通知 {n}", body_text="…"))
    factory.commit()
    settings = mail.SmtpSettings(server="127.0.0.1", port=controller.port)

    def sender():  # another web process's mail thread, or the mail timer
        with app.app_context():
            mail.send_due_mail(settings)
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        controller.stop()
    assert sorted(recipients[0] for recipients, _message in inbox.messages) == [
        f"bureau{n}@example.cn" for n in range(6)]
    db.session.expire_all()
    assert {row.status for row in db.session.query(OutboxMail)} == {OutboxStatus.SENT}
