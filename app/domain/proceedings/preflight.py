"""What an editor should know before building: gaps, news since the last edition, fonts,
pictures too coarse to print.

Warnings never block a build (an editor may publish without a late bureau);
they are plain data, and the template words them in the reader's language.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, load_only, selectinload, undefer

from app.domain.proceedings.editor_list import BureauName, PiecesToOrder
from app.domain.proceedings.spec import piece_from_version
from app.domain.proceedings.typesetting.bodies import low_resolution_images
from app.domain.proceedings.typesetting.fonts import MissingFontError, check_cjk_fonts
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    DecisionOutcome,
    EditionStatus,
    ExchangeKind,
    Invitation,
    Organisation,
    ProceedingsEdition,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from app.storage.base import FileStore


class MissingInvitation(NamedTuple):
    """What a warning about a bureau without an approved piece names of its invitation."""

    id: int
    kind: ExchangeKind
    organisation: BureauName


class NamedPiece(NamedTuple):
    """What a warning names of a piece: which one, by its title."""

    id: int
    title: str


@dataclass(frozen=True)
class PreflightWarning:
    """``code`` is one of: missing_piece, approved_since, excluded, fonts_missing, nothing_to_build,
    coarse_picture (``detail``: the picture's dots per inch at its printed size)."""

    code: str
    invitation: MissingInvitation | None = None
    # A NamedPiece, but the piece itself for approved_since.
    submission: NamedPiece | Submission | None = None
    state: SubmissionState | None = None
    detail: str = ""
    when: datetime | None = None


def latest_done_edition(conference: Conference) -> ProceedingsEdition | None:
    return db.session.scalar(
        sa.select(ProceedingsEdition)
        .where(ProceedingsEdition.conference_id == conference.id, ProceedingsEdition.status == EditionStatus.DONE)
        .order_by(ProceedingsEdition.number.desc()).limit(1)
    )


class PreflightWarnings(list):
    """The warnings, most serious first, and how many bureaus have no approved piece
    (``missing_total``: named or not, counted by the query that names the first few)."""

    missing_total: int = 0


def preflight(conference: Conference, *, check_fonts: bool = True, store: FileStore | None = None,
              missing_shown: int | None = None, listed: PiecesToOrder | None = None,
              editions: list[ProceedingsEdition] | None = None) -> PreflightWarnings:
    """Every warning for the next build of ``conference``'s proceedings, most serious first.

    With ``store`` (where attachments are stored) the pictures of the
    pieces are measured too. With ``missing_shown``, at most that many
    bureaus without an approved piece are named (the editors' page names the
    first few and counts the rest, ``missing_total``): a conference of 600
    invitations is then not read row by row. ``listed``,
    the editors' list of the same conference, gives the pieces left out and
    whether any is included, and ``editions`` (the conference's, newest first)
    the last one built, so that they are not asked for twice."""
    warnings = PreflightWarnings()
    if check_fonts:
        try:
            check_cjk_fonts()
        except MissingFontError as error:
            warnings.append(PreflightWarning("fonts_missing", detail=str(error)))
    of_conference = {"conference_id": conference.id}
    missing = db.session.execute(_MISSING if missing_shown is None else _FIRST_MISSING,
                                 {**of_conference, "shown": missing_shown}).all()
    warnings += [PreflightWarning("missing_piece", invitation=MissingInvitation(id, kind, BureauName(zh, en)),
                                  submission=NamedPiece(piece_id, title) if piece_id is not None else None,
                                  state=state)
                 for id, kind, zh, en, piece_id, title, state, _total in missing]
    warnings.missing_total = missing[0].total if missing else 0
    left_out = listed.left_out if listed is not None else db.session.execute(_LEFT_OUT, of_conference).all()
    warnings += [PreflightWarning("excluded", submission=NamedPiece(s.id, s.title), detail=s.exclusion_reason)
                 for s in left_out]
    if editions is not None:
        last = next((edition for edition in editions if edition.status is EditionStatus.DONE), None)
    else:
        last = latest_done_edition(conference)
    if last is not None:
        warnings += _approved_since(conference, last)
    if store is not None:
        warnings += _coarse_pictures(conference, store)
    anything = listed.page.total > 0 if listed is not None else db.session.scalar(_ANYTHING, of_conference)
    if not anything:
        warnings.insert(0, PreflightWarning("nothing_to_build"))
    return warnings


# The statements of the warnings, built once (building them cost more than running them);
# each reads the columns its warnings name, no piece or invitation becomes an object.
_CONFERENCE = sa.bindparam("conference_id")
_APPROVED = (Submission.conference_id == _CONFERENCE, Submission.state == SubmissionState.APPROVED)
_INCLUDED = (*_APPROVED, Submission.excluded_from_proceedings.is_(False))


def _missing_invitations(*columns) -> sa.Select:
    """The invitations of a conference without an approved live piece, with that piece if any."""
    # The conference said twice (an invitation's piece is of its conference) lets the join
    # read the conference's pieces by index rather than every piece of every conference.
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.conference_id == _CONFERENCE,
                   Submission.is_live())
    return (sa.select(*columns).select_from(Invitation).outerjoin(Submission, live)
            .where(Invitation.conference_id == _CONFERENCE,
                   sa.or_(Submission.id.is_(None), Submission.state != SubmissionState.APPROVED)))


# Each row carries how many there are in all (a window, counted before the LIMIT): no count query.
_MISSING = (_missing_invitations(Invitation.id, Invitation.kind, Organisation.name_zh, Organisation.name_en,
                                 Submission.id, Submission.title, Submission.state,
                                 sa.func.count().over().label("total"))
            .join(Organisation, Organisation.id == Invitation.organisation_id)
            .order_by(Invitation.kind, Invitation.speaking_order, Invitation.id))
_FIRST_MISSING = _MISSING.limit(sa.bindparam("shown"))
_LEFT_OUT = (sa.select(Submission.id, Submission.title, Submission.exclusion_reason)
             .where(*_APPROVED, Submission.excluded_from_proceedings.is_(True)).order_by(Submission.id))
_ANYTHING = sa.select(sa.exists().where(*_INCLUDED))


#: content hash of a version -> the dots per inch of its pictures too coarse to print.
#: A version never changes, nor do its pictures (stored by their sha256), so
#: what was measured once holds; bounded, as a process may see many conferences.
_COARSE_BY_CONTENT: OrderedDict[str, tuple[int, ...]] = OrderedDict()
_COARSE_CACHE_SIZE = 4096
_coarse_lock = threading.Lock()


_LATER = aliased(Decision)
#: The version of each included piece that its latest approval points at (as ``approved_versions``
#: finds it: the last decided, then the last written), when that version has files: only those can
#: hold a picture, so a book of 180 approved pieces without pictures ships no row to Python.
_APPROVED_VERSIONS = (
    sa.select(Decision.submission_id, Submission.title, Decision.version_id, SubmissionVersion.content_hash)
    .join(SubmissionVersion, SubmissionVersion.id == Decision.version_id)
    .join(Submission, Submission.id == Decision.submission_id)
    .where(*_INCLUDED, Decision.outcome == DecisionOutcome.APPROVE,
           ~sa.exists().where(_LATER.submission_id == Decision.submission_id,
                              _LATER.outcome == DecisionOutcome.APPROVE,
                              sa.or_(_LATER.decided_at > Decision.decided_at,
                                     sa.and_(_LATER.decided_at == Decision.decided_at, _LATER.id > Decision.id))),
           # The list as SQLAlchemy wrote it: "[]" (or JSON null) is a version without files.
           sa.cast(SubmissionVersion.attachments, sa.Text).not_in(["[]", "null"]))
    .order_by(Decision.submission_id))


def _coarse_pictures(conference: Conference, store: FileStore) -> list[PreflightWarning]:
    """A warning per picture that would print under 200 dpi in the book's figure width."""
    with_files: dict[int, tuple[int, str]] = {}
    titles: dict[int, str] = {}
    for submission_id, title, version_id, content in db.session.execute(
            _APPROVED_VERSIONS, {"conference_id": conference.id}):
        with_files[submission_id] = (version_id, content)
        titles[submission_id] = title
    if not with_files:
        return []
    with _coarse_lock:
        known = {content: _COARSE_BY_CONTENT[content] for _v, content in with_files.values()
                 if content in _COARSE_BY_CONTENT}
    unmeasured = [version_id for version_id, content in with_files.values() if content not in known]
    if unmeasured:
        for version in db.session.scalars(
            sa.select(SubmissionVersion).where(SubmissionVersion.id.in_(unmeasured))
            .options(undefer(SubmissionVersion.body_html),
                     selectinload(SubmissionVersion.submission).selectinload(Submission.organisation))):
            piece = piece_from_version(version, store)
            known[version.content_hash] = tuple(
                dpi for _sha, dpi in low_resolution_images(piece.body_html, piece.attachment_paths))
        with _coarse_lock:
            for content, dpis in known.items():
                _COARSE_BY_CONTENT[content] = dpis
                _COARSE_BY_CONTENT.move_to_end(content)
            while len(_COARSE_BY_CONTENT) > _COARSE_CACHE_SIZE:
                _COARSE_BY_CONTENT.popitem(last=False)
    return [PreflightWarning("coarse_picture", submission=NamedPiece(submission_id, titles[submission_id]),
                             detail=str(dpi))
            for submission_id, (_v, content) in sorted(with_files.items()) for dpi in known[content]]


# The pieces themselves (id and title loaded): a warning a reader may follow to its piece, and few
# (those approved since the last build).
_APPROVED_SINCE = (
    sa.select(Submission, sa.func.max(Decision.decided_at))
    .join(Decision, Decision.submission_id == Submission.id)
    .where(*_INCLUDED, Decision.outcome == DecisionOutcome.APPROVE, Decision.decided_at > sa.bindparam("built_at"))
    .group_by(Submission.id).order_by(Submission.id)
    .options(load_only(Submission.id, Submission.title)))


def _approved_since(conference: Conference, last: ProceedingsEdition) -> list[PreflightWarning]:
    """The pieces approved (again) since ``last`` was built, each with its latest approval."""
    return [PreflightWarning("approved_since", submission=submission, when=when)
            for submission, when in db.session.execute(
                _APPROVED_SINCE, {"conference_id": conference.id, "built_at": last.created_at})]
