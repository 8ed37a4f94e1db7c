"""The outbox sender: delivers queued mail, retrying with backoff.

Every mail is tried on its own: whatever goes wrong with one (a refused
address, a header the mail library will not build, a server that hangs up)
is written on its row, and the pass carries on with the next one. A mail
that can never be built fails at once; any other failure is retried with
backoff and given up after ``MAX_ATTEMPTS``, the row kept as ``failed``.

Mail rows are written in the same transaction as the change they report
(``app.domain.notifications``); this module only ever touches ``OutboxMail`` rows,
so a failed send can delay a message but never lose or undo a decision.
With ``MAIL_SERVER`` unset the mail is written to the log instead, which is
what a development machine wants.
"""
from __future__ import annotations

import logging
import re
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import NonASCIILocalPartDefect
from email.message import EmailMessage

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import OutboxMail, OutboxStatus, utcnow

log = logging.getLogger("huibian.mail")

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
SMTP_TIMEOUT_SECONDS = 20
# Longer than one delivery may take (a connection, TLS, login and data, each within the timeout).
CLAIM_FOR = timedelta(seconds=SMTP_TIMEOUT_SECONDS * 6)


@dataclass(frozen=True)
class SmtpSettings:
    server: str | None
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "huibian@localhost"

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(
            server=config.get("MAIL_SERVER"), port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")), sender=config.get("MAIL_SENDER") or "huibian@localhost",
        )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failure."""
    return FIRST_RETRY * (2 ** max(0, attempts - 1))


class UnsendableMail(ValueError):
    """The message cannot be built from this row; trying again would not help."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Header text with line breaks and other control characters folded into single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    """The message for one row; UnsendableMail when its address or text cannot be put in a mail."""
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = mail.to_address
        message["Subject"] = one_line(mail.subject)
        message.set_content(mail.body_text)
    except Exception as error:  # noqa: BLE001 - the library raises IndexError, ValueError, HeaderParseError …
        raise UnsendableMail(f"{type(error).__name__}: {error}") from error
    addresses = message["To"].addresses
    # A non-ASCII local part is a real address (SMTPUTF8); every other defect means it is not one.
    defects = [d for d in message["To"].defects if not isinstance(d, NonASCIILocalPartDefect)]
    if defects or len(addresses) != 1 or not addresses[0].domain:
        raise UnsendableMail(f"not one valid address: {one_line(mail.to_address)!r}")
    return message


def deliver(mail: OutboxMail, settings: SmtpSettings) -> None:
    """Hand one mail to the SMTP server, or to the log when none is configured."""
    message = build_message(mail, settings.sender)
    if not settings.server:
        log.info("Mail (no MAIL_SERVER configured) to %s: %s\n%s",
                 mail.to_address, message["Subject"], mail.body_text)
        return
    with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def send_due_mail(settings: SmtpSettings, *, now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Send every pending mail whose time has come; commit after each one.

    Each mail is claimed (``_claim``; read with ``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL) before it is sent, so two senders in two processes or on two
    hosts never send the same mail twice. Returns how many were sent,
    deferred for a retry, and given up on.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        now_ = now or utcnow()
        mail = db.session.scalar(
            sa.select(OutboxMail)
            .where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now_)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if mail is None:
            break
        if not _claim(mail, now_):
            continue  # another sender (another web process, the mail timer) took it first
        try:
            deliver(mail, settings)
        except Exception as error:  # noqa: BLE001 - one bad mail must never stop the others
            counts[_record_failure(mail, error, now_)] += 1
        else:
            mail.attempts += 1
            mail.status = OutboxStatus.SENT
            mail.sent_at = utcnow()
            mail.last_error = ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def _claim(mail: OutboxMail, now: datetime) -> bool:
    """Take ``mail`` for this sender alone, committed before it is sent; whether it was still there to take.

    SQLite has no ``SKIP LOCKED``: two senders (two web processes) would
    both pick the same mail and send it twice. Moving its next attempt past
    the time a delivery may take, on the condition that nobody has moved it
    since it was read, lets exactly one of them have it. A sender that dies
    while sending leaves it to be tried again once the claim has lapsed.
    """
    seen = mail.next_attempt_at
    claimed = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.status == OutboxStatus.PENDING,
               OutboxMail.next_attempt_at == seen)
        .values(next_attempt_at=now + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return claimed


def _record_failure(mail: OutboxMail, error: Exception, now: datetime) -> str:
    """Write what went wrong on the row and decide: "retry" later, or "failed" for good."""
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, UnsendableMail) or mail.attempts >= MAX_ATTEMPTS:
        mail.status = OutboxStatus.FAILED
        log.error("Giving up on mail %s to %r after %d attempts: %s",
                  mail.id, mail.to_address, mail.attempts, mail.last_error)
        return "failed"
    mail.next_attempt_at = now + backoff(mail.attempts)
    log.warning("Mail %s to %r failed (attempt %d), retrying: %s",
                mail.id, mail.to_address, mail.attempts, mail.last_error)
    return "retry"


class MailSender(threading.Thread):
    """Polls the outbox in the web process; stops when told to."""

    def __init__(self, app: Flask, interval: float = 15.0):
        super().__init__(name="huibian-mail", daemon=True)
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    send_due_mail(SmtpSettings.from_config(self.app.config))
                except Exception:  # noqa: BLE001 - the thread must outlive a bad moment
                    db.session.rollback()
                    log.exception("The mail sender failed; it will try again.")
                finally:
                    db.session.remove()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


_start_lock = threading.Lock()


def should_run_thread(app: Flask) -> bool:
    """The web process sends mail itself unless told otherwise; tests never, unless they ask."""
    explicit = app.config.get("MAIL_SENDER_THREAD")
    if explicit is not None:
        return bool(explicit)
    return not app.testing and app.config.get("BACKGROUND_WORKER") == "thread"


def ensure_sender_started(app: Flask) -> MailSender | None:
    """Start this app's mail thread once; the same thread on every later call."""
    if not should_run_thread(app):
        return None
    running = app.extensions.get("huibian_mail_sender")
    if running is not None and running.is_alive():
        return running  # the usual case: no lock taken on every request
    with _start_lock:
        sender = app.extensions.get("huibian_mail_sender")
        if sender is None or not sender.is_alive():
            sender = MailSender(app, float(app.config.get("MAIL_SENDER_INTERVAL", 15.0)))
            app.extensions["huibian_mail_sender"] = sender
            sender.start()
        return sender
