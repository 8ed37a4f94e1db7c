"""The reviewers' queue: what has been sent to the ministry, filtered and paged.

A page costs the same few queries however many submissions there are: one
count per state (grouped, the total is their sum), one for the rows with their latest
version and bureau joined in, one for their key tasks and one for their
assignments. The queue always shows the *latest submitted version*, never
the bureau's draft in progress.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.domain.submissions import search
from app.extensions import db
from app.models import (
    ExchangeKind,
    Invitation,
    Organisation,
    ReviewAssignment,
    Submission,
    SubmissionState,
    SubmissionVersion,
    User,
    submission_key_task,
)

PAGE_SIZE = 50
SORTS = ("submitted_desc", "submitted_asc", "organisation")


@dataclass
class QueueFilters:
    state: SubmissionState | None = None
    kind: ExchangeKind | None = None
    key_task_id: int | None = None
    organisation_id: int | None = None
    conference_id: int | None = None
    text: str = ""
    assigned_to_me: bool = False
    sort: str = "submitted_desc"
    page: int = 1


@dataclass
class QueueRow:
    submission: Submission
    version: SubmissionVersion
    assigned_to_me: bool
    reviewers: list[User] = field(default_factory=list)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    state_counts: dict[SubmissionState, int]

    @property
    def number(self) -> int:
        """The page shown, as the shared pager (``templates/_pager.html``) reads it."""
        return self.page


def _filtered(filters: QueueFilters, version, *, with_state: bool, for_rows: bool = False) -> sa.Select:
    # The latest version is what the ministry has to read; a draft never submitted has none.
    # The counts join the version only to search it: every join is paid on every row.
    text = filters.text.strip()
    query = sa.select(Submission).where(Submission.latest_version_id.is_not(None))
    if for_rows or text:
        query = query.join(version, version.id == Submission.latest_version_id)
    if for_rows:
        query = query.join(Organisation, Organisation.id == Submission.organisation_id)
    if with_state and filters.state is not None:
        query = query.where(Submission.state == filters.state)
    if filters.kind is not None:
        query = query.where(Submission.kind == filters.kind)
    if filters.organisation_id:
        query = query.where(Submission.organisation_id == filters.organisation_id)
    if filters.conference_id:
        query = query.where(Submission.conference_id == filters.conference_id)
    if filters.key_task_id:
        query = query.where(sa.exists().where(
            submission_key_task.c.submission_id == Submission.id,
            submission_key_task.c.key_task_id == filters.key_task_id,
        ))
    if text:
        # One indexed column holds the title, abstract, body text, the bureau's
        # names, the speaker and the post: reviewers look for people as often
        # as for words.
        query = query.where(search.matches(version, text))
    return query


def _mine(viewer: User):
    return sa.exists().where(
        ReviewAssignment.submission_id == Submission.id, ReviewAssignment.reviewer_id == viewer.id
    )


def review_queue(filters: QueueFilters, *, viewer: User, lang: str = "zh") -> QueuePage:
    """One page of the queue for ``viewer``; pieces assigned to them come first."""
    version = aliased(SubmissionVersion, name="version")
    base = _filtered(filters, version, with_state=True, for_rows=True)
    by_state = _filtered(filters, version, with_state=False)
    if filters.assigned_to_me:
        base = base.where(_mine(viewer))
        by_state = by_state.where(_mine(viewer))

    # One grouped count serves the tabs and the total: a search is read once for both.
    counted = dict(db.session.execute(
        by_state.with_only_columns(Submission.state, sa.func.count()).group_by(Submission.state)
    ).all())
    state_counts = {state: counted.get(state, 0) for state in SubmissionState if state is not SubmissionState.DRAFT}
    total = sum(counted.values()) if filters.state is None else counted.get(filters.state, 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)

    mine = _mine(viewer).label("mine")
    org_name = Organisation.name_zh if lang == "zh" else Organisation.name_en
    order = {
        "submitted_desc": [Submission.submitted_at.desc(), Submission.id.desc()],
        "submitted_asc": [Submission.submitted_at.asc(), Submission.id.asc()],
        "organisation": [org_name.asc(), Submission.kind.asc(), Submission.id.asc()],
    }[filters.sort if filters.sort in SORTS else "submitted_desc"]
    rows = db.session.execute(
        base.add_columns(version, mine)
        .options(contains_eager(Submission.organisation), selectinload(Submission.key_tasks))
        .order_by(mine.desc(), *order)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()

    reviewers_by_submission: dict[int, list[User]] = {}
    if rows:
        for assignment in db.session.scalars(
            sa.select(ReviewAssignment).where(ReviewAssignment.submission_id.in_([r[0].id for r in rows]))
            .options(selectinload(ReviewAssignment.reviewer)).order_by(ReviewAssignment.id)
        ):
            reviewers_by_submission.setdefault(assignment.submission_id, []).append(assignment.reviewer)
    return QueuePage(
        rows=[QueueRow(s, v, bool(m), reviewers_by_submission.get(s.id, [])) for s, v, m in rows],
        total=total, page=page, pages=pages, state_counts=state_counts,
    )


def bureau_choices(conference_id: int | None, *, selected: int | None = None,
                   lang: str = "zh") -> list[tuple[int, str]]:
    """(id, name) of the bureaus invited to one conference, for the queue's bureau filter, by code.

    A conference invites a few dozen bureaus, however many the database
    holds; the bureau already chosen stays on offer even when the conference
    did not invite it, so that the filter shown is the filter applied.
    """
    name = Organisation.name_zh if lang == "zh" else Organisation.name_en
    invited = sa.select(Invitation.organisation_id).where(Invitation.conference_id == conference_id)
    wanted = Organisation.id.in_(invited)
    if selected:
        wanted = sa.or_(wanted, Organisation.id == selected)
    return [tuple(row) for row in db.session.execute(
        sa.select(Organisation.id, name).where(Organisation.is_ministry.is_(False), wanted)
        .order_by(Organisation.code)).all()]
