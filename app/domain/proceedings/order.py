"""The editors' hand on the next edition: order, exclusions, front matter.

Every change is audited. Positions are renumbered 1..n within a section on
each change, so the numbers an editor sees are always the ones stored.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from app.domain.audit import record_event
from app.domain.errors import DomainError, Forbidden, NotAllowed
from app.domain.permissions import can_build_proceedings
from app.domain.proceedings.spec import SECTION_ORDER, approved_submissions
from app.domain.submissions.bodies.rendering import RenderedBody, render_body
from app.extensions import db
from app.models import Conference, Submission, SubmissionState, User

MAX_REASON = 1000
MAX_COVER_NOTE = 500
MAX_FOREWORD = 20_000
MAX_POSITION = 9999


def _require_editor(actor: User) -> None:
    if not can_build_proceedings(actor):
        raise Forbidden(_("Only editors may arrange the proceedings."))


def section_of(submission: Submission) -> list[Submission]:
    """The included approved pieces of ``submission``'s section, in order."""
    return [
        s for s in approved_submissions(submission.conference)
        if s.kind is submission.kind and not s.excluded_from_proceedings
    ]


def _renumber(ordered: list[Submission]) -> None:
    for position, submission in enumerate(ordered, start=1):
        if submission.proceedings_position != position:
            submission.proceedings_position = position


def _require_included(submission: Submission) -> None:
    if submission.state is not SubmissionState.APPROVED or submission.excluded_from_proceedings:
        raise NotAllowed(_("Only approved pieces that are in the proceedings can be moved."))


def move(submission: Submission, direction: str, *, actor: User) -> None:
    """Move a piece one place up or down within its section (a no-op at either end)."""
    _require_editor(actor)
    _require_included(submission)
    if direction not in ("up", "down"):
        raise DomainError(_("A piece moves up or down."))
    ordered = section_of(submission)
    index = ordered.index(submission)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    db.session.flush()
    record_event("proceedings_move", actor=actor, obj=submission, submission=submission,
                 detail={"direction": direction, "position": submission.proceedings_position})


def set_positions(conference: Conference, positions: Mapping[int, int], *, actor: User) -> None:
    """Reorder by the numbers typed in: submission id -> wished position.

    Ties keep the current order; the result is renumbered 1..n per section.
    """
    _require_editor(actor)
    for wished in positions.values():
        if not 1 <= wished <= MAX_POSITION:
            raise DomainError(_("Positions are whole numbers from 1 to %(n)d.", n=MAX_POSITION))
    included = [s for s in approved_submissions(conference) if not s.excluded_from_proceedings]
    unknown = set(positions) - {s.id for s in included}
    if unknown:
        raise NotAllowed(_("Some of these pieces are no longer in the proceedings; reload the page."))
    changed = []
    for kind in SECTION_ORDER:
        ordered = [s for s in included if s.kind is kind]
        current = {s.id: index for index, s in enumerate(ordered, start=1)}
        ordered.sort(key=lambda s: (positions.get(s.id, current[s.id]), s.id not in positions, current[s.id]))
        changed += [s for index, s in enumerate(ordered, start=1) if current[s.id] != index]
        _renumber(ordered)
    db.session.flush()
    for submission in changed:
        record_event("proceedings_move", actor=actor, obj=submission, submission=submission,
                     detail={"position": submission.proceedings_position})


def exclude(submission: Submission, reason: str, *, actor: User) -> None:
    """Leave an approved piece out of the next editions, saying why."""
    _require_editor(actor)
    _require_included(submission)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why the piece is left out."))
    if len(reason) > MAX_REASON:
        raise DomainError(_("The reason may be at most %(n)d characters.", n=MAX_REASON))
    remaining = [s for s in section_of(submission) if s is not submission]
    submission.excluded_from_proceedings = True
    submission.exclusion_reason = reason
    submission.proceedings_position = None
    _renumber(remaining)
    db.session.flush()
    record_event("proceedings_exclude", actor=actor, obj=submission, submission=submission,
                 detail={"reason": reason})


def include(submission: Submission, *, actor: User) -> None:
    """Take a left-out piece back in, at the end of its section."""
    _require_editor(actor)
    if not submission.excluded_from_proceedings:
        raise NotAllowed(_("This piece is already in the proceedings."))
    ordered = section_of(submission)
    submission.excluded_from_proceedings = False
    submission.exclusion_reason = ""
    submission.proceedings_position = len(ordered) + 1
    _renumber(ordered)
    db.session.flush()
    record_event("proceedings_include", actor=actor, obj=submission, submission=submission)


def update_front_matter(conference: Conference, *, cover_note: str, foreword: str, actor: User) -> RenderedBody:
    """Keep the title-page note and the foreword (Markdown) for the next edition.

    Returns the rendered foreword so the caller can say what the sanitiser removed.
    """
    _require_editor(actor)
    cover_note, foreword = (cover_note or "").strip(), (foreword or "").strip()
    if len(cover_note) > MAX_COVER_NOTE:
        raise DomainError(_("The title-page note may be at most %(n)d characters.", n=MAX_COVER_NOTE))
    if len(foreword) > MAX_FOREWORD:
        raise DomainError(_("The foreword may be at most %(n)d characters.", n=MAX_FOREWORD))
    rendered = render_body(foreword, id_prefix="foreword-")
    conference.proceedings_cover_note = cover_note
    conference.proceedings_foreword = foreword
    db.session.flush()
    record_event("proceedings_front_matter", actor=actor, obj=conference,
                 detail={"cover_note": cover_note, "foreword_chars": len(foreword)})
    return rendered
