"""Pages of a list: the rows of one page and where it stands among the others.

Every page that lists grows by pages, never by rows: a list of 3,000 pieces
costs the same queries and the same HTML as one of 60. Offset paging: the
lists are read by people who jump to "page 4", and their ordering columns
(bureau, kind, dates) are not unique enough for a keyset to stay simple.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa

from app.extensions import db

T = TypeVar("T")

#: Rows on a page unless a list says otherwise.
PAGE_SIZE = 50


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_row(self) -> int:
        """The 1-based number of the page's first row (0 on an empty list)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)


def clamp(requested: int | None, total: int, size: int = PAGE_SIZE) -> int:
    """The page to show: a page past the end shows the last, nonsense shows the first."""
    pages = max(1, math.ceil(total / size))
    return min(max(1, requested or 1), pages)


def count(query: sa.Select) -> int:
    """How many rows ``query`` would return, counted in SQL.

    Counted over its FROM and WHERE alone: a subquery of an entity's select
    would name every column, the deferred bodies too.
    """
    query = query.order_by(None)
    if not (query._distinct or query._group_by_clauses):
        query = query.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def paged(query: sa.Select, requested: int | None, *, size: int = PAGE_SIZE, scalars: bool = True) -> Page:
    """One page of ``query`` (already ordered): one count and one select of ``size`` rows."""
    total = count(query)
    number = clamp(requested, total, size)
    result = db.session.execute(query.limit(size).offset((number - 1) * size))
    items = list(result.scalars() if scalars else result.all())
    return Page(items, total, number, size)
