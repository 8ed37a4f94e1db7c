"""A draft's revisions: what each save, import or restore left, for the bureau to go back to."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import User
from app.models.base import Base, UTCDateTime, utcnow


class DraftRevision(Base):
    """The draft's text as one change left it. Unlike a version, never sent to the ministry."""

    __tablename__ = "draft_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # save, import, restore; "earlier" for the text a draft had before it kept revisions
    reason: Mapped[str] = mapped_column(sa.String(16))
    # The imported file's name, or the number of the revision restored.
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    subtitle: Mapped[str] = mapped_column(sa.String(300), default="")
    speaker_name: Mapped[str] = mapped_column(sa.String(120), default="")
    speaker_post: Mapped[str] = mapped_column(sa.String(200), default="")
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    body_source: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    body_format: Mapped[str] = mapped_column(sa.String(16), default="html")
    body_html: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    characters: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("submission_id", "number", name="uq_draft_revision_submission_number"),)


class ImportRun(Base):
    """A Word import under way, written before the conversion starts, so that any
    page (after a reload, or on another host) can tell that it is working."""

    __tablename__ = "import_run"

    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(300), default="")
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
