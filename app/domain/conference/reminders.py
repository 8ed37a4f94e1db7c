"""Reminding bureaus of a piece they owe: one bureau, a whole filter of the coverage page, or by cron.

Each bureau reminded leaves an audit event ``remind`` on its invitation; the
coverage page reads who reminded it last from those events, and the automatic
run reads them to remind nobody twice in one day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.domain.audit import record_event
from app.domain.mail_templates import RenderedMail
from app.domain.notifications import reminder_mail, reminder_notice
from app.domain.review.coverage import CAN_BE_OVERDUE, CoverageRow, coverage
from app.extensions import db
from app.models import AuditEvent, Conference, Invitation, SubmissionState, User, utcnow

# The filters an editor reminds in one action, each a test of a coverage row.
FILTERS = {
    "not_started": lambda row: row.status == "not_started",
    "draft": lambda row: row.status == SubmissionState.DRAFT.value,
    "overdue": lambda row: row.overdue,
    "changes_requested": lambda row: row.status == SubmissionState.CHANGES_REQUESTED.value,
}


@dataclass
class Reminded:
    """Who was reminded by one action, and who could not be (no enabled account)."""
    reminded: list[Invitation]
    skipped: list[Invitation]


def targets(conference: Conference, *, scope: str, invitation_id: int | None = None,
            now: datetime | None = None) -> list[CoverageRow]:
    """The coverage rows a reminder of ``scope`` goes to: one invitation (``"one"``) or a filter."""
    rows = coverage(conference, now=now).rows
    if scope == "one":
        return [row for row in rows if row.invitation.id == invitation_id]
    keep = FILTERS.get(scope)
    return [row for row in rows if keep(row)] if keep else []


def message(invitation: Invitation, *, now: datetime | None = None) -> RenderedMail:
    """The reminder this invitation's bureau would get, in the conference's wording, for the preview."""
    return reminder_mail(invitation, now=now or utcnow())


def send(rows: list[CoverageRow], *, actor: User | None, now: datetime | None = None,
         automatic: bool = False) -> Reminded:
    """Remind every enabled member of each row's bureau, in the app and by mail, and record it."""
    now = now or utcnow()
    done = Reminded([], [])
    for row in rows:
        notes = reminder_notice(row.invitation, actor=actor, now=now)
        if not notes:
            done.skipped.append(row.invitation)
            continue
        record_event("remind", actor=actor, obj=row.invitation,
                     detail={"recipients": len(notes), "automatic": automatic})
        done.reminded.append(row.invitation)
    return done


def remind_due_soon(*, due_in_days: int, now: datetime | None = None) -> Reminded:
    """Remind every bureau whose piece is not yet sent and due within ``due_in_days``, once a day at most.

    A bureau reminded already today (by an editor or an earlier run) is left
    alone, so that the cron job may run as often as it likes.
    """
    now = now or utcnow()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    reminded_today = set(db.session.scalars(
        sa.select(AuditEvent.object_id).where(
            AuditEvent.action == "remind", AuditEvent.object_type == "Invitation",
            AuditEvent.created_at >= start_of_day)))
    horizon = now + timedelta(days=due_in_days)
    total = Reminded([], [])
    for conference in db.session.scalars(sa.select(Conference).order_by(Conference.id)):
        rows = [row for row in coverage(conference, now=now).rows
                if row.status in CAN_BE_OVERDUE and now <= row.due_at <= horizon
                and row.invitation.id not in reminded_today]
        done = send(rows, actor=None, now=now, automatic=True)
        total.reminded += done.reminded
        total.skipped += done.skipped
    return total
