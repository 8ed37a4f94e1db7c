"""Immutable snapshots of a submission, taken at each submit."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa

from app.domain.submissions import search
from app.domain.submissions.bodies.rendering import character_count
from app.extensions import db
from app.models import Submission, SubmissionVersion, User, WordOriginal


def snapshot_fields(submission: Submission) -> dict:
    """Every field a version keeps, in a JSON-stable form."""
    return {
        "title": submission.title,
        "subtitle": submission.subtitle,
        "speaker_name": submission.speaker_name,
        "speaker_post": submission.speaker_post,
        "planned_minutes": submission.planned_minutes,
        "abstract": submission.abstract,
        "body_source": submission.body_source,
        "body_html": submission.body_html,
        "body_format": submission.body_format,
        "key_tasks": [
            {"id": t.id, "number": t.number, "title_zh": t.title_zh, "title_en": t.title_en}
            for t in submission.key_tasks
        ],
        "attachments": [
            {"sha256": a.sha256, "name": a.display_name, "size": a.size,
             "file_type": a.file_type, "in_body": a.in_body}
            for a in submission.attachments
        ],
    }


def content_hash(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def take_snapshot(submission: Submission, *, actor: User, now: datetime) -> SubmissionVersion:
    """Freeze the submission as it stands into a new numbered version, dated ``now``; it becomes the latest."""
    fields = snapshot_fields(submission)
    number = len(submission.versions) + 1
    version = SubmissionVersion(
        submission=submission,
        number=number,
        word_original_id=_original_id(submission),
        content_hash=content_hash(fields),
        created_by_id=actor.id,
        created_at=now,
        search_text=search.search_text(fields, submission.organisation),
        character_count=character_count(fields["body_html"] or ""),
        **fields,
    )
    db.session.add(version)
    # Written once the version has its row: the submission and its version
    # point at each other, so they cannot be inserted in one step.
    db.session.flush()
    submission.latest_version = version
    return version


def _original_id(submission: Submission) -> int | None:
    """The Word file the body was last imported from: the office files it with the version."""
    return db.session.scalar(sa.select(sa.func.max(WordOriginal.id)).where(WordOriginal.submission_id == submission.id))
