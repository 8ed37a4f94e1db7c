"""The editors' list of the next edition's pieces, a page at a time.

A book of 180 approved pieces is ordered a page of them at a time: the page
costs the same queries and the same HTML however many pieces are approved.
Positions are within a section (oral speeches, then written exchanges), as
:mod:`app.domain.proceedings.order` stores them, so a position typed on page
three moves the piece anywhere in its section.

The list is read as columns by statements built once, at import: building
the subquery and the CASE of the book order cost more than running them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

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


class BureauName(NamedTuple):
    """A bureau's name in both languages, all a list row shows of it (``localized(b, 'name')``)."""

    name_zh: str
    name_en: str


@dataclass(frozen=True)
class ListedPiece:
    id: int
    title: str
    kind: ExchangeKind
    organisation: BureauName
    version_number: int
    # 1-based, within its section.
    position: int
    section_size: int


class LeftOutPiece(NamedTuple):
    id: int
    title: str
    kind: ExchangeKind
    exclusion_reason: str
    organisation: BureauName


@dataclass
class PiecesToOrder:
    page: Page[ListedPiece]
    # Included pieces per section, by kind value ("oral", "written").
    section_sizes: dict[str, int]
    left_out: list[LeftOutPiece]

    def section(self, kind: str) -> list[ListedPiece]:
        """The page's pieces of one section (by kind value), in book order."""
        return [piece for piece in self.page.items if piece.kind.value == kind]


_CONFERENCE = sa.bindparam("conference_id")


def _in_book(*, excluded: bool) -> tuple:
    # A piece is in the book with the version its approval points at: one without is not listed.
    approved = sa.exists().where(Decision.submission_id == Submission.id, Decision.outcome == DecisionOutcome.APPROVE)
    return (Submission.conference_id == _CONFERENCE, Submission.state == SubmissionState.APPROVED,
            Submission.excluded_from_proceedings.is_(excluded), approved)


#: The number of the version a piece's latest approval points at (as ``spec.approved_versions``
#: finds it: the last decided, then the last written), in the row of the piece.
_APPROVED_VERSION_NUMBER = (
    sa.select(SubmissionVersion.number)
    .join(Decision, Decision.version_id == SubmissionVersion.id)
    .where(Decision.submission_id == Submission.id, Decision.outcome == DecisionOutcome.APPROVE)
    .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1)
    .correlate(Submission).scalar_subquery().label("version_number"))

#: The order of ``spec.book_order_key``, in SQL.
_BOOK_ORDER = (
    sa.case(*((Submission.kind == kind, n) for n, kind in enumerate(SECTION_ORDER)), else_=len(SECTION_ORDER)),
    Submission.proceedings_position.is_(None), Submission.proceedings_position,
    Invitation.speaking_order.is_(None), Invitation.speaking_order, Submission.invitation_id)

#: Each section's size rides on every row of the page (a window over every included piece, counted
#: before the LIMIT): no query of its own.
_SECTION_SIZE_COLUMNS = tuple(
    sa.func.sum(sa.case((Submission.kind == kind, 1), else_=0)).over().label(f"size_{kind.value}")
    for kind in SECTION_ORDER)

_PAGE = (sa.select(Submission.id, Submission.title, Submission.kind, Organisation.name_zh, Organisation.name_en,
                   _APPROVED_VERSION_NUMBER, *_SECTION_SIZE_COLUMNS)
         .join(Invitation, Invitation.id == Submission.invitation_id)
         .join(Organisation, Organisation.id == Submission.organisation_id)
         .where(*_in_book(excluded=False)).order_by(*_BOOK_ORDER)
         .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))

# Asked only when the page asked for is past the end (a bookmark of a shorter list).
_SECTION_SIZES = (sa.select(Submission.kind, sa.func.count()).where(*_in_book(excluded=False))
                  .group_by(Submission.kind))

_LEFT_OUT = (sa.select(Submission.id, Submission.title, Submission.kind, Submission.exclusion_reason,
                       Organisation.name_zh, Organisation.name_en)
             .join(Invitation, Invitation.id == Submission.invitation_id)
             .join(Organisation, Organisation.id == Submission.organisation_id)
             .where(*_in_book(excluded=True)).order_by(*_BOOK_ORDER))


def pieces_to_order(conference: Conference, requested_page: int | None) -> PiecesToOrder:
    """One page of the included pieces in book order, the sections' sizes and the pieces left out."""
    of_conference = {"conference_id": conference.id}
    number = max(1, requested_page or 1)
    rows = _page_rows(of_conference, number)
    if rows:
        section_sizes = {kind: rows[0][6 + n] for n, kind in enumerate(SECTION_ORDER)}
    else:   # no piece at all, or a page past the end: the sizes say which, the last page is shown
        sizes = dict(db.session.execute(_SECTION_SIZES, of_conference).all())
        section_sizes = {kind: sizes.get(kind, 0) for kind in SECTION_ORDER}
        last = clamp(number, sum(section_sizes.values()), PAGE_SIZE)
        if last != number:
            number, rows = last, _page_rows(of_conference, last)
    total = sum(section_sizes.values())
    first = (number - 1) * PAGE_SIZE
    before, counted = {}, 0
    for kind in SECTION_ORDER:
        before[kind], counted = counted, counted + section_sizes[kind]
    listed = [ListedPiece(id, title, kind, BureauName(name_zh, name_en), version_number,
                          first + index + 1 - before[kind], section_sizes[kind])
              for index, (id, title, kind, name_zh, name_en, version_number, *_sizes) in enumerate(rows)]
    left_out = [LeftOutPiece(id, title, kind, reason, BureauName(name_zh, name_en))
                for id, title, kind, reason, name_zh, name_en in db.session.execute(_LEFT_OUT, of_conference)]
    return PiecesToOrder(Page(listed, total, number, PAGE_SIZE),
                         {kind.value: n for kind, n in section_sizes.items()}, left_out)


def _page_rows(of_conference: dict, number: int) -> list:
    return db.session.execute(_PAGE, {**of_conference, "limit": PAGE_SIZE,
                                      "offset": (number - 1) * PAGE_SIZE}).all()
