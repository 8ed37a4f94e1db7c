"""Reading the record: audit events filtered and paged, and mail that could not be sent.

A page of events is one query whatever the size of the record: the actor,
the piece and the bureau are joined in, and paging goes by id (keyset), so
the thousandth page costs what the first does. The bureau of an event is
the piece's bureau, or else the acting person's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.domain.audit import record_event
from app.domain.errors import NotAllowed
from app.extensions import db
from app.models import AuditEvent, Organisation, OutboxMail, OutboxStatus, Submission, User, utcnow

PAGE_SIZE = 50
# An export is one query; beyond this many rows the office should narrow the filter.
EXPORT_LIMIT = 100_000


@dataclass
class RecordFilters:
    actor_id: int | None = None
    organisation_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None


@dataclass
class RecordRow:
    event: AuditEvent
    actor: User | None
    organisation: Organisation | None
    submission_title: str | None


@dataclass
class RecordPage:
    rows: list[RecordRow]
    older_than: int | None  # the cursor of the next (older) page, None on the last


def _query(filters: RecordFilters) -> sa.Select:
    actor = aliased(User, name="actor")
    bureau_id = sa.func.coalesce(Submission.organisation_id, actor.organisation_id)
    query = (
        sa.select(AuditEvent, actor, Organisation, Submission.title)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(Submission, Submission.id == AuditEvent.submission_id)
        .outerjoin(Organisation, Organisation.id == bureau_id)
    )
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.organisation_id:
        query = query.where(bureau_id == filters.organisation_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.created_at >= _utc_midnight(filters.since))
    if filters.until:
        query = query.where(AuditEvent.created_at < _utc_midnight(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def record_page(filters: RecordFilters, *, page_size: int = PAGE_SIZE) -> RecordPage:
    """The newest ``page_size`` events matching ``filters`` older than ``filters.before_id``."""
    query = _query(filters)
    if filters.before_id:
        query = query.where(AuditEvent.id < filters.before_id)
    found = db.session.execute(query.limit(page_size + 1)).all()
    rows = [RecordRow(*row) for row in found[:page_size]]
    return RecordPage(rows, rows[-1].event.id if len(found) > page_size else None)


def record_rows(filters: RecordFilters) -> list[RecordRow]:
    """Every event matching ``filters`` (the cursor ignored), newest first, for an export."""
    return [RecordRow(*row) for row in db.session.execute(_query(filters).limit(EXPORT_LIMIT))]


def actions_recorded() -> list[str]:
    """The kinds of event the record holds, for the filter."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def failed_mail() -> list[OutboxMail]:
    """Mail the sender gave up on, newest first."""
    return list(db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.status == OutboxStatus.FAILED).order_by(OutboxMail.id.desc())
    ))


def retry_mail(mail: OutboxMail, *, actor: User) -> None:
    """Put a failed mail back in the queue, to be sent at the sender's next round."""
    if mail.status is not OutboxStatus.FAILED:
        raise NotAllowed(_("Only mail that failed can be sent again."))
    mail.status = OutboxStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = utcnow()
    db.session.flush()
    record_event("mail_retry", actor=actor, obj=mail, detail={"to": mail.to_address, "error": mail.last_error[:500]})


def detail_text(event: AuditEvent) -> str:
    """The event's details as ``key: value`` pairs, for people rather than programs."""
    return "; ".join(f"{key}: {value}" for key, value in sorted((event.detail or {}).items()))
