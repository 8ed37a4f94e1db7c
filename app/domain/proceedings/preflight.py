"""What an editor should know before building: gaps, news since the last edition, fonts,
pictures too coarse to print.

Warnings never block a build (an editor may publish without a late bureau);
they are plain data, and the template words them in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, selectinload, undefer

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


def preflight(conference: Conference, *, check_fonts: bool = True,
              store: FileStore | None = None, missing_shown: int | None = None) -> list[PreflightWarning]:
    """Every warning for the next build of ``conference``'s proceedings, most serious first.

    With ``store`` (where attachments are stored) the pictures of the
    pieces are measured too. With ``missing_shown``, at most that many
    bureaus without an approved piece are named (the editors' page names the
    first few and counts the rest with :func:`count_missing_pieces`): a
    conference of 600 invitations is then not read row by row."""
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
    # What the warnings say of a piece; a piece with pictures is read whole by ``_coarse_pictures``.
    approved = db.session.scalars(sa.select(Submission).where(
        Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
        .options(load_only(Submission.id, Submission.title, Submission.state, Submission.excluded_from_proceedings,
                           Submission.exclusion_reason)).order_by(Submission.id)).all()
    warnings += [PreflightWarning("excluded", submission=s, detail=s.exclusion_reason)
                 for s in approved if s.excluded_from_proceedings]
    last = latest_done_edition(conference)
    if last is not None:
        warnings += _approved_since(approved, last)
    if store is not None:
        warnings += _coarse_pictures([s for s in approved if not s.excluded_from_proceedings], store)
    if not any(not s.excluded_from_proceedings for s in approved):
        warnings.insert(0, PreflightWarning("nothing_to_build"))
    return warnings


def _missing(conference: Conference) -> sa.Select:
    """The invitations of ``conference`` without an approved live piece, with that piece if any."""
    live = sa.and_(Submission.invitation_id == Invitation.id, Submission.is_live())
    return (sa.select(Invitation, Submission).outerjoin(Submission, live)
            .where(Invitation.conference_id == conference.id,
                   sa.or_(Submission.id.is_(None), Submission.state != SubmissionState.APPROVED)))


def count_missing_pieces(conference: Conference) -> int:
    """How many invitations of ``conference`` have no approved piece, counted in SQL."""
    return db.session.scalar(_missing(conference).with_only_columns(sa.func.count())) or 0


def _coarse_pictures(included: list[Submission], store: FileStore) -> list[PreflightWarning]:
    """A warning per picture that would print under 200 dpi in the book's figure width."""
    if not included:
        return []
    # The approved version of each piece, as ``approved_versions`` finds it (the last
    # approval wins), read as columns: only a version with files can hold a picture,
    # and only those become objects, with their bodies.
    approved = {}
    for submission_id, version_id, attachments in db.session.execute(
        sa.select(Decision.submission_id, Decision.version_id, SubmissionVersion.attachments)
        .join(SubmissionVersion, SubmissionVersion.id == Decision.version_id)
        .where(Decision.submission_id.in_([s.id for s in included]), Decision.outcome == DecisionOutcome.APPROVE)
        .order_by(Decision.decided_at, Decision.id)
    ):
        approved[submission_id] = version_id if attachments else None
    with_files = [v for v in approved.values() if v is not None]
    if not with_files:
        return []
    versions = {v.submission_id: v for v in db.session.scalars(
        sa.select(SubmissionVersion).where(SubmissionVersion.id.in_(with_files))
        .options(undefer(SubmissionVersion.body_html),
                 selectinload(SubmissionVersion.submission).selectinload(Submission.organisation)))}
    warnings = []
    for submission in included:
        if submission.id not in versions:
            continue
        piece = piece_from_version(versions[submission.id], store)
        warnings += [PreflightWarning("coarse_picture", submission=submission, detail=str(dpi))
                     for _sha, dpi in low_resolution_images(piece.body_html, piece.attachment_paths)]
    return warnings


def _approved_since(approved: list[Submission], last: ProceedingsEdition) -> list[PreflightWarning]:
    if not approved:
        return []
    latest = {}
    for decision in db.session.scalars(
        sa.select(Decision).where(
            Decision.submission_id.in_([s.id for s in approved]),
            Decision.outcome == DecisionOutcome.APPROVE,
            Decision.decided_at > last.created_at,
        ).order_by(Decision.decided_at)
    ):
        latest[decision.submission_id] = decision.decided_at
    return [PreflightWarning("approved_since", submission=s, when=latest[s.id])
            for s in approved if s.id in latest and not s.excluded_from_proceedings]
