"""Coverage for editors: who was invited, where each piece stands, what is overdue."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.domain.conference.cells import safe_text
from app.domain.dates import local_time
from app.domain.paging import PAGE_SIZE, Page, clamp
from app.extensions import db
from app.models import (
    AuditEvent,
    Conference,
    ExchangeKind,
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
# The order of the matrix (oral first, then by speaking order), which ``ix_invitation_coverage_order`` follows.
ORDER = (Invitation.kind, Invitation.speaking_order, Invitation.organisation_id, Invitation.id)


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


@dataclass(slots=True)
class CoverageLine:
    """One invitation as the coverage page shows it: columns read, no object loaded."""
    invitation_id: int
    bureau: str  # in the reader's language
    kind: ExchangeKind
    due_at: datetime
    status: str
    overdue: bool
    # A bureau without an enabled account hears of nothing Huibian sends it.
    has_members: bool
    # When it was last reminded, and by which editor (none: the automatic run).
    reminded_at: datetime | None
    reminded_by: str | None


@dataclass
class CoveragePage:
    conference: Conference
    rows: list[CoverageLine]
    totals: dict[str, int]
    key_tasks: list[KeyTaskCount]
    # Where ``rows`` stand among all the invitations.
    page: Page


def coverage(conference: Conference, *, now: datetime | None = None) -> Coverage:
    """Every invitation of ``conference`` with its status and due date, and approvals per key task.

    For the reminders, which act on the invitations themselves. The page the
    editors read is :func:`coverage_page`, the CSV :func:`coverage_csv`.
    """
    now = now or utcnow()
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live())
    # Joined, not ``selectin``: that loads in chunks of 500 ids, one query more
    # for every 500 invitations.
    found = db.session.execute(
        sa.select(Invitation, Submission).outerjoin(Submission, live)
        .where(Invitation.conference_id == conference.id).order_by(*ORDER)
        .options(joinedload(Invitation.organisation), joinedload(Invitation.extensions),
                 # The title the ministry was sent: a draft never sent is the bureau's own business.
                 joinedload(Submission.latest_version).load_only(SubmissionVersion.title))
    ).unique().all()
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
    return Coverage(conference, rows, status_totals(conference), key_task_counts(conference))


def coverage_page(conference: Conference, *, page: int | None, lang: str,
                  now: datetime | None = None) -> CoveragePage:
    """One page of the invitations of ``conference`` with their status, the totals, and approvals per key task.

    Costs the same at 60 invitations as at 6,000, page 1 or page 120: the
    page's invitations are read from an index in the matrix's order
    (``ix_invitation_coverage_order``), which stops at the page; then the
    columns shown of those 50 alone (the piece's state, the latest extension
    and reminder, whether the bureau has anyone to notify), each a probe of an
    index. The totals are counted from indexes, and they are the page's count
    too. Columns, not objects: the bureau's name comes in ``lang``.
    """
    now = now or utcnow()
    totals = status_totals(conference)
    # An invitation has at most one live piece, so the rows are the invitations the totals count.
    total = sum(totals.values())
    number = clamp(page, total)
    # The page's invitations first, from the index alone: a later page skips the rows before
    # it there, not after each was given its columns.
    shown = (sa.select(Invitation.id, Invitation.organisation_id, Invitation.kind, Invitation.speaking_order)
             .where(Invitation.conference_id == conference.id).order_by(*ORDER)
             .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE).subquery())
    # Then each column of each of those rows is one probe of an index, never a join the planner
    # could make by reading every piece while the tables are small. Bureaus are a few hundred
    # at most, read as the planner likes.
    query = (
        sa.select(shown.c.id, _bureau_name(lang), shown.c.kind,
                  _one(Invitation.due_at, Invitation.id == shown.c.id), _latest_extension(shown.c.id),
                  _one(Submission.state, Submission.invitation_id == shown.c.id, Submission.is_live()),
                  # One member found is enough (an EXISTS may be planned as a hash of every user's bureau).
                  sa.select(sa.literal(True)).where(User.organisation_id == shown.c.organisation_id,
                                                    User.is_enabled).limit(1).scalar_subquery(),
                  _latest_reminder(AuditEvent.created_at, shown.c.id),
                  _one(User.display_name, User.id == _latest_reminder(AuditEvent.actor_id, shown.c.id)))
        .join(Organisation, Organisation.id == shown.c.organisation_id)
        .order_by(shown.c.kind, shown.c.speaking_order, shown.c.organisation_id, shown.c.id)
    )
    rows = []
    for (invitation_id, bureau, kind, due_at, extended_to, state, members,
         reminded_at, reminded_by) in db.session.execute(query):
        status = state.value if state else NOT_STARTED
        due = extended_to or due_at
        rows.append(CoverageLine(invitation_id, bureau, kind, due, status, status in CAN_BE_OVERDUE and now > due,
                                 bool(members), reminded_at, reminded_by))
    return CoveragePage(conference, rows, totals, key_task_counts(conference), Page(rows, total, number))


def status_totals(conference: Conference) -> dict[str, int]:
    """Invitations of ``conference`` per status (every status present), in one query read from indexes.

    The live pieces by state, beside the number of invitations: an invitation
    has at most one live piece (a unique index says so), so those without one
    are the ones not started. Neither count reads another conference's rows.
    """
    pieces = (sa.select(Submission.state, sa.func.count())
              .where(Submission.conference_id == conference.id, Submission.is_live()).group_by(Submission.state))
    invited = sa.select(sa.null(), sa.func.count()).select_from(Invitation).where(
        Invitation.conference_id == conference.id)
    by_state, invitations = {}, 0
    for state, n in db.session.execute(sa.union_all(pieces, invited)):
        if state is None:
            invitations = n
        else:
            by_state[SubmissionState(state).value] = n
    return {s: (invitations - sum(by_state.values()) if s == NOT_STARTED else by_state.get(s, 0)) for s in STATUSES}


def key_task_counts(conference: Conference) -> list[KeyTaskCount]:
    """The key tasks of ``conference`` in order, each with its approved pieces: one query."""
    approved = (
        sa.select(submission_key_task.c.key_task_id, sa.func.count().label("approved"))
        .join(Submission, Submission.id == submission_key_task.c.submission_id)
        .where(Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
        .group_by(submission_key_task.c.key_task_id).subquery()
    )
    return [KeyTaskCount(task, n or 0) for task, n in db.session.execute(
        sa.select(KeyTask, approved.c.approved).outerjoin(approved, approved.c.key_task_id == KeyTask.id)
        .where(KeyTask.conference_id == conference.id).order_by(KeyTask.number)
    )]


def _one(column, *where) -> sa.ScalarSelect:
    # ``column`` of the one row where ``where`` holds (a unique key): one probe for each row of a page.
    return sa.select(column).where(*where).scalar_subquery()


def _bureau_name(lang: str) -> sa.ColumnElement:
    # As the templates' ``localized``: the Chinese name when there is one, else the English.
    if lang == "zh":
        return sa.func.coalesce(sa.func.nullif(Organisation.name_zh, ""), Organisation.name_en)
    return Organisation.name_en


def _latest_reminder(column, invitation_id) -> sa.ScalarSelect:
    # A column of the invitation's latest reminder (``app.domain.conference.reminders`` writes
    # them); ``ix_audit_event_remind`` answers it with one probe.
    return (sa.select(column)
            .where(AuditEvent.object_id == invitation_id, AuditEvent.action == "remind",
                   AuditEvent.object_type == "Invitation")
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(1)
            # Correlated to the invitation from within the select of its editor's name too.
            .correlate_except(AuditEvent).scalar_subquery())


def _latest_extension(invitation_id=Invitation.id) -> sa.ScalarSelect:
    # The due date moved by the latest extension, as ``Invitation.effective_due_at`` reads it;
    # ``ix_extension_invitation_latest`` answers it with one probe.
    return (sa.select(Extension.new_due_at).where(Extension.invitation_id == invitation_id)
            .order_by(Extension.granted_at.desc(), Extension.id.desc()).limit(1).scalar_subquery())


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
    found = db.session.execute(
        # The title the ministry was sent: a draft never sent is the bureau's own business.
        sa.select(Organisation.name_zh, Organisation.name_en, Invitation.kind, Invitation.due_at,
                  _latest_extension(), Submission.state, SubmissionVersion.title)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .outerjoin(Submission, live)
        .outerjoin(SubmissionVersion, SubmissionVersion.id == Submission.latest_version_id)
        .where(Invitation.conference_id == conference.id)
        .order_by(*ORDER)
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
