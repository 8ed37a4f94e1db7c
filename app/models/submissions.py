"""What a bureau sends: the submission, its immutable versions and its files."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_column, utcnow
from app.models.conference import Conference, ExchangeKind, Invitation, KeyTask, Organisation


class SubmissionState(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    # A rejected piece the ministry asked the bureau to replace: kept on record, read-only,
    # no longer the invitation's live piece.
    SUPERSEDED = "superseded"


# The one piece of an invitation that counts (coverage, the bureau's home): any but a superseded one.
LIVE_STATE_FILTER = "state != 'superseded'"


submission_key_task = sa.Table(
    "submission_key_task",
    Base.metadata,
    sa.Column("submission_id", sa.ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key_task_id", sa.ForeignKey("key_task.id", ondelete="CASCADE"), primary_key=True),
)


class Submission(Base):
    """The living draft of one invitation's piece, and where it stands."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id"), index=True)
    # The superseded piece this one replaces, when the ministry asked for a replacement.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id"))
    # Copied from the invitation so that every isolation filter is one column.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id"), index=True)
    kind: Mapped[ExchangeKind] = mapped_column(enum_column(ExchangeKind, "submission_kind"))
    state: Mapped[SubmissionState] = mapped_column(
        enum_column(SubmissionState, "submission_state"), default=SubmissionState.DRAFT, index=True
    )

    title: Mapped[str] = mapped_column(sa.String(300), default="")
    subtitle: Mapped[str] = mapped_column(sa.String(300), default="")
    speaker_name: Mapped[str] = mapped_column(sa.String(120), default="")
    speaker_post: Mapped[str] = mapped_column(sa.String(200), default="")
    planned_minutes: Mapped[int | None]
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    # Bodies run to tens of kilobytes: loaded when one is read, never for a list.
    body_source: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    body_html: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    # What body_source is written in: "html" (the editor, Word imports) or
    # "markdown" (what the form took before the editor; still accepted).
    body_format: Mapped[str] = mapped_column(sa.String(16), default="html", server_default="html")

    # Proceedings: the editors' order within the section, and exclusions.
    proceedings_position: Mapped[int | None]
    excluded_from_proceedings: Mapped[bool] = mapped_column(default=False)
    exclusion_reason: Mapped[str] = mapped_column(sa.Text, default="")

    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: every UPDATE checks and bumps this counter, so two
    # tabs or two reviewers can never silently overwrite each other.
    lock_version: Mapped[int] = mapped_column(default=1)
    # The newest version, set by ``take_snapshot``: what the ministry reads,
    # found without a GROUP BY over every version. Indexed: a search finds
    # versions first and their pieces through it, never by reading every piece.
    latest_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("submission_version.id", use_alter=True), index=True)

    invitation: Mapped[Invitation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    conference: Mapped[Conference] = relationship()
    key_tasks: Mapped[list[KeyTask]] = relationship(
        secondary=submission_key_task, order_by="KeyTask.number"
    )
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number",
        foreign_keys="SubmissionVersion.submission_id",
    )
    latest_version: Mapped[SubmissionVersion | None] = relationship(foreign_keys=[latest_version_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        sa.CheckConstraint(
            "planned_minutes IS NULL OR (planned_minutes > 0 AND planned_minutes <= 240)",
            name="planned_minutes_range",
        ),
        # An invitation has at most one live piece; superseded ones stay beside it on record.
        sa.Index("uq_submission_live_invitation", "invitation_id", unique=True,
                 sqlite_where=sa.text(LIVE_STATE_FILTER), postgresql_where=sa.text(LIVE_STATE_FILTER)),
        # The home page's counts and charts group a conference's pieces by state and invitation:
        # read from this index alone, never from the wide rows (abstracts, bodies).
        sa.Index("ix_submission_conference_state", "conference_id", "state", "invitation_id", "id"),
        # The review queue reads a state's sent pieces newest first, a page at a time
        # (``app.domain.review.queue``): in this order, never sorting them all.
        sa.Index("ix_submission_queue", "state", "submitted_at", "id",
                 sqlite_where=sa.text("latest_version_id IS NOT NULL"),
                 postgresql_where=sa.text("latest_version_id IS NOT NULL")),
    )

    @classmethod
    def is_live(cls) -> sa.ColumnElement[bool]:
        """SQL: the piece is its invitation's live one."""
        return cls.state != SubmissionState.SUPERSEDED


class SubmissionVersion(Base):
    """An immutable snapshot taken at each submit; reviews and books point here."""

    __tablename__ = "submission_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    subtitle: Mapped[str] = mapped_column(sa.String(300), default="")
    speaker_name: Mapped[str] = mapped_column(sa.String(120), default="")
    speaker_post: Mapped[str] = mapped_column(sa.String(200), default="")
    planned_minutes: Mapped[int | None]
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    body_source: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    body_html: Mapped[str] = mapped_column(sa.Text, default="", deferred=True, deferred_group="body")
    # What body_source is written in: "html" (the editor, Word imports) or
    # "markdown" (what the form took before the editor; still accepted).
    body_format: Mapped[str] = mapped_column(sa.String(16), default="html", server_default="html")
    # [{"id": .., "number": .., "title_zh": .., "title_en": ..}] as they stood.
    key_tasks: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [{"sha256": .., "name": .., "size": .., "file_type": ..}]
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # What the reviewers' search reads, in one column an index can hold: title,
    # subtitle, abstract, speaker, post, the bureau's names and the body's text
    # without tags (``app.domain.submissions.search``). PostgreSQL indexes it
    # with pg_trgm, SQLite through the FTS5 trigram table ``submission_version_search``.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)
    # 字数 of body_html (``character_count``), counted once when the version is
    # taken, so that the exports never load the bodies to count them.
    character_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The Word file the body was last imported from when this version was sent, if any.
    word_original_id: Mapped[int | None] = mapped_column(sa.ForeignKey("word_original.id"), index=True)

    submission: Mapped[Submission] = relationship(back_populates="versions", foreign_keys=[submission_id])
    word_original: Mapped[WordOriginal | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("submission_id", "number", name="uq_submission_version_number"),
        # Trigrams fit Chinese, which has no spaces between words; SQLite's
        # counterpart is an FTS5 table that the models do not describe.
        sa.Index("ix_submission_version_search_text", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        # When each piece was first sent (the charts' submissions over time), without reading any body.
        sa.Index("ix_submission_version_first", "submission_id", "created_at",
                 sqlite_where=sa.text("number = 1"), postgresql_where=sa.text("number = 1")),
    )


class WordOriginal(Base):
    """A Word (or WPS, ODT, RTF) file as the bureau uploaded it for import, kept in the file store.

    The draft's current original is its newest row; a version points at the
    one its body came from, so the office can file the document it was sent.
    """

    __tablename__ = "word_original"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    # docx, doc, wps, odt or rtf, as judged from the content.
    source_format: Mapped[str] = mapped_column(sa.String(8))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()

    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_non_negative"),)
def in_models(_object, name, type_, reflected, _compare_to) -> bool:
    """For autogenerate: the search indexes are the migrations' to write, per backend.

    SQLite's search table and its shadow tables are not in the models,
    PostgreSQL's trigram index is made only where pg_trgm could be installed,
    and its index of characters and pairs is over a function of its own
    (``huibian_search_grams``) that the models do not describe.
    """
    if type_ == "index" and name in ("ix_submission_version_search_text", "ix_submission_version_search_grams"):
        return False
    return not (type_ == "table" and reflected and name and name.startswith("submission_version_search"))


class Attachment(Base):
    """A supporting file or body image, stored once by SHA-256 outside static/."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    file_type: Mapped[str] = mapped_column(sa.String(16))
    # Images placed in the body (imported from Word) rather than sent alongside.
    in_body: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="attachments")

    __table_args__ = (
        sa.UniqueConstraint("submission_id", "sha256", name="uq_attachment_submission_sha256"),
        sa.CheckConstraint("size >= 0", name="size_non_negative"),
    )
