"""Mail that did not go out, for the people who can do something about it.

The sender (``app.background.mail``) writes every failure on its row; here
editors and administrators read those rows and send a failed mail again once
the cause (usually an address, fixed in the accounts) is gone.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.domain.audit import record_event
from app.domain.errors import NotAllowed
from app.domain.permissions import can_manage_accounts
from app.extensions import db
from app.models import OutboxMail, OutboxStatus, User, utcnow

PAGE_SIZE = 200


def can_follow_mail(user: User) -> bool:
    """Those who manage accounts see mail failures: most are an address to correct."""
    return can_manage_accounts(user)


def undelivered_mail(*, limit: int = PAGE_SIZE) -> list[OutboxMail]:
    """Failed mail, and mail still waiting after a failed attempt; newest first."""
    return list(db.session.scalars(
        sa.select(OutboxMail)
        .where(sa.or_(OutboxMail.status == OutboxStatus.FAILED,
                      sa.and_(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.attempts > 0)))
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(limit)
    ))


def send_again(mail: OutboxMail, *, actor: User, now: datetime | None = None) -> None:
    """Put a failed mail back in the queue with fresh attempts; the sender takes it on its next pass."""
    if mail.status is not OutboxStatus.FAILED:
        raise NotAllowed(_("Only mail that failed can be sent again."))
    record_event("mail_retry", actor=actor, obj=mail, detail={
        "to": mail.to_address, "attempts": mail.attempts, "last_error": mail.last_error[:500]})
    mail.status = OutboxStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = now or utcnow()
    db.session.flush()
