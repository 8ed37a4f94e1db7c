"""The editors' list of the next edition's pieces, a page at a time.

A book of 180 approved pieces is ordered a page of them at a time: the page
costs the same queries and the same HTML however many pieces are approved.
Positions are within a section (oral speeches, then written exchanges), as
:mod:`app.domain.proceedings.order` stores them, so a position typed on page
three moves the piece anywhere in its section.

The book's order is sorted once per change of the conference and kept
(``book_order``); a page reads its rows as columns, by id, with statements
built once, at import: building them cost more than running them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from app.domain.paging import Page, clamp
from app.domain.proceedings.spec import SECTION_ORDER
from app.domain.summary_cache import summaries
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


class BookOrder(NamedTuple):
    """A conference's approved pieces in book order (``spec.book_order_key``): a summary kept under its stamp."""

    included: tuple[tuple[int, ExchangeKind, int], ...]  # (piece id, kind, approved version's number), in order
    left_out: tuple[int, ...]  # approved, left out by an editor, in the same order


_CONFERENCE = sa.bindparam("conference_id")


# An approved piece of the conference, in the book or left out. A piece is in the book with the
# version its approval points at: one without is not listed.
_APPROVED = (Submission.conference_id == _CONFERENCE, Submission.state == SubmissionState.APPROVED,
             sa.exists().where(Decision.submission_id == Submission.id, Decision.outcome == DecisionOutcome.APPROVE))


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

# Every approved piece of the conference, in and out of the book, in book order: ids, kinds, versions.
_BOOK = (sa.select(Submission.id, Submission.kind, Submission.excluded_from_proceedings, _APPROVED_VERSION_NUMBER)
         .join(Invitation, Invitation.id == Submission.invitation_id)
         .where(*_APPROVED).order_by(*_BOOK_ORDER))

# What a row shows of the pieces named by ``ids`` (a page of the list, or those left out).
_ROWS = (sa.select(Submission.id, Submission.title, Submission.kind, Submission.exclusion_reason,
                   Organisation.name_zh, Organisation.name_en)
         .join(Organisation, Organisation.id == Submission.organisation_id)
         .where(Submission.id.in_(sa.bindparam("ids", expanding=True))))


def book_order(conference: Conference) -> BookOrder:
    """The conference's approved pieces in book order, sorted once per change of the conference.

    Sorting every approved piece of a book of 300 on each view of the
    editors' page cost what the rest of the page did; kept under the
    conference's summary stamp (``app.domain.summary_cache``), a page of the
    list reads only its fifty rows, by id.
    """
    return summaries("book order", [conference], _sort_books)[conference.id]


def _sort_books(conferences: list[Conference]) -> dict[int, BookOrder]:
    orders = {}
    for conference in conferences:
        included, left_out = [], []
        for piece_id, kind, excluded, version_number in db.session.execute(_BOOK, {"conference_id": conference.id}):
            if excluded:
                left_out.append(piece_id)
            else:
                included.append((piece_id, kind, version_number))
        orders[conference.id] = BookOrder(tuple(included), tuple(left_out))
    return orders


def pieces_to_order(conference: Conference, requested_page: int | None) -> PiecesToOrder:
    """One page of the included pieces in book order, the sections' sizes and the pieces left out.

    A page past the end (a bookmark of a shorter list) shows the last page.
    """
    order = book_order(conference)
    section_sizes = {kind: 0 for kind in SECTION_ORDER}
    for _id, kind, _version in order.included:
        section_sizes[kind] += 1
    number = clamp(requested_page, len(order.included), PAGE_SIZE)
    first = (number - 1) * PAGE_SIZE
    on_page = order.included[first:first + PAGE_SIZE]
    rows = _rows([piece_id for piece_id, _kind, _version in on_page] + list(order.left_out))
    before, counted = {}, 0
    for kind in SECTION_ORDER:
        before[kind], counted = counted, counted + section_sizes[kind]
    listed = []
    for index, (piece_id, kind, version_number) in enumerate(on_page):
        if piece_id not in rows:  # gone since the order was sorted (a commit a moment ago): passed over
            continue
        _id, title, _kind, _reason, name_zh, name_en = rows[piece_id]
        listed.append(ListedPiece(piece_id, title, kind, BureauName(name_zh, name_en), version_number,
                                  first + index + 1 - before[kind], section_sizes[kind]))
    left_out = [LeftOutPiece(piece_id, title, kind, reason, BureauName(name_zh, name_en))
                for piece_id in order.left_out if piece_id in rows
                for _id, title, kind, reason, name_zh, name_en in [rows[piece_id]]]
    return PiecesToOrder(Page(listed, len(order.included), number, PAGE_SIZE),
                         {kind.value: n for kind, n in section_sizes.items()}, left_out)


def _rows(ids: list[int]) -> dict[int, sa.Row]:
    if not ids:
        return {}
    return {row.id: row for row in db.session.execute(_ROWS, {"ids": ids})}
