"""The office's download of every approved piece: one zip, built in the background."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import User
from app.models.base import Base, UTCDateTime, enum_column, utcnow


class ArchiveStatus(enum.Enum):
    QUEUED = "queued"
    BUILDING = "building"
    DONE = "done"
    FAILED = "failed"


class PiecesArchive(Base):
    """A zip of a conference's approved pieces as they stood when it was asked for."""

    __tablename__ = "pieces_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    status: Mapped[ArchiveStatus] = mapped_column(
        enum_column(ArchiveStatus, "archive_status"), default=ArchiveStatus.QUEUED
    )
    # Progress lives in the row so that a reload, on any host, shows it.
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status != 'done' OR sha256 IS NOT NULL", name="done_archive_has_file"),
    )
