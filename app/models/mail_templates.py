"""An editor's wording of one kind of mail for one conference, in Chinese and English."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

# The kinds of conference mail an editor may reword (see app.domain.mail_templates).
MAIL_TEMPLATE_KINDS = ("remind", "invite", "due_changed", "extension", "published")
SUBJECT_MAX = 200
BODY_MAX = 5000


class MailTemplate(Base):
    """An override of the built-in wording; without a row the built-in default is used.

    "Reset to default" deletes the row, so a conference never carries a copy
    of a default that a later release might improve.
    """

    __tablename__ = "mail_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject_zh: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX))
    subject_en: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX))
    body_zh: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "kind", name="uq_mail_template_conference_kind"),
        sa.CheckConstraint("kind IN ('" + "', '".join(MAIL_TEMPLATE_KINDS) + "')", name="known_kind"),
        sa.CheckConstraint(f"length(body_zh) <= {BODY_MAX} AND length(body_en) <= {BODY_MAX}",
                           name="body_not_too_long"),
    )
