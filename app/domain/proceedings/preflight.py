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

from app.domain.proceedings.editor_list import BureauName, PiecesToOrder, pieces_to_order
from app.domain.proceedings.spec import piece_from_version
from app.domain.proceedings.typesetting.bodies import low_resolution_images
from app.domain.proceedings.typesetting.fonts import MissingFontError, check_cjk_fonts
from app.domain.summary_cache import summaries
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
    (``missing_total``: named or not)."""

    missing_total: int = 0


def preflight(conference: Conference, *, check_fonts: bool = True, store: FileStore | None = None,
              missing_shown: int | None = None, listed: PiecesToOrder | None = None,
              editions: list[ProceedingsEdition] | None = None) -> PreflightWarnings:
    """Every warning for the next build of ``conference``'s proceedings, most serious first.

    With ``store`` (where attachments are stored) the pictures of the
    pieces are measured too. With ``missing_shown``, at most that many
    bureaus without an approved piece are named (the editors' page names the
    first few and counts the rest, ``missing_total``); which they are is
    found once per change of the conference, not on every view. ``listed``,
    the editors' list of the same conference (its first page if not given),
    gives the pieces left out and whether any is included, and ``editions`` (the conference's, newest first)
    the last one built, so that they are not asked for twice."""
    warnings = PreflightWarnings()
    if check_fonts:
        try:
            check_cjk_fonts()
        except MissingFontError as error:
            warnings.append(PreflightWarning("fonts_missing", detail=str(error)))
    missing = summaries("missing invitations", [conference], _missing_invitations)[conference.id]
    named = missing if missing_shown is None else missing[:missing_shown]
    if named:
        rows = {row.id: row for row in db.session.execute(_NAMED_INVITATIONS, {"ids": list(named)})}
        warnings += [PreflightWarning("missing_piece",
                                      invitation=MissingInvitation(id, row.kind, BureauName(row.name_zh, row.name_en)),
                                      submission=NamedPiece(row.piece_id, row.title) if row.piece_id else None,
                                      state=row.state)
                     # one deleted since the figures were counted (a commit a moment ago) is passed over
                     for id in named if id in rows for row in [rows[id]]]
    warnings.missing_total = len(missing)
    if listed is None:   # its first page: the pieces left out and the sections' sizes come with any page
        listed = pieces_to_order(conference, 1)
    warnings += [PreflightWarning("excluded", submission=NamedPiece(s.id, s.title), detail=s.exclusion_reason)
                 for s in listed.left_out]
    if editions is not None:
        last = next((edition for edition in editions if edition.status is EditionStatus.DONE), None)
    else:
        last = latest_done_edition(conference)
    if last is not None:
        warnings += _approved_since(conference, last)
    if store is not None:
        warnings += _coarse_pictures(conference, store)
    if not listed.page.total:
        warnings.insert(0, PreflightWarning("nothing_to_build"))
    return warnings


# The statements of the warnings, built once (building them cost more than running them);
# each reads the columns its warnings name, no piece or invitation becomes an object.
_CONFERENCE = sa.bindparam("conference_id")
_INCLUDED = (Submission.conference_id == _CONFERENCE, Submission.state == SubmissionState.APPROVED,
             Submission.excluded_from_proceedings.is_(False))


# The invitations of a conference without an approved live piece, in the programme's order.
# The conference said twice (an invitation's piece is of its conference) lets the join
# read the conference's pieces by index rather than every piece of every conference.
_LIVE_PIECE = sa.and_(Submission.invitation_id == Invitation.id, Submission.conference_id == _CONFERENCE,
                      Submission.is_live())
_MISSING = (sa.select(Invitation.id).select_from(Invitation).outerjoin(Submission, _LIVE_PIECE)
            .where(Invitation.conference_id == _CONFERENCE,
                   sa.or_(Submission.id.is_(None), Submission.state != SubmissionState.APPROVED))
            .order_by(Invitation.kind, Invitation.speaking_order, Invitation.id))
# What a warning names of the invitations ``ids``: the bureau, and its live piece if it has one.
_NAMED_INVITATIONS = (
    sa.select(Invitation.id, Invitation.kind, Organisation.name_zh, Organisation.name_en,
              Submission.id.label("piece_id"), Submission.title, Submission.state)
    .join(Organisation, Organisation.id == Invitation.organisation_id)
    .outerjoin(Submission, sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live()))
    .where(Invitation.id.in_(sa.bindparam("ids", expanding=True))))


def _missing_invitations(conferences: list[Conference]) -> dict[int, tuple[int, ...]]:
    """Each conference's invitations without an approved piece, by id: kept under its summary stamp, so that
    a conference of 600 invitations is not read again on every view of the editors' page to count them."""
    return {conference.id: tuple(db.session.scalars(_MISSING, {"conference_id": conference.id}))
            for conference in conferences}




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
    sa.select(Decision.submission_id, Decision.version_id, SubmissionVersion.content_hash)
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
    with_files = summaries("approved versions with files", [conference], _approved_versions_with_files)[
        conference.id]
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
    coarse = [(submission_id, dpi) for submission_id, (_v, content) in sorted(with_files.items())
              for dpi in known[content]]
    if not coarse:
        return []
    titles = dict(db.session.execute(sa.select(Submission.id, Submission.title)
                                     .where(Submission.id.in_({submission_id for submission_id, _dpi in coarse}))).all())
    return [PreflightWarning("coarse_picture", submission=NamedPiece(submission_id, titles[submission_id]),
                             detail=str(dpi))
            for submission_id, dpi in coarse]


def _approved_versions_with_files(conferences: list[Conference]) -> dict[int, dict[int, tuple[int, str]]]:
    """Each conference's included pieces whose approved version has files: piece → (version, content hash).
    Kept under the conference's summary stamp: read once per change, not on every view."""
    found: dict[int, dict[int, tuple[int, str]]] = {}
    for conference in conferences:
        found[conference.id] = {submission_id: (version_id, content) for submission_id, version_id, content
                                in db.session.execute(_APPROVED_VERSIONS, {"conference_id": conference.id})}
    return found


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
