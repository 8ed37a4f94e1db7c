"""What each role's home page shows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.conference.charts import ConferenceCharts, conference_charts
from app.extensions import db
from app.models import Conference, Invitation, Submission, SubmissionState, User, utcnow


@dataclass
class InvitationRow:
    invitation: Invitation
    submission: Submission | None
    due_at: datetime
    days_left: int
    # Pieces the ministry asked to replace: on record, read-only, newest first.
    earlier: list[Submission] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def bureau_invitations(user: User, now: datetime | None = None) -> list[InvitationRow]:
    """The invitations of the user's bureau, with their submission if started."""
    now = now or utcnow()
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.organisation_id == user.organisation_id)
        .options(selectinload(Invitation.conference), selectinload(Invitation.extensions))
        .order_by(Invitation.due_at)
    ).all()
    submissions = {
        s.invitation_id: s for s in db.session.scalars(
            sa.select(Submission).where(Submission.organisation_id == user.organisation_id, Submission.is_live())
        )
    }
    earlier: dict[int, list[Submission]] = {}
    for piece in db.session.scalars(
        sa.select(Submission).where(Submission.organisation_id == user.organisation_id, ~Submission.is_live())
        .order_by(Submission.id.desc())
    ):
        earlier.setdefault(piece.invitation_id, []).append(piece)
    rows = []
    for invitation in invitations:
        due = invitation.effective_due_at
        rows.append(InvitationRow(invitation, submissions.get(invitation.id), due, (due - now).days,
                                  earlier.get(invitation.id, [])))
    return rows


@dataclass
class ConferenceOverview:
    conference: Conference
    invitations: list[Invitation]
    state_counts: dict[str, int]
    submitted_by_invitation: dict[int, Submission]
    charts: ConferenceCharts | None = None


def ministry_overview(*, with_charts: bool = False) -> list[ConferenceOverview]:
    """Every conference with its invitations and counts; with the editors' charts when asked."""
    conferences = db.session.scalars(
        sa.select(Conference).options(selectinload(Conference.key_tasks)).order_by(Conference.starts_on.desc())
    ).all()
    overviews = []
    for conference in conferences:
        invitations = db.session.scalars(
            sa.select(Invitation).where(Invitation.conference_id == conference.id)
            .options(selectinload(Invitation.organisation), selectinload(Invitation.extensions))
            .order_by(Invitation.kind, Invitation.speaking_order, Invitation.id)
        ).all()
        counts = dict(db.session.execute(
            sa.select(Submission.state, sa.func.count()).where(Submission.conference_id == conference.id)
            .group_by(Submission.state)
        ).all())
        submissions = {
            s.invitation_id: s for s in db.session.scalars(
                sa.select(Submission).where(Submission.conference_id == conference.id, Submission.is_live())
            )
        }
        overviews.append(ConferenceOverview(
            conference, list(invitations),
            {state.value: counts.get(state, 0) for state in SubmissionState}, submissions,
            conference_charts(conference, list(invitations)) if with_charts else None,
        ))
    return overviews
