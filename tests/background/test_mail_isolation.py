"""One bad mail never holds back the others, and mail says only what the page shows.

Against a real SMTP server on loopback (aiosmtpd) that refuses one address.
"""
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from app.background import mail
from app.domain.review.thread import add_comment
from app.domain.workflow import Action, apply_transition
from app.models import OutboxMail, OutboxStatus, Role, SubmissionState, utcnow
from tests.background.test_mail import Inbox, free_port

REFUSED = "gone@bureau.example.cn"


class RefusingInbox(Inbox):
    """Keeps what it receives, and answers 550 for one mailbox, as a real server does."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = RefusingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.settings = mail.SmtpSettings(server="127.0.0.1", port=controller.port, sender="huibian@ministry.example")
    yield inbox
    controller.stop()


def queue(db, *rows: tuple[str, str]) -> list[OutboxMail]:
    """Outbox rows in this order, all due now: (address, subject)."""
    moment = utcnow() - timedelta(minutes=10)
    mails = [OutboxMail(to_address=to, subject=subject, body_text="正文 body",
                        next_attempt_at=moment + timedelta(seconds=i))
             for i, (to, subject) in enumerate(rows)]
    db.session.add_all(mails)
    db.session.commit()
    return mails


def test_a_mail_the_library_refuses_fails_alone_and_later_mail_goes_out_in_the_same_pass(smtp_server, db):
    unbuildable, injected, plain = queue(
        db,
        ("bad address@", "first in line"),
        ("reviewer@ministry.example.cn", "标题\r\nBcc: spy@evil.example"),
        ("bureau@example.cn", "最后 last"),
    )
    assert mail.send_due_mail(smtp_server.settings) == {"sent": 2, "retry": 0, "failed": 1}

    db.session.expire_all()
    # The address can never become valid: failed at once, the reason kept, no retry.
    assert unbuildable.status is OutboxStatus.FAILED and unbuildable.attempts == 1
    assert "bad address@" in unbuildable.last_error or "IndexError" in unbuildable.last_error
    assert injected.status is OutboxStatus.SENT and plain.status is OutboxStatus.SENT
    delivered = {tuple(to): message for to, message in smtp_server.messages}
    assert set(delivered) == {("reviewer@ministry.example.cn",), ("bureau@example.cn",)}
    folded = delivered[("reviewer@ministry.example.cn",)]
    assert folded["Subject"] == "标题 Bcc: spy@evil.example"  # one header, folded: nothing injected
    assert folded["Bcc"] is None
    assert mail.send_due_mail(smtp_server.settings, now=utcnow() + timedelta(days=1))["sent"] == 0


def test_a_refused_recipient_is_retried_with_backoff_behind_later_mail_then_kept_as_failed(smtp_server, db):
    refused, later = queue(db, (REFUSED, "退信 bounce"), ("bureau@example.cn", "照常 as usual"))
    assert mail.send_due_mail(smtp_server.settings) == {"sent": 1, "retry": 1, "failed": 0}
    db.session.expire_all()
    assert later.status is OutboxStatus.SENT
    assert refused.status is OutboxStatus.PENDING and refused.attempts == 1 and "550" in refused.last_error

    moment = refused.next_attempt_at
    for attempt in range(2, mail.MAX_ATTEMPTS + 1):
        queue(db, ("bureau@example.cn", f"又一封 another {attempt}"))
        counts = mail.send_due_mail(smtp_server.settings, now=moment)
        assert counts["sent"] == 1  # the mail queued after it is never held back
        db.session.expire_all()
        assert refused.attempts == attempt
        if refused.status is OutboxStatus.PENDING:
            assert refused.next_attempt_at == moment + mail.backoff(attempt)
            moment = refused.next_attempt_at
    assert refused.status is OutboxStatus.FAILED and refused.attempts == mail.MAX_ATTEMPTS
    assert len(smtp_server.messages) == mail.MAX_ATTEMPTS


def test_a_title_with_a_line_break_is_mailed_on_one_line(smtp_server, factory, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED, title="蓝天\r\nBcc: spy@evil.example")
    factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="bureau@example.cn")
    apply_transition(submission, Action.APPROVE, actor=factory.user(Role.REVIEWER))
    factory.commit()

    assert mail.send_due_mail(smtp_server.settings) == {"sent": 1, "retry": 0, "failed": 0}
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["bureau@example.cn"] and message["Bcc"] is None
    assert message["Subject"] == ("[汇编 Huibian] 已通过：蓝天 Bcc: spy@evil.example "
                                  "/ Approved: 蓝天 Bcc: spy@evil.example")


def test_a_comment_is_mailed_as_the_page_shows_it_without_the_outside_link(smtp_server, factory, db):
    submission = factory.submission(state=SubmissionState.SUBMITTED, title="水质监测")
    factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, email="bureau@example.cn")
    add_comment(submission, "请按[新表格](https://evil.example/phish)重新填写，或见 https://evil.example/x 。\n\n"
                            "**谢谢**\n\n<script>alert(1)</script>",
                actor=factory.user(Role.REVIEWER))
    factory.commit()

    mail.send_due_mail(smtp_server.settings)
    [(_, message)] = smtp_server.messages
    body = message.get_content()
    assert "请按新表格重新填写" in body and "谢谢" in body
    assert "https://evil.example" not in body and "evil.example" not in body
    assert "evil[.]example/x" in body  # written-out address kept as words, not as a link
    assert "<script>" not in body and "alert" not in body and "**" not in body
