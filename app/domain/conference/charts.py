"""The numbers behind the editors' charts: where a conference stands, as plain data.

Every figure is a SQL count grouped in the database, so a conference of 1,000
pieces costs the same queries as one of ten, and a page of conferences the
same as one conference; and it is counted once per change of the conference
(``app.domain.summary_cache``), not on every view. Only live pieces count, as
on the coverage page: a superseded piece gave way to its replacement.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.domain.conference import chart_drawing
from app.domain.review.coverage import NOT_STARTED, STATUSES
from app.domain.summary_cache import summaries
from app.extensions import db
from app.models import (
    Conference,
    Extension,
    Invitation,
    KeyTask,
    Submission,
    SubmissionState,
    SubmissionVersion,
    submission_key_task,
)

# The states a live piece can stand in, in the order a piece moves through them.
LIVE_STATES = tuple(state.value for state in SubmissionState if state is not SubmissionState.SUPERSEDED)


@dataclass
class KeyTaskBar:
    key_task: KeyTask
    counts: dict[str, int]  # live state → pieces, every state present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class DayPoint:
    day: date
    count: int  # invitations first submitted that day
    cumulative: int


@dataclass
class ConferenceCharts:
    key_tasks: list[KeyTaskBar]
    bureaus: dict[str, int]  # coverage status (not started first) → invitations
    days: list[DayPoint]
    due_dates: list[date]  # every effective due date, in the conference's time zone
    start: date  # the time axis runs from start to end, both included
    end: date
    # The order the stacks are drawn in: the way a piece moves.
    states = LIVE_STATES
    statuses = STATUSES
    # The sizes of the drawings (``chart_drawing``), for the template's frames and axes.
    frame = chart_drawing

    @property
    def largest_key_task(self) -> int:
        return max((bar.total for bar in self.key_tasks), default=0)

    @property
    def invitations(self) -> int:
        return sum(self.bureaus.values())

    # Where the marks go, for the template to write out (each asked for once per chart).
    @property
    def bureau_runs(self) -> list[chart_drawing.Run]:
        return chart_drawing.bureau_runs(self)

    @property
    def key_task_rows(self) -> list[chart_drawing.KeyTaskRow]:
        return chart_drawing.key_task_rows(self)

    @property
    def key_tasks_height(self) -> int:
        return chart_drawing.key_tasks_height(self)

    @property
    def time_axis(self) -> chart_drawing.TimeAxis:
        return chart_drawing.time_axis(self)


@dataclass(frozen=True)
class ConferenceFigures:
    """What the home counts of one conference, kept under its summary stamp (read, never changed)."""

    pieces: dict[SubmissionState, int]  # by state, superseded ones included; states without pieces absent
    invitations: int
    key_tasks: dict[int, dict[str, int]]  # key task id → live state value → pieces
    days: tuple[tuple[date, int], ...]  # invitations first sent, per local day, in order
    due_dates: tuple[date, ...]  # every effective due date, local, in order


def conference_charts(conference: Conference) -> ConferenceCharts:
    """Pieces by state per key task, invitations by status, first submissions per day, of one conference."""
    return charts_of([conference])[conference.id]


def charts_of(conferences: list[Conference],
              figures: dict[int, ConferenceFigures] | None = None) -> dict[int, ConferenceCharts]:
    """The charts of a page of conferences, by conference id, from their figures (``conference_figures``)."""
    if figures is None:
        figures = conference_figures(conferences)
    charts = {}
    for conference in conferences:
        counted = figures[conference.id]
        live_states = {state.value: n for state, n in counted.pieces.items() if state is not SubmissionState.SUPERSEDED}
        points, running = [], 0
        for day, count in counted.days:
            running += count
            points.append(DayPoint(day, count, running))
        marks = [day for day, _count in counted.days] + list(counted.due_dates) \
            or [datetime.now(ZoneInfo(conference.timezone)).date()]
        # One day either side keeps the first step and the last due line off the frame.
        start, end = min(marks) - timedelta(days=1), max(marks) + timedelta(days=1)
        bars = [KeyTaskBar(task, {s: counted.key_tasks.get(task.id, {}).get(s, 0) for s in LIVE_STATES})
                for task in conference.key_tasks]
        charts[conference.id] = ConferenceCharts(
            bars, _bureau_counts(live_states, counted.invitations), points, list(counted.due_dates), start, end)
    return charts


def conference_figures(conferences: list[Conference]) -> dict[int, ConferenceFigures]:
    """Each conference's figures, by id: counted once per change of the conference (``summary_cache``).

    Counted in SQL, grouped in the database, for all the conferences not
    yet known at once (five queries, whatever their size), and kept until
    the conference changes: a page of conferences of 600 invitations then
    costs what one of 20 does. The days are cut in the conference's time
    zone, at its offset today, which is part of the key.
    """
    by_zone: dict[tuple[str, int], list[Conference]] = {}
    for conference in conferences:
        minutes = int(datetime.now(ZoneInfo(conference.timezone)).utcoffset().total_seconds() // 60)
        by_zone.setdefault((conference.timezone, minutes), []).append(conference)
    figures: dict[int, ConferenceFigures] = {}
    for (zone, minutes), group in by_zone.items():
        figures.update(summaries("home figures", group, functools.partial(_count_figures, zone=zone, minutes=minutes),
                                 key=(zone, minutes)))
    return figures


def _count_figures(conferences: list[Conference], *, zone: str, minutes: int) -> dict[int, ConferenceFigures]:
    ids = {"ids": [c.id for c in conferences]}
    pieces: dict[int, dict[SubmissionState, int]] = {}
    for conference_id, state, count in db.session.execute(_pieces_query(), ids):
        pieces.setdefault(conference_id, {})[state] = count
    invitations = dict(db.session.execute(_invitations_query(), ids).all())
    local = ZoneInfo(zone)
    due_dates: dict[int, set[date]] = {}
    for conference_id, at in db.session.execute(_due_dates_query(), ids):  # aware: coalesce keeps the type
        due_dates.setdefault(conference_id, set()).add(at.astimezone(local).date())
    key_tasks: dict[int, dict[int, dict[str, int]]] = {}
    for conference_id, key_task_id, state, count in db.session.execute(_key_task_bars_query(), ids):
        key_tasks.setdefault(conference_id, {}).setdefault(key_task_id, {})[state.value] = count
    days: dict[int, list[tuple[date, int]]] = {}
    dialect = db.session.get_bind().dialect.name
    for conference_id, value, count in db.session.execute(_first_days_query(minutes, dialect), ids):
        days.setdefault(conference_id, []).append((_as_date(value), count))
    return {c.id: ConferenceFigures(pieces.get(c.id, {}), invitations.get(c.id, 0), key_tasks.get(c.id, {}),
                                    tuple(days.get(c.id, ())), tuple(sorted(due_dates.get(c.id, ()))))
            for c in conferences}


def latest_extensions() -> sa.Subquery:
    """SQL: each extended invitation's latest extension, ``(invitation_id, new_due_at)``.

    The one no later extension of the same invitation follows, as
    ``Invitation.effective_due_at`` reads it. Joined, not asked per
    invitation: a subquery per row costs a conference of 600 invitations
    600 look-ups, where this is one pass over the extensions.
    """
    later = aliased(Extension)
    return (sa.select(Extension.invitation_id, Extension.new_due_at)
            .where(~sa.exists().where(later.invitation_id == Extension.invitation_id,
                                      sa.or_(later.granted_at > Extension.granted_at,
                                             sa.and_(later.granted_at == Extension.granted_at,
                                                     later.id > Extension.id))))
            .subquery("latest_extension"))


# The statements below are built once and run with the page's conferences as
# parameters: composing a select with subqueries costs more than running it.

@functools.cache
def _due_dates_query() -> sa.Select:
    """Every effective due date of the conferences ``ids``, once per conference."""
    latest = latest_extensions()
    return (sa.select(Invitation.conference_id, sa.func.coalesce(latest.c.new_due_at, Invitation.due_at))
            .outerjoin(latest, latest.c.invitation_id == Invitation.id)
            .where(Invitation.conference_id.in_(sa.bindparam("ids", expanding=True))).distinct())


@functools.cache
def _pieces_query() -> sa.Select:
    """Pieces of the conferences ``ids`` by state, superseded ones included."""
    return (sa.select(Submission.conference_id, Submission.state, sa.func.count())
            .where(Submission.conference_id.in_(sa.bindparam("ids", expanding=True)))
            .group_by(Submission.conference_id, Submission.state))


@functools.cache
def _invitations_query() -> sa.Select:
    """How many invitations each of the conferences ``ids`` has."""
    return (sa.select(Invitation.conference_id, sa.func.count())
            .where(Invitation.conference_id.in_(sa.bindparam("ids", expanding=True)))
            .group_by(Invitation.conference_id))


@functools.cache
def _key_task_bars_query() -> sa.Select:
    """Live pieces of the conferences ``ids`` by key task and state."""
    return (sa.select(Submission.conference_id, submission_key_task.c.key_task_id, Submission.state, sa.func.count())
            .join(Submission, Submission.id == submission_key_task.c.submission_id)
            .where(Submission.conference_id.in_(sa.bindparam("ids", expanding=True)), Submission.is_live())
            .group_by(Submission.conference_id, submission_key_task.c.key_task_id, Submission.state))


@functools.cache
def _first_days_query(minutes: int, dialect: str) -> sa.Select:
    """Invitations of the conferences ``ids`` by the local day (``minutes`` from UTC) they were first sent.

    A version is taken at every submit, numbered from 1, so an invitation's
    first submission is the earliest first version of its pieces (a
    superseded one included). The day is cut in SQL, shifted by the zone's
    offset today: conference zones (China's above all) keep one offset all
    season, and the offset is part of the figures' key.
    """
    first = (
        sa.select(Submission.conference_id, sa.func.min(SubmissionVersion.created_at).label("at"))
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.conference_id.in_(sa.bindparam("ids", expanding=True)), SubmissionVersion.number == 1)
        .group_by(Submission.conference_id, Submission.invitation_id)
        .subquery()
    )
    day = _local_day(first.c.at, minutes, dialect)
    return (sa.select(first.c.conference_id, day, sa.func.count()).group_by(first.c.conference_id, day)
            .order_by(first.c.conference_id, day))


def _bureau_counts(by_state: dict[str, int], invitation_count: int) -> dict[str, int]:
    # An invitation has at most one live piece (a unique index says so), so
    # the invitations without one are those not started.
    started = sum(by_state.values())
    return {s: (invitation_count - started if s == NOT_STARTED else by_state.get(s, 0)) for s in STATUSES}


def _local_day(column, minutes: int, dialect: str):
    # ``minutes`` is an int computed here, never user input: safe to write into the SQL.
    if dialect == "postgresql":
        return sa.cast(column + sa.text(f"interval '{minutes} minutes'"), sa.Date)
    return sa.func.date(column, f"{minutes:+d} minutes")


def _as_date(value) -> date:
    # SQLite's date() answers text, PostgreSQL a date.
    return value if isinstance(value, date) else date.fromisoformat(value)
