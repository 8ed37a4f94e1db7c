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

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, selectinload, undefer

from app.domain.proceedings.editor_list import PiecesToOrder
from app.domain.proceedings.spec import piece_from_version
from app.domain.proceedings.typesetting.bodies import low_resolution_images
from app.domain.proceedings.typesetting.fonts import MissingFontError, check_cjk_fonts
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    DecisionOutcome,
    EditionStatus,
    Invitation,
    ProceedingsEdition,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from app.storage.base import FileStore


@dataclass(frozen=True)
class PreflightWarning:
    """``code`` is one of: missing_piece, approved_since, excluded, fonts_missing, nothing_to_build,
    coarse_picture (``detail``: the picture's dots per inch at its printed size)."""

    code: str
    invitation: Invitation | None = None
    submission: Submission | None = None
    state: SubmissionState | None = None
    detail: str = ""
    when: datetime | None = None


def latest_done_edition(conference: Conference) -> ProceedingsEdition | None:
    return db.session.scalar(
        sa.select(ProceedingsEdition)
        .where(ProceedingsEdition.conference_id == conference.id, ProceedingsEdition.status == EditionStatus.DONE)
        .order_by(ProceedingsEdition.number.desc()).limit(1)
    )


def preflight(conference: Conference, *, check_fonts: bool = True, store: FileStore | None = None,
              missing_shown: int | None = None, listed: PiecesToOrder | None = None) -> list[PreflightWarning]:
    """Every warning for the next build of ``conference``'s proceedings, most serious first.

    With ``store`` (where attachments are stored) the pictures of the
    pieces are measured too. With ``missing_shown``, at most that many
    bureaus without an approved piece are named (the editors' page names the
    first few and counts the rest with :func:`count_missing_pieces`): a
    conference of 600 invitations is then not read row by row. ``listed``,
    the editors' list of the same conference, gives the pieces left out and
    whether any is included, so that they are not asked for twice."""
    warnings: list[PreflightWarning] = []
    if check_fonts:
        try:
            check_cjk_fonts()
        except MissingFontError as error:
            warnings.append(PreflightWarning("fonts_missing", detail=str(error)))
    missing = _missing(conference).order_by(Invitation.kind, Invitation.speaking_order, Invitation.id)
    if missing_shown is not None:
        missing = missing.limit(missing_shown)
    # Joined: a conference of 600 invitations is past one selectin batch of 500 ids.
    warnings += [PreflightWarning("missing_piece", invitation=invitation, submission=submission,
                                  state=submission.state if submission else None)
                 for invitation, submission in db.session.execute(
                     missing.options(joinedload(Invitation.organisation))).all()]
    # Each warning asks SQL for the pieces it names (the excluded, the approved
    # since), and no piece becomes an object unless a warning names it.
    approved = (Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
    included = (*approved, Submission.excluded_from_proceedings.is_(False))
    left_out = listed.left_out if listed is not None else db.session.scalars(
        sa.select(Submission).where(*approved, Submission.excluded_from_proceedings.is_(True))
        .options(load_only(Submission.id, Submission.title, Submission.exclusion_reason))
        .order_by(Submission.id)).all()
    warnings += [PreflightWarning("excluded", submission=s, detail=s.exclusion_reason) for s in left_out]
    last = latest_done_edition(conference)
    if last is not None:
        warnings += _approved_since(included, last)
    if store is not None:
        warnings += _coarse_pictures(included, store)
    anything = listed.page.total > 0 if listed is not None else db.session.scalar(
        sa.select(sa.exists().where(*included)))
    if not anything:
        warnings.insert(0, PreflightWarning("nothing_to_build"))
    return warnings


def _missing(conference: Conference) -> sa.Select:
    """The invitations of ``conference`` without an approved live piece, with that piece if any."""
    # The conference said twice (an invitation's piece is of its conference) lets the join
    # read the conference's pieces by index rather than every piece of every conference.
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.conference_id == conference.id,
                   Submission.is_live())
    return (sa.select(Invitation, Submission).outerjoin(Submission, live)
            .where(Invitation.conference_id == conference.id,
                   sa.or_(Submission.id.is_(None), Submission.state != SubmissionState.APPROVED)))


def count_missing_pieces(conference: Conference) -> int:
    """How many invitations of ``conference`` have no approved piece, counted in SQL."""
    return db.session.scalar(_missing(conference).with_only_columns(sa.func.count())) or 0


#: content hash of a version -> the dots per inch of its pictures too coarse to print.
#: A version never changes, nor do its pictures (stored by their sha256), so
#: what was measured once holds; bounded, as a process may see many conferences.
_COARSE_BY_CONTENT: OrderedDict[str, tuple[int, ...]] = OrderedDict()
_COARSE_CACHE_SIZE = 4096
_coarse_lock = threading.Lock()


def _coarse_pictures(included: tuple, store: FileStore) -> list[PreflightWarning]:
    """A warning per picture that would print under 200 dpi in the book's figure width."""
    # The approved version of each piece, as ``approved_versions`` finds it (the last
    # approval wins), read as columns: only a version with files can hold a picture.
    approved: dict[int, tuple[int, str] | None] = {}
    for submission_id, version_id, content, attachments in db.session.execute(
        sa.select(Decision.submission_id, Decision.version_id, SubmissionVersion.content_hash,
                  SubmissionVersion.attachments)
        .join(SubmissionVersion, SubmissionVersion.id == Decision.version_id)
        .join(Submission, Submission.id == Decision.submission_id)
        .where(*included, Decision.outcome == DecisionOutcome.APPROVE)
        .order_by(Decision.decided_at, Decision.id)
    ):
        approved[submission_id] = (version_id, content) if attachments else None
    with_files = {submission_id: found for submission_id, found in approved.items() if found is not None}
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
    coarse = {submission_id: known[content] for submission_id, (_v, content) in with_files.items() if known[content]}
    if not coarse:
        return []
    titled = db.session.scalars(sa.select(Submission).where(Submission.id.in_(coarse))
                                .options(load_only(Submission.id, Submission.title)).order_by(Submission.id))
    return [PreflightWarning("coarse_picture", submission=submission, detail=str(dpi))
            for submission in titled for dpi in coarse[submission.id]]


def _approved_since(included: tuple, last: ProceedingsEdition) -> list[PreflightWarning]:
    """The pieces approved (again) since ``last`` was built, each with its latest approval."""
    return [PreflightWarning("approved_since", submission=submission, when=when)
            for submission, when in db.session.execute(
                sa.select(Submission, sa.func.max(Decision.decided_at))
                .join(Decision, Decision.submission_id == Submission.id)
                .where(*included, Decision.outcome == DecisionOutcome.APPROVE,
                       Decision.decided_at > last.created_at)
                .group_by(Submission.id).order_by(Submission.id)
                .options(load_only(Submission.id, Submission.title)))]
