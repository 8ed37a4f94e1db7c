"""The office's spreadsheet of a conference: every piece, its decision, and counts by key task.

Plain Python: rows are gathered in a fixed number of queries (however many
pieces there are), then written as .xlsx or as CSV. Every text cell goes
through :mod:`app.domain.conference.cells`, so nothing a bureau typed can run as a
formula in the office's spreadsheet. A piece the bureau has never sent is
listed with its state only: its draft is the bureau's own business.
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.orm import joinedload

from app.domain.conference.cells import csv_bytes, safe_cell
from app.domain.review.coverage import NOT_STARTED, STATUSES
from app.domain.review.queue import reviewer_names
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    Invitation,
    Submission,
    SubmissionVersion,
    submission_key_task,
)

# The order of the columns; the caller gives their titles in the reader's language.
PIECE_COLUMNS = (
    "bureau_zh", "bureau_en", "kind", "key_tasks", "title", "speaker", "post", "state", "due",
    "submitted", "decided", "decision", "decision_comment", "reviewers", "versions", "characters",
)


@dataclass
class PieceRow:
    invitation: Invitation
    submission: Submission | None
    version: SubmissionVersion | None
    version_count: int
    decision: Decision | None
    reviewers: list[str]

    @property
    def status(self) -> str:
        return self.submission.state.value if self.submission else NOT_STARTED

    @property
    def characters(self) -> int | None:
        """Characters of the sent text, spaces not counted (how a Chinese office counts 字数).

        Counted when the version was taken: the export never loads a body."""
        return None if self.version is None else self.version.character_count


@dataclass
class ConferenceExport:
    conference: Conference
    rows: list[PieceRow]
    # (key task number, key task title in both languages) → status → count
    key_task_counts: list[tuple[int, str, str, dict[str, int]]]


def conference_export(conference: Conference) -> ConferenceExport:
    """Every invitation of ``conference`` with its piece, latest sent version, decision and reviewers."""
    # Joined, not ``selectin``: that loads in chunks of 500 ids, one query more for every 500 invitations.
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.conference_id == conference.id)
        .options(joinedload(Invitation.organisation), joinedload(Invitation.extensions))
        .order_by(Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)
    ).unique().all()
    submissions = {s.invitation_id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.conference_id == conference.id, Submission.is_live()))}
    in_conference = sa.select(Submission.id).where(Submission.conference_id == conference.id, Submission.is_live())

    counts = sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number"),
                       sa.func.count().label("n")).where(SubmissionVersion.submission_id.in_(in_conference)) \
        .group_by(SubmissionVersion.submission_id).subquery()
    latest = {}
    for version, n in db.session.execute(
        sa.select(SubmissionVersion, counts.c.n).join(counts, sa.and_(
            counts.c.submission_id == SubmissionVersion.submission_id, counts.c.number == SubmissionVersion.number))
    ):
        latest[version.submission_id] = (version, n)

    last_decision = sa.select(sa.func.max(Decision.id)).where(Decision.submission_id.in_(in_conference)) \
        .group_by(Decision.submission_id)
    decisions = {d.submission_id: d for d in db.session.scalars(
        sa.select(Decision).where(Decision.id.in_(last_decision)))}

    reviewers = reviewer_names(in_conference)

    rows = []
    for invitation in invitations:
        submission = submissions.get(invitation.id)
        version, n = latest.get(submission.id, (None, 0)) if submission else (None, 0)
        rows.append(PieceRow(invitation, submission, version, n,
                             decisions.get(submission.id) if submission else None,
                             reviewers.get(submission.id, []) if submission else []))
    return ConferenceExport(conference, rows, _key_task_counts(conference, submissions))


def _key_task_counts(conference: Conference, submissions: dict[int, Submission]):
    by_id = {s.id: s.state.value for s in submissions.values()}
    tally: Counter = Counter()
    for submission_id, key_task_id in db.session.execute(
        sa.select(submission_key_task.c.submission_id, submission_key_task.c.key_task_id)
        .where(submission_key_task.c.submission_id.in_(list(by_id)))
    ):
        tally[key_task_id, by_id[submission_id]] += 1
    return [(task.number, task.title_zh, task.title_en, {s: tally[task.id, s] for s in STATUSES})
            for task in conference.key_tasks]


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Spreadsheets know no time zones: the conference's local time, the zone named in the header.
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0) if moment else None


def piece_values(row: PieceRow, conference: Conference, *, labels: dict) -> list:
    """One piece as cell values, in the order of PIECE_COLUMNS."""
    tz = ZoneInfo(conference.timezone)
    version, decision = row.version, row.decision
    key_tasks = "; ".join(f"{t['number']}. {t['title_zh']}" for t in (version.key_tasks if version else []))
    return [
        row.invitation.organisation.name_zh, row.invitation.organisation.name_en,
        labels["kinds"][row.invitation.kind.value], key_tasks,
        version.title if version else "", version.speaker_name if version else "",
        version.speaker_post if version else "", labels["statuses"][row.status],
        _local(row.invitation.effective_due_at, tz),
        _local(row.submission.submitted_at if row.submission else None, tz),
        _local(row.submission.decided_at if row.submission else None, tz),
        labels["outcomes"][decision.outcome.value] if decision else "", decision.comment if decision else "",
        ", ".join(row.reviewers), row.version_count, row.characters,
    ]


def counts_values(export: ConferenceExport) -> list[list]:
    return [[number, title_zh, title_en] + [counts[s] for s in STATUSES]
            for number, title_zh, title_en, counts in export.key_task_counts]


def export_xlsx(export: ConferenceExport, *, labels: dict) -> bytes:
    """The pieces and the key task × state counts as a two-sheet workbook.

    ``labels`` holds the reader's column titles (``columns``, ``count_columns``),
    sheet names (``sheets``) and the names of kinds, statuses and outcomes.
    Written row by row (openpyxl's write-only mode): a conference of 600
    pieces costs 600 rows of cells, not a worksheet of cell objects kept to the end.
    """
    book = Workbook(write_only=True)
    _write(book.create_sheet(labels["sheets"][0][:31]), labels["columns"],
           (piece_values(r, export.conference, labels=labels) for r in export.rows))
    _write(book.create_sheet(labels["sheets"][1][:31]),
           labels["count_columns"] + [labels["statuses"][s] for s in STATUSES], counts_values(export))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet, header: list[str], rows) -> None:
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, safe_cell(h), font=bold) for h in header])
    for values in rows:
        sheet.append([_cell(sheet, v, number_format="yyyy-mm-dd hh:mm") if isinstance(v, datetime) else v
                      for v in (safe_cell(v) for v in values)])


def _cell(sheet, value, *, font: Font | None = None, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def export_csv(export: ConferenceExport, *, labels: dict) -> bytes:
    """The pieces sheet alone as CSV with a byte-order mark."""
    return csv_bytes(labels["columns"],
                     (piece_values(r, export.conference, labels=labels) for r in export.rows))
