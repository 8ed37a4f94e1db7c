"""What the ministry does with submissions: decisions, comments, assignments."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import User
from app.models.base import Base, UTCDateTime, enum_column, utcnow


class DecisionOutcome(enum.Enum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    REOPEN = "reopen"


class Decision(Base):
    """A recorded judgement on one exact version of a submission."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_version.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome, "decision_outcome"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship()
    version: Mapped["SubmissionVersion"] = relationship()  # noqa: F821

    __table_args__ = (
        # Asking for changes, rejecting or reopening must say why.
        sa.CheckConstraint(
            "outcome = 'approve' OR length(comment) > 0", name="reason_for_negative_outcome"
        ),
    )


class Comment(Base):
    """A message on a submission: public to the bureau, or an internal note."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (
        sa.UniqueConstraint("submission_id", "reviewer_id", name="uq_review_assignment_pair"),
    )
