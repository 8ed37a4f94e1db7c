"""Proceedings editions: numbered, immutable books and their life cycle.

An edition is fixed when it is created — the exact versions, their order
and the front matter are copied into it — and built afterwards by a
background job (``app.background.builds``), which records the file it produced.
Nothing that happens to a submission later reaches an existing edition.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.audit import record_event
from app.domain.errors import ConcurrentChange, DomainError, Forbidden, NotAllowed
from app.domain.notifications import publication_notice
from app.domain.permissions import can_build_proceedings
from app.domain.proceedings.changes import changes_between
from app.domain.proceedings.preflight import latest_done_edition
from app.domain.proceedings.programme import printed_programme
from app.domain.proceedings.spec import current_entries
from app.domain.proceedings.typesetting.book import BOOK_STYLES, PDF_VARIANTS
from app.domain.proceedings.typesetting.numbering import SCHEMES
from app.domain.submissions.bodies.rendering import render_body
from app.extensions import db
from app.models import (
    Conference,
    EditionItem,
    EditionStatus,
    ProceedingsEdition,
    Role,
    Submission,
    SubmissionVersion,
    User,
    utcnow,
)

RUNNING = (EditionStatus.QUEUED, EditionStatus.BUILDING)
# A build takes minutes and is killed after 15 (render.BUILD_TIME_LIMIT); one
# still running long after that lost its worker (a restart, a crash).
STALE_AFTER = timedelta(minutes=45)
# The process building an edition (or a web process holding it in its queue)
# stamps ``heartbeat_at`` this often; four missed stamps mean it is gone.
HEARTBEAT_INTERVAL = timedelta(seconds=30)
MISSED_HEARTBEATS = 4

# Why a build failed, in the words the editors' page shows (translated there,
# app/proceedings/status.py); other failures keep their technical message.
INTERRUPTED = ("The build was interrupted before it finished (its worker stopped). "
               "Delete this edition and build again.")
WORKER_DIED = ("A typesetting process stopped before the book was finished (it was killed or ran out of memory). "
               "Nothing was kept: delete this edition and build again.")
BUILD_PROCESS_DIED = ("The build process stopped before the book was finished (it was killed, crashed or the "
                      "server restarted). Nothing was kept: delete this edition and build again.")


#: A conference's editions, newest first, each with the editor who built it (joined: one query).
_EDITIONS = (sa.select(ProceedingsEdition).options(joinedload(ProceedingsEdition.built_by))
             .where(ProceedingsEdition.conference_id == sa.bindparam("conference_id"))
             .order_by(ProceedingsEdition.number.desc()))


def editions_of(conference: Conference) -> list[ProceedingsEdition]:
    """Every edition, newest first."""
    return list(db.session.scalars(_EDITIONS, {"conference_id": conference.id}))


def edition_by_number(conference: Conference, number: int) -> ProceedingsEdition | None:
    """One edition with its items, their versions and bureaus loaded in a few queries."""
    return db.session.scalar(
        sa.select(ProceedingsEdition)
        .options(selectinload(ProceedingsEdition.items).selectinload(EditionItem.version)
                 .selectinload(SubmissionVersion.submission).selectinload(Submission.organisation),
                 selectinload(ProceedingsEdition.built_by))
        .where(ProceedingsEdition.conference_id == conference.id, ProceedingsEdition.number == number)
    )


def today_for(conference: Conference) -> date:
    """Today where the conference takes place: the default date of a new edition."""
    return datetime.now(ZoneInfo(conference.timezone)).date()


def running_edition(conference: Conference) -> ProceedingsEdition | None:
    return db.session.scalar(
        sa.select(ProceedingsEdition)
        .where(ProceedingsEdition.conference_id == conference.id, ProceedingsEdition.status.in_(RUNNING))
        .limit(1)
    )


def abandon_stale_builds(conference: Conference, *, now: datetime | None = None,
                         heartbeat_interval: timedelta = HEARTBEAT_INTERVAL,
                         among: list[ProceedingsEdition] | None = None) -> list[ProceedingsEdition]:
    """Mark builds whose worker vanished as failed, so that they block nothing and nobody waits for them.

    A build stamped by its process is gone once ``MISSED_HEARTBEATS`` stamps
    are missing (the server restarted, the process was killed); one never
    stamped (waiting in the Redis queue, which survives restarts) once it is
    ``STALE_AFTER`` old. ``among``, the conference's editions if they were
    just read (the editors' page lists them all), spares asking for the running ones.
    """
    now = now or utcnow()
    if among is not None:
        running = [edition for edition in among if edition.status in RUNNING]
    else:
        running = db.session.scalars(sa.select(ProceedingsEdition).where(
            ProceedingsEdition.conference_id == conference.id, ProceedingsEdition.status.in_(RUNNING)))
    stale = [edition for edition in running
             if (edition.heartbeat_at < now - heartbeat_interval * MISSED_HEARTBEATS
                 if edition.heartbeat_at is not None else edition.created_at < now - STALE_AFTER)]
    for edition in stale:
        record_failure(edition, INTERRUPTED)
    return stale


def next_edition_number(conference: Conference) -> int:
    """Take the conference's next edition number; it is never given out twice.

    One atomic ``UPDATE … RETURNING`` on the conference row: the row lock it
    takes holds a second build (PostgreSQL) or the write lock does (SQLite)
    until this transaction ends, and the second then reads the grown counter.
    A deleted edition's number is not reused because the counter never shrinks.
    """
    table = Conference.__table__
    number = db.session.execute(
        sa.update(table).where(table.c.id == conference.id)
        .values(last_edition_number=table.c.last_edition_number + 1)
        .returning(table.c.last_edition_number)
    ).scalar_one()
    # Keep the loaded object in step without a reload (and without the ORM
    # writing the old value back).
    set_committed_value(conference, "last_edition_number", number)
    return number


def create_edition(conference: Conference, *, actor: User, edition_date: date,
                   heartbeat_interval: timedelta = HEARTBEAT_INTERVAL,
                   piece_numbering: str = "none", book_style: str = "ministry",
                   pdf_variant: str = "", with_programme: bool = False) -> ProceedingsEdition:
    """Fix the next edition: the included approved versions in order, and the front matter.

    The edition is queued; the caller commits and then hands its id to the
    background worker. Refused while another edition of the conference is
    being built, and when no piece would be in it. ``piece_numbering`` is one
    of ``numbering.SCHEMES``, ``book_style`` one of ``book.BOOK_STYLES``,
    ``pdf_variant`` one of ``book.PDF_VARIANTS``; all are fixed in the
    edition like its front matter. ``with_programme`` prints the programme
    of the oral session (发言顺序表) in the front matter, frozen now too
    (``programme.printed_programme``).
    """
    if not can_build_proceedings(actor):
        raise Forbidden(_("Only editors may build the proceedings."))
    if piece_numbering not in SCHEMES:
        raise DomainError(_("Choose how the pieces are numbered."))
    if book_style not in BOOK_STYLES:
        raise DomainError(_("Choose the style of the book: ministry compilation or Western proceedings."))
    if pdf_variant not in PDF_VARIANTS:
        raise DomainError(_("Choose the kind of PDF: plain, PDF/UA-1 (accessible) or PDF/A-3u (archival)."))
    abandon_stale_builds(conference, heartbeat_interval=heartbeat_interval)
    if running_edition(conference) is not None:
        raise NotAllowed(_("An edition of these proceedings is being built; wait until it has finished."))
    entries = current_entries(conference)
    if not entries:
        raise DomainError(_("No approved piece is in the proceedings yet, so there is nothing to build."))
    previous = latest_done_edition(conference)
    number = next_edition_number(conference)
    edition = ProceedingsEdition(
        conference_id=conference.id, number=number, status=EditionStatus.QUEUED,
        progress_stage="queued", progress_done=0, progress_total=len(entries),
        edition_date=edition_date, cover_note=conference.proceedings_cover_note, piece_numbering=piece_numbering,
        book_style=book_style, pdf_variant=pdf_variant,
        programme=printed_programme(entries) if with_programme else None,
        foreword_source=conference.proceedings_foreword,
        foreword_html=render_body(conference.proceedings_foreword, id_prefix="foreword-").html,
        changes=changes_between(previous.items if previous else [], entries) if previous else [],
        built_by_id=actor.id,
    )
    edition.items = [
        EditionItem(position=position, section=entry.kind.value, submission_id=entry.submission.id,
                    version_id=entry.version.id)
        for position, entry in enumerate(entries, start=1)
    ]
    db.session.add(edition)
    try:
        db.session.flush()
    except IntegrityError:
        # Two editors pressed "build" at the same moment and took the same number.
        raise ConcurrentChange(_("Another edition was started at the same moment; reload the page.")) from None
    record_event("edition_create", actor=actor, obj=edition,
                 detail={"number": number, "conference": conference.slug, "items": len(entries)})
    return edition


def file_name_for(edition: ProceedingsEdition, conference: Conference) -> str:
    # Numbers never come back (next_edition_number); the id is kept in the name
    # so files written before the counter existed stay distinct.
    return f"proceedings-{conference.slug}-edition-{edition.number}-{edition.id}.pdf"


def download_name(edition: ProceedingsEdition, conference: Conference) -> str:
    return f"{conference.slug}-proceedings-edition-{edition.number}.pdf"


AREA = "editions"  # on the local backend: EDITIONS_DIR/<file name>, as before the store


def edition_key(edition: ProceedingsEdition) -> str | None:
    """The edition's PDF in the file store, once it is built."""
    return key_for_file(edition.file_name) if edition.file_name else None


def key_for_file(file_name: str) -> str:
    return f"{AREA}/{file_name}"


def mark_building(edition: ProceedingsEdition) -> None:
    edition.status = EditionStatus.BUILDING
    edition.progress_stage = "queued"
    edition.heartbeat_at = utcnow()
    db.session.flush()


def record_progress(edition: ProceedingsEdition, stage: str, done: int, total: int) -> None:
    edition.progress_stage, edition.progress_done, edition.progress_total = stage, done, total
    edition.heartbeat_at = utcnow()
    db.session.flush()


def record_success(edition: ProceedingsEdition, *, file_name: str, page_count: int, size: int,
                   sha256: str, start_pages: dict[int, int]) -> None:
    """The file is in place: remember what it is and where each piece starts."""
    edition.status = EditionStatus.DONE
    edition.progress_stage = "done"
    edition.progress_done = edition.progress_total
    edition.file_name, edition.page_count, edition.size, edition.sha256 = file_name, page_count, size, sha256
    edition.finished_at = utcnow()
    edition.error = ""
    for item in edition.items:
        item.start_page = start_pages.get(item.id)
    db.session.flush()
    record_event("edition_built", actor=edition.built_by, obj=edition,
                 detail={"number": edition.number, "pages": page_count, "sha256": sha256})


def record_failure(edition: ProceedingsEdition, message: str) -> None:
    edition.status = EditionStatus.FAILED
    edition.progress_stage = "failed"
    edition.error = message[:4000]
    edition.file_name = None
    edition.finished_at = utcnow()
    db.session.flush()
    record_event("edition_failed", actor=edition.built_by, obj=edition,
                 detail={"number": edition.number, "error": message[:500]})


def publish_edition(edition: ProceedingsEdition, *, actor: User) -> None:
    """Mark a built edition as the published one; it can no longer be deleted."""
    if not can_build_proceedings(actor):
        raise Forbidden(_("Only editors may publish the proceedings."))
    if edition.status is not EditionStatus.DONE:
        raise NotAllowed(_("Only an edition that was built successfully can be published."))
    if edition.published_at is not None:
        raise NotAllowed(_("This edition is already published."))
    edition.published_at = utcnow()
    db.session.flush()
    record_event("edition_publish", actor=actor, obj=edition, detail={"number": edition.number})
    conference = db.session.get(Conference, edition.conference_id)
    invited = sorted({i.organisation_id for i in conference.invitations})
    readers = list(db.session.scalars(
        sa.select(User).where(User.role.in_([Role.REVIEWER, Role.EDITOR]), User.is_enabled)))
    publication_notice(conference, edition.number, actor=actor, organisation_ids=invited, ministry=readers)


def delete_edition(edition: ProceedingsEdition, *, actor: User) -> str | None:
    """Delete an unpublished, finished edition. Returns its file's key, for the caller to
    remove once the deletion is committed (never before: a rollback would leave a
    row without its file)."""
    if not can_build_proceedings(actor):
        raise Forbidden(_("Only editors may delete editions."))
    if edition.published_at is not None:
        raise NotAllowed(_("A published edition cannot be deleted."))
    if edition.status in RUNNING:
        raise NotAllowed(_("This edition is still being built; wait until it has finished."))
    key = edition_key(edition)
    record_event("edition_delete", actor=actor, obj=edition,
                 detail={"number": edition.number, "sha256": edition.sha256})
    db.session.delete(edition)
    db.session.flush()
    return key
