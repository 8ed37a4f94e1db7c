"""Coverage for editors: who was invited, where each piece stands, what is overdue."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.domain.conference.cells import safe_text
from app.domain.dates import local_time
from app.domain.paging import Page, paged
from app.extensions import db
from app.models import (
    Conference,
    Extension,
    Invitation,
    KeyTask,
    Organisation,
    Submission,
    SubmissionState,
    SubmissionVersion,
    User,
    submission_key_task,
    utcnow,
)

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
    # Where ``rows`` stand among all the invitations: every row when not paged.
    page: Page | None = None


def coverage(conference: Conference, *, now: datetime | None = None, page: int | None = None) -> Coverage:
    """The invitations of ``conference`` with their status and due date, and approvals per key task.

    With ``page``, one page of rows (the page the editors read); without,
    every row. Totals are counted in SQL either way. The CSV is
    :func:`coverage_csv`, which reads columns, not objects.
    """
    now = now or utcnow()
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live())
    query = (
        sa.select(Invitation, Submission).outerjoin(Submission, live)
        .where(Invitation.conference_id == conference.id)
        .order_by(Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)
    )
    if page is None:
        # Joined, not ``selectin``: that loads in chunks of 500 ids, one query more
        # for every 500 invitations of the CSV.
        # The title the ministry was sent: a draft never sent is the bureau's own business.
        found = db.session.execute(query.options(
            joinedload(Invitation.organisation), joinedload(Invitation.extensions),
            joinedload(Submission.latest_version).load_only(SubmissionVersion.title))).unique().all()
        where = None
    else:
        # A page is at most PAGE_SIZE rows, one selectin batch, and LIMIT stays on the invitations.
        where = paged(query.options(selectinload(Invitation.organisation), selectinload(Invitation.extensions)),
                      page, scalars=False)
        found = where.items
    with_members = set(db.session.scalars(
        sa.select(User.organisation_id).where(
            User.organisation_id.in_({i.organisation_id for i, _s in found}), User.is_enabled)
        .group_by(User.organisation_id)
    )) if found else set()
    rows = []
    for invitation, submission in found:
        status = submission.state.value if submission else NOT_STARTED
        due = invitation.effective_due_at
        rows.append(CoverageRow(invitation, submission, due, status, status in CAN_BE_OVERDUE and now > due,
                                invitation.organisation_id in with_members))
    by_state = {state: n for state, n in db.session.execute(
        sa.select(Submission.state, sa.func.count()).select_from(Invitation).outerjoin(Submission, live)
        .where(Invitation.conference_id == conference.id).group_by(Submission.state)
    )}
    totals = {status: by_state.get(None if status == NOT_STARTED else SubmissionState(status), 0)
              for status in STATUSES}

    approved = dict(db.session.execute(
        sa.select(submission_key_task.c.key_task_id, sa.func.count())
        .join(Submission, Submission.id == submission_key_task.c.submission_id)
        .where(Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
        .group_by(submission_key_task.c.key_task_id)
    ).all())
    key_tasks = [KeyTaskCount(task, approved.get(task.id, 0)) for task in conference.key_tasks]
    return Coverage(conference, rows, totals, key_tasks, where)


def coverage_csv(conference: Conference, *, status_labels: dict[str, str], headers: list[str],
                 now: datetime | None = None) -> Iterator[bytes]:
    """The matrix as CSV in UTF-8 with a byte-order mark, so spreadsheets read Chinese right, in chunks.

    One line per invitation, a 1 under its status; overdue ones say so.
    Labels come from the caller, in the reader's language. One query of the
    columns written (no row becomes an object), so a row costs a few
    microseconds however large the database is. The query runs at once; the
    lines are written as the response is sent.
    """
    now = now or utcnow()
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live())
    # The due date moved by the latest extension, as ``Invitation.effective_due_at`` reads it.
    extended = (sa.select(Extension.new_due_at).where(Extension.invitation_id == Invitation.id)
                .order_by(Extension.granted_at.desc(), Extension.id.desc()).limit(1).scalar_subquery())
    found = db.session.execute(
        # The title the ministry was sent: a draft never sent is the bureau's own business.
        sa.select(Organisation.name_zh, Organisation.name_en, Invitation.kind, Invitation.due_at, extended,
                  Submission.state, SubmissionVersion.title)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .outerjoin(Submission, live)
        .outerjoin(SubmissionVersion, SubmissionVersion.id == Submission.latest_version_id)
        .where(Invitation.conference_id == conference.id)
        .order_by(Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)
    ).all()
    return _csv_chunks(found, conference.timezone, now, status_labels=status_labels, headers=headers)


def _csv_chunks(found, timezone: str, now: datetime, *, status_labels: dict[str, str],
                headers: list[str]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(headers + [status_labels[s] for s in STATUSES])
    for n, (name_zh, name_en, kind, due_at, extended_to, state, title) in enumerate(found, start=1):
        status = state.value if state else NOT_STARTED
        due = extended_to or due_at
        writer.writerow([
            safe_text(name_zh), safe_text(name_en), kind.value, local_time(due, timezone),
            "1" if status in CAN_BE_OVERDUE and now > due else "", safe_text(title or ""),
        ] + ["1" if status == s else "" for s in STATUSES])
        if n % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
