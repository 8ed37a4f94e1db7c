"""The audit trail: one call a change, written in the same transaction."""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent, Submission, User


def record_event(
    action: str,
    *,
    actor: User | None,
    obj: Any | None,
    submission: Submission | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit event for ``obj``; flushes so that the object has an id.

    ``obj`` is None for an event about no stored object, such as a failed
    login under a name that may not exist.
    """
    db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        submission_id=submission.id if submission else None,
        from_state=from_state,
        to_state=to_state,
        detail=detail or {},
    )
    db.session.add(event)
    return event


def record_security_event(
    action: str, *, actor: User | None, object_type: str, object_id: int | None = None, detail: dict | None = None,
) -> AuditEvent:
    """Audit an attempt that changed nothing (a refused login, a refusal, a probe), so it leaves a trace."""
    event = AuditEvent(
        actor_id=actor.id if actor else None, action=action[:64], object_type=object_type[:64],
        object_id=object_id, detail=detail or {},
    )
    db.session.add(event)
    return event
