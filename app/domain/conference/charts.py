"""The numbers behind the editors' charts: where a conference stands, as plain data.

Every figure is a SQL count grouped in the database, so a conference of 1,000
pieces costs the same three queries as one of ten. Only live pieces count, as
on the coverage page: a superseded piece gave way to its replacement.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.domain.review.coverage import NOT_STARTED, STATUSES
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

    @property
    def largest_key_task(self) -> int:
        return max((bar.total for bar in self.key_tasks), default=0)

    @property
    def invitations(self) -> int:
        return sum(self.bureaus.values())


def conference_charts(conference: Conference) -> ConferenceCharts:
    """Pieces by state per key task, invitations by status, first submissions per day.

    Counted in SQL, as are the invitations' effective due dates: the charts
    of a conference of 600 invitations load none of them.
    """
    zone = ZoneInfo(conference.timezone)
    days = _first_submission_days(conference, zone)
    due_dates = sorted({_aware(at).astimezone(zone).date() for at in db.session.scalars(
        sa.select(effective_due_at()).where(Invitation.conference_id == conference.id).distinct())})
    invitation_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Invitation).where(Invitation.conference_id == conference.id))
    marks = [point.day for point in days] + due_dates or [datetime.now(zone).date()]
    # One day either side keeps the first step and the last due line off the frame.
    start, end = min(marks) - timedelta(days=1), max(marks) + timedelta(days=1)
    return ConferenceCharts(_key_task_bars(conference), _bureau_counts(conference, invitation_count),
                            days, due_dates, start, end)


def effective_due_at() -> sa.ColumnElement:
    """SQL: an invitation's due date, moved by its latest extension (as ``Invitation.effective_due_at``)."""
    latest = (sa.select(Extension.new_due_at).where(Extension.invitation_id == Invitation.id)
              .order_by(Extension.granted_at.desc(), Extension.id.desc()).limit(1).scalar_subquery())
    return sa.func.coalesce(latest, Invitation.due_at)


def _aware(value) -> datetime:
    # A coalesce loses the column's type: SQLite answers text, naive UTC.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _key_task_bars(conference: Conference) -> list[KeyTaskBar]:
    counts: dict[int, dict[str, int]] = {}
    for key_task_id, state, count in db.session.execute(
        sa.select(submission_key_task.c.key_task_id, Submission.state, sa.func.count())
        .join(Submission, Submission.id == submission_key_task.c.submission_id)
        .where(Submission.conference_id == conference.id, Submission.is_live())
        .group_by(submission_key_task.c.key_task_id, Submission.state)
    ):
        counts.setdefault(key_task_id, {})[state.value] = count
    return [KeyTaskBar(task, {s: counts.get(task.id, {}).get(s, 0) for s in LIVE_STATES})
            for task in conference.key_tasks]


def _bureau_counts(conference: Conference, invitation_count: int) -> dict[str, int]:
    # An invitation has at most one live piece (a unique index says so), so
    # the invitations without one are those not started.
    by_state = {state.value: count for state, count in db.session.execute(
        sa.select(Submission.state, sa.func.count())
        .where(Submission.conference_id == conference.id, Submission.is_live())
        .group_by(Submission.state)
    )}
    started = sum(by_state.values())
    return {s: (invitation_count - started if s == NOT_STARTED else by_state.get(s, 0)) for s in STATUSES}


def _first_submission_days(conference: Conference, zone: ZoneInfo) -> list[DayPoint]:
    """When each invitation was first sent, counted per day in the conference's time zone.

    A version is taken at every submit, so an invitation's first submission is
    its earliest version, whichever of its pieces (a superseded one included)
    holds it. The day is cut in SQL, shifted by the zone's offset today:
    conference zones (China's above all) keep one offset all season.
    """
    first = (
        sa.select(sa.func.min(SubmissionVersion.created_at).label("at"))
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.conference_id == conference.id)
        .group_by(Submission.invitation_id)
        .subquery()
    )
    minutes = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    day = _local_day(first.c.at, minutes)
    rows = db.session.execute(sa.select(day, sa.func.count()).group_by(day).order_by(day)).all()
    points, running = [], 0
    for value, count in rows:
        running += count
        points.append(DayPoint(_as_date(value), count, running))
    return points


def _local_day(column, minutes: int):
    # ``minutes`` is an int computed here, never user input: safe to write into the SQL.
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(column + sa.text(f"interval '{minutes} minutes'"), sa.Date)
    return sa.func.date(column, f"{minutes:+d} minutes")


def _as_date(value) -> date:
    # SQLite's date() answers text, PostgreSQL a date.
    return value if isinstance(value, date) else date.fromisoformat(value)
