"""The outbox sender against a real SMTP server on loopback (aiosmtpd)."""
import logging
import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from app.background import mail
from app.domain.workflow import Action, apply_transition
from app.models import Decision, OutboxMail, OutboxStatus, Role, SubmissionState, utcnow


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses it while ``failing``."""

    def __init__(self):
        self.messages = []
        self.failing = False

    async def handle_DATA(self, server, session, envelope):
        if self.failing:
            return "451 Requested action aborted: local error in processing"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.settings = mail.SmtpSettings(server="127.0.0.1", port=controller.port, sender="huibian@ministry.example")
    yield inbox
    controller.stop()


@pytest.fixture
def approved(factory, db):
    """A piece just approved; the bureau's member has a mail waiting in the outbox."""
    submission = factory.submission(state=SubmissionState.SUBMITTED, title="蓝天保卫战的实践")
    factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="bureau@example.cn")
    apply_transition(submission, Action.APPROVE, actor=factory.user(Role.REVIEWER))
    factory.commit()
    return submission


def test_pending_mail_is_delivered_over_smtp_in_both_languages(smtp_server, approved, db):
    counts = mail.send_due_mail(smtp_server.settings)
    assert counts == {"sent": 1, "retry": 0, "failed": 0}
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["bureau@example.cn"]
    assert message["Subject"] == "[汇编 Huibian] 已通过：蓝天保卫战的实践 / Approved: 蓝天保卫战的实践"
    assert message["From"] == "huibian@ministry.example"
    body = message.get_content()
    assert "已通过：蓝天保卫战的实践" in body and "Approved:" in body
    row = db.session.query(OutboxMail).one()
    assert row.status is OutboxStatus.SENT and row.sent_at is not None
    assert mail.send_due_mail(smtp_server.settings)["sent"] == 0  # never sent twice


def test_a_failing_server_means_a_retry_later_and_the_decision_stands(smtp_server, approved, db):
    smtp_server.failing = True
    before = utcnow()
    assert mail.send_due_mail(smtp_server.settings) == {"sent": 0, "retry": 1, "failed": 0}
    row = db.session.query(OutboxMail).one()
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at >= before + mail.FIRST_RETRY
    # Not due yet: nothing is tried again right away.
    assert mail.send_due_mail(smtp_server.settings) == {"sent": 0, "retry": 0, "failed": 0}
    db.session.expire_all()
    assert approved.state is SubmissionState.APPROVED and db.session.query(Decision).count() == 1

    smtp_server.failing = False
    later = utcnow() + timedelta(minutes=2)
    assert mail.send_due_mail(smtp_server.settings, now=later)["sent"] == 1
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert row.status is OutboxStatus.SENT and row.attempts == 2


def test_after_the_last_attempt_the_mail_is_marked_failed_and_kept(smtp_server, approved, db):
    smtp_server.failing = True
    moment = utcnow()
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        mail.send_due_mail(smtp_server.settings, now=moment)
        moment += mail.backoff(attempt) + timedelta(seconds=1)
    row = db.session.query(OutboxMail).one()
    assert row.status is OutboxStatus.FAILED and row.attempts == mail.MAX_ATTEMPTS
    assert mail.send_due_mail(smtp_server.settings, now=moment + timedelta(days=1))["sent"] == 0
    db.session.expire_all()
    assert approved.state is SubmissionState.APPROVED and db.session.query(Decision).count() == 1


def test_an_unreachable_server_is_retried_too(approved, db):
    closed = mail.SmtpSettings(server="127.0.0.1", port=free_port())
    assert mail.send_due_mail(closed)["retry"] == 1
    assert "ConnectionRefusedError" in db.session.query(OutboxMail).one().last_error


def test_backoff_doubles():
    assert [mail.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]


def test_without_a_mail_server_the_mail_goes_to_the_log(approved, db, caplog, monkeypatch):
    # The test run applies the migrations in this process, and Alembic's
    # fileConfig() disables every logger that existed before it.
    monkeypatch.setattr(logging.getLogger("huibian.mail"), "disabled", False)
    with caplog.at_level(logging.INFO, logger="huibian.mail"):
        assert mail.send_due_mail(mail.SmtpSettings(server=None))["sent"] == 1
    assert "bureau@example.cn" in caplog.text and "已通过" in caplog.text


def test_the_send_mail_command_uses_the_configured_server(app, smtp_server, approved):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.settings.port)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(smtp_server.messages) == 1


def test_the_sender_thread_does_not_start_in_tests_unless_asked(app, client):
    client.get("/login")
    assert "huibian_mail_sender" not in app.extensions
    assert mail.should_run_thread(app) is False


def test_the_sender_thread_delivers_when_a_test_asks_for_it(app, client, smtp_server, approved, db):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.settings.port,
                      MAIL_SENDER_THREAD=True, MAIL_SENDER_INTERVAL=0.2)
    client.get("/login")  # the first request starts it
    sender = app.extensions["huibian_mail_sender"]
    try:
        deadline = time.monotonic() + 15
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp_server.messages) == 1
        client.get("/login")
        assert app.extensions["huibian_mail_sender"] is sender  # one thread, not one per request
    finally:
        sender.stop()
        sender.join(5)
    assert not sender.is_alive()
