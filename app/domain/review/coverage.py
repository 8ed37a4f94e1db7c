"""Coverage for editors: who was invited, where each piece stands, what is overdue."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.conference.cells import safe_text
from app.domain.dates import local_time
from app.extensions import db
from app.models import Conference, Invitation, KeyTask, Submission, SubmissionState, User, submission_key_task, utcnow

NOT_STARTED = "not_started"
# The columns of the matrix, in the order a piece moves through them.
STATUSES = (NOT_STARTED,) + tuple(state.value for state in SubmissionState if state is not SubmissionState.SUPERSEDED)
# Until a piece is submitted it can be late; once sent, the ministry has it.
CAN_BE_OVERDUE = {NOT_STARTED, SubmissionState.DRAFT.value}


@dataclass
class CoverageRow:
    invitation: Invitation
    submission: Submission | None
    due_at: datetime
    status: str
    overdue: bool
    # A bureau without an enabled account hears of nothing Huibian sends it.
    has_members: bool = True


@dataclass
class KeyTaskCount:
    key_task: KeyTask
    approved: int


@dataclass
class Coverage:
    conference: Conference
    rows: list[CoverageRow]
    totals: dict[str, int]
    key_tasks: list[KeyTaskCount]


def coverage(conference: Conference, *, now: datetime | None = None) -> Coverage:
    """Every invitation of ``conference`` with its status and due date, and approvals per key task."""
    now = now or utcnow()
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.conference_id == conference.id)
        .options(selectinload(Invitation.organisation), selectinload(Invitation.extensions))
        .order_by(Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)
    ).all()
    submissions = {
        s.invitation_id: s for s in db.session.scalars(
            sa.select(Submission).where(Submission.conference_id == conference.id, Submission.is_live())
        )
    }
    with_members = set(db.session.scalars(
        sa.select(User.organisation_id).where(
            User.organisation_id.in_({i.organisation_id for i in invitations}), User.is_enabled)
        .group_by(User.organisation_id)
    )) if invitations else set()
    rows = []
    for invitation in invitations:
        submission = submissions.get(invitation.id)
        status = submission.state.value if submission else NOT_STARTED
        due = invitation.effective_due_at
        rows.append(CoverageRow(invitation, submission, due, status, status in CAN_BE_OVERDUE and now > due,
                                invitation.organisation_id in with_members))
    totals = {status: sum(1 for r in rows if r.status == status) for status in STATUSES}

    approved = dict(db.session.execute(
        sa.select(submission_key_task.c.key_task_id, sa.func.count())
        .join(Submission, Submission.id == submission_key_task.c.submission_id)
        .where(Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
        .group_by(submission_key_task.c.key_task_id)
    ).all())
    key_tasks = [KeyTaskCount(task, approved.get(task.id, 0)) for task in conference.key_tasks]
    return Coverage(conference, rows, totals, key_tasks)


def coverage_csv(report: Coverage, *, status_labels: dict[str, str], headers: list[str]) -> bytes:
    """The matrix as CSV in UTF-8 with a byte-order mark, so spreadsheets read Chinese right.

    One line per invitation, a 1 under its status; overdue ones say so.
    Labels come from the caller, in the reader's language.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers + [status_labels[s] for s in STATUSES])
    timezone = report.conference.timezone
    for row in report.rows:
        writer.writerow([
            safe_text(row.invitation.organisation.name_zh), safe_text(row.invitation.organisation.name_en),
            row.invitation.kind.value, local_time(row.due_at, timezone),
            "1" if row.overdue else "", safe_text(row.submission.title if row.submission else ""),
        ] + ["1" if row.status == s else "" for s in STATUSES])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

