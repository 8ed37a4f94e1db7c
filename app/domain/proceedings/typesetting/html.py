"""The book as HTML: the Jinja template filled in from a :class:`BookSpec`.

Autoescaping is on; only piece bodies and the foreword, sanitised before
they reach the book, are inserted as markup.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timezone
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.config import ROOT

from .bodies import printable_body
from .book import BookConference, BookMetadata, BookPiece, BookSection, BookSpec, book_metadata

TEMPLATES_DIR = ROOT / "templates"
#: The sections' titles in a Western proceedings book (style "western").
WESTERN_SECTION_TITLES = {"oral": "Oral exchanges", "written": "Written exchanges"}


@dataclass(frozen=True)
class BodyItem:
    """One entry of the body: a section title page or a piece."""

    kind: str
    section: BookSection
    anchor: str
    piece: BookPiece | None = None




@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["body_html"] = _scoped_body
    env.globals["western_section_titles"] = WESTERN_SECTION_TITLES
    return env


def book_html(spec: BookSpec, *, parts=("front", "body", "back"), items=None,
              page_numbers: Mapping[str, int] | None = None,
              created: datetime | None = None, neutral_head: bool = False) -> str:
    """The book (or the given parts of it) as one HTML document.

    The document is dated from the edition, not the clock: the same edition
    content gives the same bytes. ``neutral_head`` leaves the edition's
    metadata out of ``<head>`` (a body item typeset alone, for the piece
    cache: its pages must not change with the edition number).
    """
    conference = spec.conference
    created = created or datetime.combine(spec.edition_date, time(0), tzinfo=timezone.utc)

    def page_attr(anchor):
        if page_numbers is None:
            return ""
        return Markup(' data-page="{}"').format(page_numbers[anchor])

    return _environment().get_template("book/book.html").render(
        spec=spec, conference=conference, parts=parts, western=spec.style == "western",
        items=body_items(spec) if items is None else items,
        toc=[_TocSection(s, f"section-{i}") for i, s in enumerate(spec.sections, 1)],
        # the front and back matter print it, a body item does not (and one is made 160 times a build)
        index=_key_task_index(spec) if {"front", "back"} & set(parts) else [],
        page_attr=page_attr,
        dates_zh=_dates_zh(conference), dates_en=_dates_en(conference),
        edition_date_zh=f"{spec.edition_date.year}年{spec.edition_date.month}月{spec.edition_date.day}日",
        meta=BookMetadata("", "", "", "") if neutral_head else book_metadata(spec),
        created=created.isoformat())


@dataclass(frozen=True)
class _TocSection:
    section: BookSection
    anchor: str

    def __getattr__(self, name):
        return getattr(self.section, name)


def body_items(spec: BookSpec) -> list[BodyItem]:
    items = []
    for i, section in enumerate(spec.sections, 1):
        items.append(BodyItem("section", section, f"section-{i}"))
        items.extend(BodyItem("piece", section, p.anchor, p) for p in section.pieces)
    return items


def _key_task_index(spec: BookSpec):
    return [(task, [p for p in spec.pieces if any(t.number == task.number for t in p.key_tasks)])
            for task in spec.key_tasks]


def _dates_zh(c: BookConference) -> str:
    start = f"{c.starts_on.year}年{c.starts_on.month}月{c.starts_on.day}日"
    if c.ends_on == c.starts_on:
        return start
    return f"{start}—{c.ends_on.month}月{c.ends_on.day}日"


def _dates_en(c: BookConference) -> str:
    if c.ends_on == c.starts_on:
        return c.starts_on.strftime("%-d %B %Y")
    return f"{c.starts_on.strftime('%-d %B')} – {c.ends_on.strftime('%-d %B %Y')}"


_ID_ATTR = re.compile(r'\b(id|href)="(#?)([^"]*)"')


def _scoped_body(piece: BookPiece) -> Markup:
    """The piece's sanitised body, made printable (``bodies.py``), with its ids unique in the book.

    Every piece written with footnotes has ``fn1``; prefixing ids and
    same-piece ``#`` links with the piece's anchor keeps each link
    pointing into its own piece.
    """
    def scope(match):
        attr, hash_, value = match.groups()
        if attr == "href" and not hash_:
            return match.group(0)
        return f'{attr}="{hash_}{piece.anchor}-{value}"'

    return Markup(_ID_ATTR.sub(scope, printable_body(piece.body_html, piece.lang)))
