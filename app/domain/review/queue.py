"""The reviewers' queue: what has been sent to the ministry, filtered and paged.

A page costs the same few queries however many submissions there are: one
count per state (grouped, the total is their sum), one for the rows with their latest
version, bureau and key tasks joined in (the viewer's assigned pieces, then
the rest), and one for their reviewers, each reading the columns shown, not
whole objects. The queue always shows the *latest
submitted version*, never the bureau's draft in progress.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.domain.submissions import search
from app.extensions import db
from app.models import (
    ExchangeKind,
    Invitation,
    KeyTask,
    Organisation,
    ReviewAssignment,
    Submission,
    SubmissionState,
    SubmissionVersion,
    User,
    submission_key_task,
)

PAGE_SIZE = 50
#: Up to this many pages of matches, the page that passes from the viewer's pieces to the
#: rest sorts them all at once (see ``_page_rows``).
FEW_PAGES = 4
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


class QueueRow(NamedTuple):
    """One line of the queue: the columns it shows, read as such (no ORM objects to build per row)."""
    id: int
    title: str
    version_number: int
    bureau: str
    kind: ExchangeKind
    state: SubmissionState
    submitted_at: datetime | None
    assigned_to_me: bool
    key_tasks: list[tuple[int, str]]  # (number, title in the page's language)
    reviewers: list[str]  # display names, in the order they were assigned


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


# The latest version of each piece, as the queue's queries name it. Made once: an alias
# works out each of its columns the first time it is asked, then keeps them.
_VERSION = aliased(SubmissionVersion, name="version")


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


def review_queue(filters: QueueFilters, *, viewer: User, lang: str = "zh",
                 key_tasks: Sequence[KeyTask] | None = None) -> QueuePage:
    """One page of the queue for ``viewer``; pieces assigned to them come first.

    ``key_tasks`` are every conference's key tasks when the caller has them
    already (the queue's filter offers them all); read here otherwise. The
    rows name theirs from these, in their order.
    """
    version = _VERSION
    base = _filtered(filters, version, with_state=True, for_rows=True)
    by_state = _filtered(filters, version, with_state=False)
    if filters.assigned_to_me:
        by_state = by_state.where(_mine(viewer))

    # One grouped count serves the tabs, the total, and where the viewer's own pieces
    # end (the page that passes from theirs to the rest): a search is read once for all.
    mine_count = sa.func.count() if filters.assigned_to_me else sa.func.count().filter(_mine(viewer))
    counted = {state: (count, mine) for state, count, mine in db.session.execute(
        by_state.with_only_columns(Submission.state, sa.func.count(), mine_count).group_by(Submission.state)
    )}
    state_counts = {state: counted.get(state, (0, 0))[0]
                    for state in SubmissionState if state is not SubmissionState.DRAFT}
    shown = counted.values() if filters.state is None else [counted.get(filters.state, (0, 0))]
    total, mine_total = sum(count for count, _mine_count in shown), sum(mine for _count, mine in shown)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)

    rows = _page_rows(base, version, filters, viewer=viewer, lang=lang, page=page, total=total,
                      mine_total=mine_total)
    reviewers = reviewer_names([row.id for row in rows]) if rows else {}
    named = _key_task_names(key_tasks, lang) if any(row.key_task_ids for row in rows) else {}
    return QueuePage(
        rows=[QueueRow(row.id, row.title, row.number, (row.name_zh or row.name_en) if lang == "zh" else row.name_en,
                       row.kind, row.state, row.submitted_at, bool(row.mine),
                       _in_order(named, row.key_task_ids), reviewers.get(row.id, [])) for row in rows],
        total=total, page=page, pages=pages, state_counts=state_counts,
    )


def _page_rows(base: sa.Select, version, filters: QueueFilters, *, viewer: User, lang: str, page: int,
               total: int, mine_total: int) -> list:
    """The rows of one page: the viewer's ``mine_total`` assigned pieces first, then the rest.

    Each of the two is read apart, in its order, with its own offset and
    limit: ordering every piece by "is it mine" first would sort all of them
    for one page, where each alone is read from an index in its order
    (``ix_submission_queue`` for the default sort) and stops after its rows.
    The page that passes from one to the other puts the two reads end to end.
    """
    org_name = Organisation.name_zh if lang == "zh" else Organisation.name_en
    keys = {
        "submitted_desc": [(Submission.submitted_at, "desc"), (Submission.id, "desc")],
        "submitted_asc": [(Submission.submitted_at, "asc"), (Submission.id, "asc")],
        "organisation": [(org_name, "asc"), (Submission.kind, "asc"), (Submission.id, "asc")],
    }[filters.sort if filters.sort in SORTS else "submitted_desc"]
    order = [getattr(column, direction)() for column, direction in keys]
    # A piece's key tasks (ids, in no order) ride on its row: a few of them, read through the link table's key.
    key_task_ids = (
        sa.select(sa.func.aggregate_strings(sa.cast(submission_key_task.c.key_task_id, sa.String), ","))
        .where(submission_key_task.c.submission_id == Submission.id).scalar_subquery()
    )
    columns = [Submission.id, version.title, version.number, Organisation.name_zh, Organisation.name_en,
               Submission.kind, Submission.state, Submission.submitted_at, key_task_ids.label("key_task_ids")]

    offset = (page - 1) * PAGE_SIZE
    from_mine = max(0, min(PAGE_SIZE, mine_total - offset))
    from_rest = 0 if filters.assigned_to_me else PAGE_SIZE - from_mine
    if from_mine and from_rest and total <= FEW_PAGES * PAGE_SIZE:
        # Few pieces match (a search, a narrow filter): one sort of them all, the viewer's
        # first, costs the database less than planning the two reads.
        mine = _mine(viewer).label("mine")
        return db.session.execute(base.with_only_columns(*columns, mine).order_by(mine.desc(), *order)
                                  .offset(offset).limit(PAGE_SIZE)).all()

    sort_columns = [column.label(f"sort_{n}") for n, (column, _direction) in enumerate(keys)]

    def read(mine: bool, offset: int, limit: int) -> sa.Select:
        return (base.where(_mine(viewer) if mine else ~_mine(viewer))
                .with_only_columns(*columns, sa.literal(mine).label("mine"), *sort_columns)
                .order_by(*order).offset(offset).limit(limit))

    reads = ([read(True, offset, from_mine)] if from_mine else []) + \
        ([read(False, max(0, offset - mine_total), from_rest)] if from_rest else [])
    if len(reads) < 2:
        return db.session.execute(reads[0]).all() if reads else []
    both = sa.union_all(*(sa.select(r.subquery(f"part_{n}")) for n, r in enumerate(reads))).subquery("queue")
    return db.session.execute(sa.select(both).order_by(
        both.c.mine.desc(), *[getattr(both.c[f"sort_{n}"], direction)() for n, (_c, direction) in enumerate(keys)]
    )).all()


def _key_task_names(key_tasks: Sequence[KeyTask] | None, lang: str) -> dict[int, tuple[tuple[int, int], str]]:
    """Each key task's place ((conference, number)) and its title in ``lang``, by id."""
    if key_tasks is None:
        key_tasks = db.session.scalars(sa.select(KeyTask)).all()
    return {task.id: ((task.conference_id, task.number),
                      (task.title_zh or task.title_en) if lang == "zh" else task.title_en) for task in key_tasks}


def _in_order(named: dict[int, tuple[tuple[int, int], str]], ids: str | None) -> list[tuple[int, str]]:
    """(number, title) of the key tasks ``ids`` ("3,7", as the row query aggregates them), by number."""
    if not ids:
        return []
    # A key task made after the caller read them (this very instant) shows from the next page drawn.
    found = sorted(named[key_task_id] for key_task_id in map(int, ids.split(",")) if key_task_id in named)
    return [(number, title) for (_conference, number), title in found]


def reviewer_names(ids) -> dict[int, list[str]]:
    """Submission id -> its reviewers' names in the order they were assigned, for ``ids``
    (a list of ids or a select of them), in one query."""
    found: dict[int, list[str]] = {}
    for submission_id, name in db.session.execute(
        sa.select(ReviewAssignment.submission_id, User.display_name)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.submission_id.in_(ids)).order_by(ReviewAssignment.id)
    ):
        found.setdefault(submission_id, []).append(name)
    return found


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
