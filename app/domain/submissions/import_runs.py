"""Word imports under way, so that a reload shows the import still working.

An import converts in the request that uploaded the file (seconds for a .doc).
Its row is committed before the conversion starts and deleted when it ends,
whatever the outcome; a row older than ``stale_after`` is a process that died
mid-import and is ignored.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ImportRun, Submission, User, utcnow


def begin(submission: Submission, file_name: str, *, actor: User) -> None:
    """Note that ``actor`` started importing ``file_name``; the caller commits at once."""
    db.session.merge(ImportRun(submission_id=submission.id, file_name=file_name[:300], started_by_id=actor.id,
                               started_at=utcnow()))


def end(submission_id: int) -> None:
    """The import ended (imported, refused or failed); the caller commits."""
    db.session.execute(sa.delete(ImportRun).where(ImportRun.submission_id == submission_id))


def stale_after(time_limit_seconds: float) -> timedelta:
    """The conversion is stopped at its time limit; twice that, and the process that ran it is gone."""
    return timedelta(seconds=2 * time_limit_seconds + 30)


def running(submission: Submission, *, stale_after: timedelta, now: datetime | None = None) -> ImportRun | None:
    """The import under way on ``submission``, if one started less than ``stale_after`` ago."""
    run = db.session.get(ImportRun, submission.id)
    if run is None or (now or utcnow()) - run.started_at > stale_after:
        return None
    return run
