"""The office's spreadsheet of a conference: every piece, its decision, and counts by key task.

Plain Python: rows are gathered in a fixed number of queries (however many
pieces there are), then written as .xlsx or as CSV. Every text cell goes
through :mod:`app.domain.conference.cells`, so nothing a bureau typed can run as a
formula in the office's spreadsheet. A piece the bureau has never sent is
listed with its state only: its draft is the bureau's own business.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.domain.conference import xlsx
from app.domain.conference.charts import latest_extensions
from app.domain.conference.cells import csv_bytes, safe_cell
from app.domain.review.coverage import NOT_STARTED, STATUSES
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    DecisionOutcome,
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

# The order of the columns; the caller gives their titles in the reader's language.
PIECE_COLUMNS = (
    "bureau_zh", "bureau_en", "kind", "key_tasks", "title", "speaker", "post", "state", "due",
    "submitted", "decided", "decision", "decision_comment", "reviewers", "versions", "characters",
)


class PieceRow(NamedTuple):
    """One invitation with its live piece, the piece's latest sent version and last decision, read as columns."""

    kind: ExchangeKind
    due_at: datetime
    extended_to: datetime | None  # the latest extension's due date, if one was granted
    bureau_zh: str
    bureau_en: str
    submission_id: int | None
    state: SubmissionState | None
    submitted_at: datetime | None
    decided_at: datetime | None
    title: str | None  # this and what follows up to ``characters``: of the latest version, None if never sent
    speaker_name: str | None
    speaker_post: str | None
    key_tasks: list | None  # as the version froze them: [{"number": .., "title_zh": ..}, ..]
    version_number: int | None
    characters: int | None  # 字数, spaces not counted: counted when the version was taken, no body is read
    outcome: DecisionOutcome | None
    comment: str | None
    reviewers: list[str]

    @property
    def status(self) -> str:
        return self.state.value if self.state is not None else NOT_STARTED

    @property
    def due(self) -> datetime:
        """The due date, moved by the latest extension (``Invitation.effective_due_at``)."""
        return self.extended_to or self.due_at

    @property
    def version_count(self) -> int:
        # A version's number is its place among the piece's versions (``take_snapshot``
        # numbers them 1, 2, … and none is ever deleted): the latest's is their count.
        return self.version_number or 0


@dataclass
class ConferenceExport:
    conference: Conference
    rows: list[PieceRow]
    # (key task number, key task title in both languages) → status → count
    key_task_counts: list[tuple[int, str, str, dict[str, int]]]


# The statements are built once, at import: composing them cost more than running them.
_CONFERENCE = sa.bindparam("conference_id")
_LATER_DECISION = aliased(Decision, name="later_decision")
_LATEST_EXTENSION = latest_extensions()

_ROWS = (
    sa.select(
        Invitation.kind, Invitation.due_at, _LATEST_EXTENSION.c.new_due_at.label("extended_to"),
        Organisation.name_zh, Organisation.name_en,
        Submission.id.label("submission_id"), Submission.state, Submission.submitted_at, Submission.decided_at,
        SubmissionVersion.title, SubmissionVersion.speaker_name, SubmissionVersion.speaker_post,
        SubmissionVersion.key_tasks, SubmissionVersion.number, SubmissionVersion.character_count,
        Decision.outcome, Decision.comment,
    )
    .select_from(Invitation)
    .join(Organisation, Organisation.id == Invitation.organisation_id)
    .outerjoin(_LATEST_EXTENSION, _LATEST_EXTENSION.c.invitation_id == Invitation.id)
    # The conference named again: the conference's pieces are read from their index, not every piece's row.
    .outerjoin(Submission, sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live(),
                                   Submission.conference_id == _CONFERENCE))
    # ``take_snapshot`` points the piece at its newest version: the one the ministry has.
    .outerjoin(SubmissionVersion, SubmissionVersion.id == Submission.latest_version_id)
    .outerjoin(Decision, Decision.id == sa.select(sa.func.max(_LATER_DECISION.id))
               .where(_LATER_DECISION.submission_id == Submission.id).correlate(Submission).scalar_subquery())
    .where(Invitation.conference_id == _CONFERENCE)
    .order_by(Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)
)

# Each live piece's reviewers' names, in the order they were assigned.
_REVIEWERS = (
    sa.select(ReviewAssignment.submission_id, User.display_name)
    .join(User, User.id == ReviewAssignment.reviewer_id)
    .join(Submission, Submission.id == ReviewAssignment.submission_id)
    .where(Submission.conference_id == _CONFERENCE, Submission.is_live())
    .order_by(ReviewAssignment.id)
)

# Every key task of the conference in order, with its live pieces counted by state
# (a key task no piece names comes once, with no state).
_KEY_TASK_COUNTS = (
    sa.select(KeyTask.number, KeyTask.title_zh, KeyTask.title_en, Submission.state, sa.func.count(Submission.id))
    .select_from(KeyTask)
    .outerjoin(submission_key_task, submission_key_task.c.key_task_id == KeyTask.id)
    .outerjoin(Submission, sa.and_(Submission.id == submission_key_task.c.submission_id,
                                   Submission.conference_id == _CONFERENCE, Submission.is_live()))
    .where(KeyTask.conference_id == _CONFERENCE)
    .group_by(KeyTask.id, KeyTask.number, KeyTask.title_zh, KeyTask.title_en, Submission.state)
    .order_by(KeyTask.number, KeyTask.id)
)


def conference_export(conference: Conference) -> ConferenceExport:
    """Every invitation of ``conference`` with its piece, latest sent version, decision and reviewers.

    Three queries however many pieces: the rows (as columns, no objects built per row),
    the reviewers, and the key tasks' counts.
    """
    params = {"conference_id": conference.id}
    reviewers: dict[int, list[str]] = {}
    for submission_id, name in db.session.execute(_REVIEWERS, params):
        reviewers.setdefault(submission_id, []).append(name)
    rows = [PieceRow(*row, reviewers.get(row.submission_id, []))
            for row in db.session.execute(_ROWS, params)]
    counts: dict[tuple, dict[str, int]] = {}
    for number, title_zh, title_en, state, n in db.session.execute(_KEY_TASK_COUNTS, params):
        by_state = counts.setdefault((number, title_zh, title_en), dict.fromkeys(STATUSES, 0))
        if state is not None:
            by_state[state.value] = n
    return ConferenceExport(conference, rows, [(*task, by_state) for task, by_state in counts.items()])


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Spreadsheets know no time zones: the conference's local time, the zone named in the header.
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0) if moment else None


def piece_values(row: PieceRow, conference: Conference, *, labels: dict) -> list:
    """One piece as cell values, in the order of PIECE_COLUMNS (None where a piece has nothing to show)."""
    tz = ZoneInfo(conference.timezone)
    key_tasks = "; ".join(f"{t['number']}. {t['title_zh']}" for t in row.key_tasks or ())
    return [
        row.bureau_zh, row.bureau_en, labels["kinds"][row.kind.value], key_tasks,
        row.title, row.speaker_name, row.speaker_post, labels["statuses"][row.status],
        _local(row.due, tz), _local(row.submitted_at, tz), _local(row.decided_at, tz),
        labels["outcomes"][row.outcome.value] if row.outcome is not None else None, row.comment,
        ", ".join(row.reviewers), row.version_count, row.characters,
    ]


def counts_values(export: ConferenceExport) -> list[list]:
    return [[number, title_zh, title_en] + [counts[s] for s in STATUSES]
            for number, title_zh, title_en, counts in export.key_task_counts]


def export_xlsx(export: ConferenceExport, *, labels: dict) -> bytes:
    """The pieces and the key task × state counts as a two-sheet workbook.

    ``labels`` holds the reader's column titles (``columns``, ``count_columns``),
    sheet names (``sheets``) and the names of kinds, statuses and outcomes.
    Each sheet's first row is its bold header, frozen; times show as
    ``yyyy-mm-dd hh:mm`` (see :mod:`app.domain.conference.xlsx`).
    """
    return xlsx.workbook([
        xlsx.Sheet(labels["sheets"][0][:31], _safe(labels["columns"]),
                   (_safe(piece_values(r, export.conference, labels=labels)) for r in export.rows)),
        xlsx.Sheet(labels["sheets"][1][:31], _safe(labels["count_columns"] + [labels["statuses"][s] for s in STATUSES]),
                   (_safe(values) for values in counts_values(export))),
    ])


def _safe(values: list) -> list:
    return [safe_cell(value) for value in values]


def export_csv(export: ConferenceExport, *, labels: dict) -> bytes:
    """The pieces sheet alone as CSV with a byte-order mark."""
    return csv_bytes(labels["columns"],
                     (piece_values(r, export.conference, labels=labels) for r in export.rows))
