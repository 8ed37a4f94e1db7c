"""What each role's home page shows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.conference.charts import ConferenceCharts, charts_of
from app.domain.paging import Page, paged
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


def bureau_invitations(user: User, now: datetime | None = None, *, page: int = 1) -> Page[InvitationRow]:
    """A page of the invitations of the user's bureau, soonest due first, with their submission if started."""
    now = now or utcnow()
    invitations = paged(
        sa.select(Invitation)
        .where(Invitation.organisation_id == user.organisation_id)
        .options(selectinload(Invitation.conference), selectinload(Invitation.extensions))
        .order_by(Invitation.due_at, Invitation.id), page)
    ids = [i.id for i in invitations.items]
    submissions: dict[int, Submission] = {}
    earlier: dict[int, list[Submission]] = {}
    if ids:
        for piece in db.session.scalars(
            sa.select(Submission).where(Submission.organisation_id == user.organisation_id,
                                        Submission.invitation_id.in_(ids))
            .order_by(Submission.id.desc())
        ):
            if piece.state is SubmissionState.SUPERSEDED:
                earlier.setdefault(piece.invitation_id, []).append(piece)
            else:
                submissions[piece.invitation_id] = piece
    rows = []
    for invitation in invitations.items:
        due = invitation.effective_due_at
        rows.append(InvitationRow(invitation, submissions.get(invitation.id), due, (due - now).days,
                                  earlier.get(invitation.id, [])))
    return Page(rows, invitations.total, invitations.number, invitations.size)


#: Invitations listed per conference on the ministry's home; the rest are on the coverage page.
HOME_INVITATIONS = 20
#: Conferences per page of the ministry's home.
CONFERENCES_PER_PAGE = 3


@dataclass
class ConferenceOverview:
    conference: Conference
    invitations: list[Invitation]  # the first HOME_INVITATIONS
    state_counts: dict[str, int]
    submitted_by_invitation: dict[int, Submission]
    charts: ConferenceCharts | None = None
    invitation_total: int = 0


def ministry_overview(*, with_charts: bool = False, page: int = 1) -> Page[ConferenceOverview]:
    """A page of conferences, each with its counts, its first invitations and, when asked, the editors' charts.

    Counts are grouped in SQL for the whole page at once; the invitations
    listed are the first few of each conference (a window in SQL), so a
    conference of 600 invitations costs what one of 20 does.
    """
    conferences = paged(
        sa.select(Conference).options(selectinload(Conference.key_tasks)).order_by(Conference.starts_on.desc(),
                                                                                   Conference.id.desc()),
        page, size=CONFERENCES_PER_PAGE)
    ids = [c.id for c in conferences.items]
    if not ids:
        return Page([], conferences.total, conferences.number, conferences.size)
    counts: dict[int, dict] = {}
    for conference_id, state, n in db.session.execute(
        sa.select(Submission.conference_id, Submission.state, sa.func.count())
        .where(Submission.conference_id.in_(ids)).group_by(Submission.conference_id, Submission.state)
    ):
        counts.setdefault(conference_id, {})[state] = n
    totals = dict(db.session.execute(
        sa.select(Invitation.conference_id, sa.func.count()).where(Invitation.conference_id.in_(ids))
        .group_by(Invitation.conference_id)
    ).all())
    rank = sa.func.row_number().over(
        partition_by=Invitation.conference_id,
        order_by=(Invitation.kind, Invitation.speaking_order, Invitation.id)).label("rank")
    first = sa.select(Invitation.id, rank).where(Invitation.conference_id.in_(ids)).subquery()
    invitations = db.session.scalars(
        sa.select(Invitation).join(first, first.c.id == Invitation.id).where(first.c.rank <= HOME_INVITATIONS)
        .options(selectinload(Invitation.organisation), selectinload(Invitation.extensions))
        .order_by(Invitation.conference_id, first.c.rank)
    ).all()
    submissions = {
        s.invitation_id: s for s in db.session.scalars(
            sa.select(Submission).where(Submission.invitation_id.in_([i.id for i in invitations]), Submission.is_live())
        )
    } if invitations else {}
    by_conference: dict[int, list[Invitation]] = {}
    for invitation in invitations:
        by_conference.setdefault(invitation.conference_id, []).append(invitation)
    charts = charts_of(conferences.items, pieces=counts, invitations=totals) if with_charts else {}
    overviews = [ConferenceOverview(
        conference, by_conference.get(conference.id, []),
        {state.value: counts.get(conference.id, {}).get(state, 0) for state in SubmissionState},
        submissions, charts.get(conference.id), totals.get(conference.id, 0),
    ) for conference in conferences.items]
    return Page(overviews, conferences.total, conferences.number, conferences.size)
