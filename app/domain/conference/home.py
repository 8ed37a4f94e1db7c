"""What each role's home page shows."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.domain.conference.charts import ConferenceCharts, charts_of, conference_figures, latest_extensions
from app.domain.paging import Page, clamp, count, paged
from app.extensions import db
from app.models import Conference, Invitation, Organisation, Submission, SubmissionState, User, utcnow


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


class InvitationLine(NamedTuple):
    """One line of a conference's table on the ministry's home, read as columns, not objects."""

    name_zh: str  # the bureau's
    name_en: str
    kind: str  # ``ExchangeKind`` value
    due_at: datetime  # moved by the latest extension, if any
    state: str | None  # the live piece's ``SubmissionState`` value; None if not started


@dataclass
class ConferenceOverview:
    conference: Conference
    invitations: list[InvitationLine]  # the first HOME_INVITATIONS
    state_counts: dict[str, int]  # every ``SubmissionState`` value, superseded included
    charts: ConferenceCharts | None = None
    invitation_total: int = 0


def ministry_overview(*, with_charts: bool = False, page: int = 1) -> Page[ConferenceOverview]:
    """A page of conferences, each with its counts, its first invitations and, when asked, the editors' charts.

    The counts and charts come from each conference's figures, counted once
    per change of the conference (``conference_figures``); the invitations
    listed are the first few of each conference, read as plain columns in one
    query, so a conference of 600 invitations costs what one of 20 does.
    """
    conferences = _conference_page(page)
    if not conferences.items:
        return Page([], conferences.total, conferences.number, conferences.size)
    figures = conference_figures(conferences.items)
    lines = _first_invitations([conference.id for conference in conferences.items])
    charts = charts_of(conferences.items, figures) if with_charts else {}
    overviews = [ConferenceOverview(
        conference, lines.get(conference.id, []),
        {state.value: figures[conference.id].pieces.get(state, 0) for state in SubmissionState},
        charts.get(conference.id), figures[conference.id].invitations,
    ) for conference in conferences.items]
    return Page(overviews, conferences.total, conferences.number, conferences.size)


def _conference_page(requested: int) -> Page[Conference]:
    """A page of conferences, newest first, their key tasks joined.

    The list's length rides on every row (a window over the whole list)
    instead of a count of its own; only a page past the end, where no row
    carries it, asks for the count apart and shows the last page instead.
    """
    query = _conferences_query()
    size = CONFERENCES_PER_PAGE

    def rows(number: int) -> list:
        return db.session.execute(query.limit(size).offset((number - 1) * size)).unique().all()

    number = max(1, requested or 1)
    found = rows(number)
    if found:
        total = found[0][1]
    else:
        total = count(query)
        number = clamp(requested, total, size)
        found = rows(number) if total else []
    return Page([conference for conference, _listed in found], total, number, size)


# The statements of the page are built once and run with its conferences as
# parameters: composing a select with subqueries costs more than running it.

@functools.cache
def _conferences_query() -> sa.Select:
    """Every conference, newest first, with the length of the list."""
    return (sa.select(Conference, sa.func.count().over())
            .options(joinedload(Conference.key_tasks))
            .order_by(Conference.starts_on.desc(), Conference.id.desc()))


def _first_invitations(conference_ids: list[int]) -> dict[int, list[InvitationLine]]:
    """The first HOME_INVITATIONS invitations of each conference, with bureau, due date and live state."""
    lines: dict[int, list[InvitationLine]] = {}
    for conference_id, name_zh, name_en, kind, due_at, extended_to, state in db.session.execute(
            _first_invitations_query(len(conference_ids)),
            {f"conference_{n}": conference_id for n, conference_id in enumerate(conference_ids)}):
        lines.setdefault(conference_id, []).append(InvitationLine(
            name_zh, name_en, kind.value, extended_to or due_at, state.value if state else None))
    return lines


@functools.cache
def _first_invitations_query(conferences: int) -> sa.Select:
    """One query for a page of ``conferences``: a ``LIMIT`` per conference, then the names and states.

    Each conference's first lines come from the index in the programme's
    order (twenty read, whatever the conference holds), and only those are
    joined. Built once per number of conferences (at most a page's).
    """
    firsts = [
        sa.select(sa.select(Invitation.id, Invitation.conference_id, Invitation.organisation_id, Invitation.kind,
                            Invitation.speaking_order, Invitation.due_at)
                  .where(Invitation.conference_id == sa.bindparam(f"conference_{n}"))
                  .order_by(Invitation.kind, Invitation.speaking_order, Invitation.id)
                  .limit(HOME_INVITATIONS).subquery())
        for n in range(conferences)
    ]
    first = (sa.union_all(*firsts) if conferences > 1 else firsts[0]).subquery()
    latest = latest_extensions()
    live_state = (sa.select(Submission.state).where(Submission.invitation_id == first.c.id, Submission.is_live())
                  .scalar_subquery())
    return (sa.select(first.c.conference_id, Organisation.name_zh, Organisation.name_en, first.c.kind,
                      first.c.due_at, latest.c.new_due_at, live_state)
            .join(Organisation, Organisation.id == first.c.organisation_id)
            .outerjoin(latest, latest.c.invitation_id == first.c.id)
            .order_by(first.c.conference_id, first.c.kind, first.c.speaking_order, first.c.id))
