"""The editors' list of the next edition's pieces, a page at a time.

A book of 180 approved pieces is ordered a page of them at a time: the page
costs the same queries and the same HTML however many pieces are approved.
Positions are within a section (oral speeches, then written exchanges), as
:mod:`app.domain.proceedings.order` stores them, so a position typed on page
three moves the piece anywhere in its section.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.paging import Page, clamp
from app.domain.proceedings.spec import SECTION_ORDER
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    DecisionOutcome,
    ExchangeKind,
    Invitation,
    Organisation,
    Submission,
    SubmissionState,
    SubmissionVersion,
)

#: Pieces on a page of the editors' list.
PAGE_SIZE = 50


@dataclass(frozen=True)
class ListedPiece:
    id: int
    title: str
    kind: ExchangeKind
    organisation: Organisation
    version_number: int
    # 1-based, within its section.
    position: int
    section_size: int


@dataclass
class PiecesToOrder:
    page: Page[ListedPiece]
    # Included pieces per section, by kind value ("oral", "written").
    section_sizes: dict[str, int]
    left_out: list[Submission]


def _included(conference: Conference, *, excluded: bool = False) -> sa.Select:
    # A piece is in the book with the version its approval points at: one without is not listed.
    approved = sa.exists().where(Decision.submission_id == Submission.id, Decision.outcome == DecisionOutcome.APPROVE)
    return sa.select(Submission).where(
        Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED,
        Submission.excluded_from_proceedings.is_(excluded), approved)


def _approved_version_number() -> sa.ScalarSelect:
    """The number of the version a piece's latest approval points at (as ``spec.approved_versions``
    finds it: the last decided, then the last written), in the row of the piece."""
    return (sa.select(SubmissionVersion.number)
            .join(Decision, Decision.version_id == SubmissionVersion.id)
            .where(Decision.submission_id == Submission.id, Decision.outcome == DecisionOutcome.APPROVE)
            .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)
            .correlate(Submission).scalar_subquery().label("version_number"))


def _book_order(query: sa.Select) -> sa.Select:
    """The order of ``spec.book_order_key``, in SQL."""
    section = sa.case(*((Submission.kind == kind, n) for n, kind in enumerate(SECTION_ORDER)), else_=len(SECTION_ORDER))
    return query.join(Invitation, Invitation.id == Submission.invitation_id).order_by(
        section, Submission.proceedings_position.is_(None), Submission.proceedings_position,
        Invitation.speaking_order.is_(None), Invitation.speaking_order, Submission.invitation_id)


def pieces_to_order(conference: Conference, requested_page: int | None) -> PiecesToOrder:
    """One page of the included pieces in book order, the sections' sizes and the pieces left out."""
    sizes = dict(db.session.execute(
        _included(conference).with_only_columns(Submission.kind, sa.func.count()).group_by(Submission.kind)).all())
    section_sizes = {kind: sizes.get(kind, 0) for kind in SECTION_ORDER}
    total = sum(section_sizes.values())
    number = clamp(requested_page, total, PAGE_SIZE)
    rows = db.session.execute(_book_order(
        _included(conference).with_only_columns(Submission.id, Submission.title, Submission.kind, Organisation,
                                                _approved_version_number())
        .join(Organisation, Organisation.id == Submission.organisation_id))
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    before = {kind: sum(section_sizes[k] for k in SECTION_ORDER[:n]) for n, kind in enumerate(SECTION_ORDER)}
    listed = [ListedPiece(row.id, row.title, row.kind, row.Organisation, row.version_number,
                          (number - 1) * PAGE_SIZE + index + 1 - before[row.kind], section_sizes[row.kind])
              for index, row in enumerate(rows)]
    left_out = db.session.scalars(_book_order(_included(conference, excluded=True))
                                  .options(selectinload(Submission.organisation))).all()
    return PiecesToOrder(Page(listed, total, number, PAGE_SIZE),
                         {kind.value: n for kind, n in section_sizes.items()}, left_out)
