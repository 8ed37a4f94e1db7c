"""What happened and who must hear of it: audit trail, notifications, mail."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, enum_column, utcnow


# The audit events that are reminders of an invitation (``app.domain.conference.reminders``).
REMINDERS = "action = 'remind' AND object_type = 'Invitation'"


class AuditEvent(Base):
    """Append-only record of every change of consequence."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    submission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="SET NULL"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # The coverage page reads the latest reminder of each invitation on a page: a few of the
    # reminders, never the whole trail.
    __table_args__ = (
        sa.Index("ix_audit_event_remind", "object_id", "created_at", "id",
                 postgresql_where=sa.text(REMINDERS), sqlite_where=sa.text(REMINDERS)),
    )


class Notification(Base):
    """An in-app message to one user, in both languages."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"))
    text_en: Mapped[str] = mapped_column(sa.Text)
    text_zh: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The unread badge is counted on every page; most notifications are read.
    __table_args__ = (
        sa.Index("ix_notification_unread", "user_id", postgresql_where=sa.text("read_at IS NULL"),
                 sqlite_where=sa.text("read_at IS NULL")),
        # A page of the inbox, newest first, read in order and stopping after the page: a
        # user with ten thousand notifications costs what one with fifty does.
        sa.Index("ix_notification_inbox", "user_id", "created_at", "id"),
    )


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept for the editors to see


class OutboxMail(Base):
    """A mail queued in the same transaction as the change it reports.

    A background sender delivers it; a failed send is retried and can never
    undo the decision that produced it.
    """

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
