"""The conference, its key tasks, the organisations and who is invited."""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_column, utcnow


class ConferenceState(enum.Enum):
    PREPARING = "preparing"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class ExchangeKind(enum.Enum):
    ORAL = "oral"        # an oral exchange speech at the conference
    WRITTEN = "written"  # written exchange material, printed only


class Conference(Base):
    __tablename__ = "conference"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    organiser_zh: Mapped[str] = mapped_column(sa.String(200))
    organiser_en: Mapped[str] = mapped_column(sa.String(200))
    city_zh: Mapped[str] = mapped_column(sa.String(100))
    city_en: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    state: Mapped[ConferenceState] = mapped_column(
        enum_column(ConferenceState, "conference_state"), default=ConferenceState.OPEN
    )
    # When true only the assigned reviewers may decide on a submission.
    review_restricted_to_assigned: Mapped[bool] = mapped_column(default=False)
    # Front matter of the next proceedings edition, edited by the editors.
    proceedings_cover_note: Mapped[str] = mapped_column(sa.Text, default="")
    proceedings_foreword: Mapped[str] = mapped_column(sa.Text, default="")
    # The highest edition number ever given out: it only grows, so a deleted
    # edition's number is never given to another book.
    last_edition_number: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A new random value whenever something the conference's summaries count
    # changes (``app.models.summary_stamp`` keeps it): the key under which
    # ``app.domain.summary_cache`` keeps them. None: not kept, counted each time.
    summary_stamp: Mapped[str | None] = mapped_column(sa.String(32), default=lambda: uuid.uuid4().hex)

    key_tasks: Mapped[list[KeyTask]] = relationship(
        back_populates="conference", order_by="KeyTask.number", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(back_populates="conference")

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    def title(self, locale: str) -> str:
        return self.title_zh if locale.startswith("zh") else self.title_en


class KeyTask(Base):
    __tablename__ = "key_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    number: Mapped[int]
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")

    conference: Mapped[Conference] = relationship(back_populates="key_tasks")

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "number", name="uq_key_task_conference_number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    def title(self, locale: str) -> str:
        return self.title_zh if locale.startswith("zh") else self.title_en


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    region_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    is_ministry: Mapped[bool] = mapped_column(default=False)

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class Invitation(Base):
    """An organisation asked to contribute one piece of one kind to a conference."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    kind: Mapped[ExchangeKind] = mapped_column(enum_column(ExchangeKind, "exchange_kind"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Speaking order of oral speeches; also the default order in the book.
    speaking_order: Mapped[int | None]
    # 字数不超过…: the longest body the ministry accepts for this piece, checked at submit.
    max_chars: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conference: Mapped[Conference] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship()
    extensions: Mapped[list[Extension]] = relationship(
        back_populates="invitation", order_by="Extension.granted_at"
    )

    __table_args__ = (
        sa.UniqueConstraint(
            "conference_id", "organisation_id", "kind", name="uq_invitation_conference_org_kind"
        ),
        # The home page's first invitations of a conference, in the programme's order, read from here.
        sa.Index("ix_invitation_conference_order", "conference_id", "kind", "speaking_order", "id"),
        # The coverage page's order: a page of a conference's invitations is read from the index
        # in order and stops at the page, instead of sorting all of them.
        sa.Index("ix_invitation_coverage_order", "conference_id", "kind", "speaking_order", "organisation_id", "id"),
    )

    @property
    def effective_due_at(self) -> datetime:
        """The due date, moved by the latest extension if one was granted."""
        if self.extensions:
            return self.extensions[-1].new_due_at
        return self.due_at


class Extension(Base):
    """An editor moved one invitation's due date, for a recorded reason."""

    __tablename__ = "extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"))
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="extensions")
    granted_by: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
        # An invitation's latest extension moves its due date: one probe per invitation listed
        # (the home page's lines, the coverage page's rows).
        sa.Index("ix_extension_invitation_latest", "invitation_id", "granted_at", "id"),
    )
