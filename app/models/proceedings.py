"""Proceedings editions: numbered, immutable books built from approved versions."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import User
from app.models.base import Base, UTCDateTime, enum_column, utcnow


class EditionStatus(enum.Enum):
    QUEUED = "queued"
    BUILDING = "building"
    DONE = "done"
    FAILED = "failed"


class ProceedingsEdition(Base):
    __tablename__ = "proceedings_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    number: Mapped[int]
    status: Mapped[EditionStatus] = mapped_column(
        enum_column(EditionStatus, "edition_status"), default=EditionStatus.QUEUED
    )
    # Progress survives a reload because it lives in the row, not the worker.
    progress_stage: Mapped[str] = mapped_column(sa.String(32), default="queued")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    edition_date: Mapped[date]
    cover_note: Mapped[str] = mapped_column(sa.Text, default="")
    # How pieces are numbered in this edition (typesetting/numbering.py SCHEMES), fixed at creation.
    piece_numbering: Mapped[str] = mapped_column(sa.String(16), default="none", server_default="none")
    # The book's style (typesetting/book.py BOOK_STYLES): "ministry" compilation or "western" proceedings.
    book_style: Mapped[str] = mapped_column(sa.String(16), default="ministry", server_default="ministry")
    # The PDF standard the book claims (typesetting/book.py PDF_VARIANTS): "" plain, "pdf/ua-1", "pdf/a-3u".
    pdf_variant: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    # The programme of the oral session printed in the front matter (programme.printed_programme:
    # [{"order", "bureau_zh", "bureau_en", "speaker_name", "speaker_post", "minutes"}]), frozen at
    # creation like the foreword; NULL when the edition does not print one.
    programme: Mapped[list | None] = mapped_column(sa.JSON)
    foreword_source: Mapped[str] = mapped_column(sa.Text, default="")
    foreword_html: Mapped[str] = mapped_column(sa.Text, default="")
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)

    page_count: Mapped[int | None]
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))

    built_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stamped every few seconds by the process building (or holding) the edition: see abandon_stale_builds.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    built_by: Mapped[User] = relationship()
    items: Mapped[list[EditionItem]] = relationship(
        back_populates="edition", order_by="EditionItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "number", name="uq_proceedings_edition_number"),
        sa.CheckConstraint(
            "status != 'done' OR sha256 IS NOT NULL", name="done_edition_has_file"
        ),
    )


class EditionItem(Base):
    """One exact submission version at one place in one edition."""

    __tablename__ = "edition_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("proceedings_edition.id", ondelete="CASCADE"))
    position: Mapped[int]
    section: Mapped[str] = mapped_column(sa.String(16))
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_version.id"))
    start_page: Mapped[int | None]

    edition: Mapped[ProceedingsEdition] = relationship(back_populates="items")
    version: Mapped["SubmissionVersion"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "position", name="uq_edition_item_position"),
    )
