"""Keeps ``Conference.summary_stamp`` true: a new value whenever what the conference's summaries count changes.

The ministry's home and the editors' page summarise whole conferences
(pieces by state and key task, first submissions per day, due dates, the
book's order, the bureaus still missing). Counted on every page view they
cost more the larger the conference grows; counted once per change, under
the stamp (``app.domain.summary_cache``), a page of a conference of 600
invitations costs what one of 20 does.

The stamp is kept here, at the session, rather than by each write path, so
that no path that changes a piece, an invitation or a decision can forget
it: after each flush the conferences whose counted rows changed are noted,
and at commit each of them gets a new stamp in the same transaction. A
summary kept under the stamp may therefore depend only on what ``COUNTED``
lists below; anything else it shows (titles, names) is read live.

Rows written with a bulk ``INSERT``/``UPDATE``/``DELETE`` statement bypass
the session's bookkeeping: nothing in the app's requests changes these
tables that way, and a bulk loader says what it changed (``mark_changed``).
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from app.models.conference import Conference, Extension, Invitation, KeyTask
from app.models.review import Decision
from app.models.submissions import Submission, SubmissionVersion

#: Per model, the attributes whose change moves a summary (None: any change, its creation
#: or its deletion). Creating or deleting a row of any of these models always counts.
COUNTED: dict[type, frozenset[str] | None] = {
    Submission: frozenset({"state", "kind", "invitation_id", "conference_id", "organisation_id",
                           "excluded_from_proceedings", "proceedings_position", "key_tasks"}),
    SubmissionVersion: None,
    Decision: None,
    Invitation: frozenset({"conference_id", "organisation_id", "kind", "due_at", "speaking_order"}),
    Extension: None,
    KeyTask: frozenset({"conference_id", "number"}),
}

# session.info: conferences changed since the transaction began, not yet stamped.
_CHANGED = "huibian_conferences_changed"
# session.info: counted rows the flush under way deleted, orphans and cascades included.
_DELETED = "huibian_counted_deleted"


def changed_conferences(session: Session) -> frozenset[int]:
    """The conferences this transaction changed and has not yet stamped: their summaries are not to be trusted.

    Changes not yet flushed are flushed first (unless autoflush is off, when
    no query would see them either): a summary asked for before any query ran
    would otherwise be taken from the kept ones, stale by those changes.
    """
    if session.autoflush and any(True for _ in _counted_changes(session)):
        session.flush()
    return frozenset(session.info.get(_CHANGED, ()))


def mark_changed(session: Session, conference_ids) -> None:
    """Note conferences whose counted rows a bulk statement changed (the session does not see those): the
    commit stamps them as it stamps what it saw. For bulk loaders (seeds, test factories)."""
    session.info.setdefault(_CHANGED, set()).update(conference_ids)


def _note_deleted(_mapper, _connection, instance) -> None:
    # A key task removed from its conference's list is deleted by the flush itself, as an
    # orphan: session.deleted never lists it, so every row deleted is remembered here.
    session = object_session(instance)
    if session is not None:
        session.info.setdefault(_DELETED, []).append(instance)


for _model in COUNTED:
    event.listen(_model, "after_delete", _note_deleted)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush_context) -> None:
    conferences: set[int] = set()
    by_submission: set[int] = set()
    by_invitation: set[int] = set()
    for instance in _counted_changes(session, deleted=session.info.pop(_DELETED, ())):
        if isinstance(instance, (Submission, Invitation, KeyTask)):
            conferences.update(_values(instance, "conference_id"))
        elif isinstance(instance, (SubmissionVersion, Decision)):
            by_submission.update(_values(instance, "submission_id"))
        elif isinstance(instance, Extension):
            by_invitation.update(_values(instance, "invitation_id"))
    conferences |= _conferences_of(session, Submission, by_submission)
    conferences |= _conferences_of(session, Invitation, by_invitation)
    conferences.discard(None)
    if conferences:
        session.info.setdefault(_CHANGED, set()).update(conferences)


def _conferences_of(session: Session, model: type, ids: set[int]) -> set[int]:
    """The conferences of these pieces or invitations: from the session where it holds them, else asked."""
    conferences, unknown = set(), set()
    for id in ids:
        held = session.identity_map.get(inspect(model).identity_key_from_primary_key((id,)))
        if held is not None and "conference_id" in held.__dict__:
            conferences.add(held.conference_id)
        else:
            unknown.add(id)
    if unknown:
        conferences.update(session.connection().scalars(sa.select(model.conference_id).where(model.id.in_(unknown))))
    return conferences


def _counted_changes(session: Session, *, deleted=()):
    """Each instance of the flush whose change a summary counts: created, deleted or a counted attribute moved."""
    for instance in (*session.new, *session.deleted, *deleted):
        if type(instance) in COUNTED:
            yield instance
    for instance in session.dirty:
        attributes = COUNTED.get(type(instance), ())
        if attributes is None:
            yield instance
        elif attributes:
            state = inspect(instance)
            if any(state.attrs[name].history.has_changes() for name in attributes):
                yield instance


def _values(instance, column: str) -> set:
    """The column's value, and the one it had before the flush if it moved (a piece moved to another conference)."""
    history = inspect(instance).attrs[column].history
    values = {*history.added, *history.unchanged, *history.deleted}
    if not values:  # not loaded, or set by the flush itself (a key from a relationship)
        try:
            values = {getattr(instance, column)}
        except sa.exc.SQLAlchemyError:  # a deleted row whose column was never loaded: nothing to go by
            values = set()
    return values


@event.listens_for(Session, "before_commit")
def _stamp(session: Session) -> None:
    # The commit flushes after this hook: flush first, so that changes still pending are noted too.
    session.flush()
    changed = session.info.pop(_CHANGED, None)
    if changed:
        # One statement, at the very end of the transaction: the rows stay locked only while it commits.
        session.connection().execute(sa.update(Conference).where(Conference.id.in_(sorted(changed)))
                                     .values(summary_stamp=uuid.uuid4().hex)
                                     .execution_options(synchronize_session=False))
        for conference in session.identity_map.values():
            if isinstance(conference, Conference) and conference.id in changed:
                session.expire(conference, ["summary_stamp"])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    session.info.pop(_DELETED, None)  # a flush that failed never reached after_flush
    # Whatever the outermost transaction noted and did not stamp was rolled back with it
    # (a savepoint's end changes nothing: its changes are the outer transaction's to stamp).
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
