"""What a proceedings book is made of, as plain immutable data.

The web layer builds these from approved submission versions; the renderer
reads nothing else, so a book can be typeset (and tested) without Flask or
a database.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

PieceKind = Literal["oral", "written"]
PieceLang = Literal["zh-CN", "en"]

#: The book's styles, chosen per edition: a ministry compilation (汇编, GB/T
#: 9704-like: 12pt Song, "— n —" folios, notes ①②) or Western proceedings for
#: an English edition (print-western.css: Noto Serif, plain folios at the outer
#: corner, notes 1 2, an English cover and English section titles).
BOOK_STYLES = ("ministry", "western")

#: The PDF standards an edition may claim, chosen per edition: "" a plain PDF;
#: "pdf/ua-1" tagged for screen readers (structure tree, /Lang per piece, /Alt on
#: figures, folios as artifacts); "pdf/a-3u" for the archive (an sRGB output
#: intent, XMP claiming PDF/A-3u; tagged too, so that it also reads aloud).
PDF_VARIANTS = ("", "pdf/ua-1", "pdf/a-3u")

# The book's two parts, in Chinese and English, in the order they print.
SECTION_TITLES: dict[PieceKind, tuple[str, str]] = {
    "oral": ("大会交流发言", "Oral exchange speeches"),
    "written": ("书面交流材料", "Written exchange materials"),
}


@dataclass(frozen=True)
class BookConference:
    """The conference the book records, in both languages."""

    title_zh: str
    title_en: str
    organiser_zh: str
    organiser_en: str
    city_zh: str
    city_en: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class BookKeyTask:
    """One numbered key task of the conference."""

    number: int
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class BookPiece:
    """One approved piece, exactly as it will print.

    ``body_html`` is an already sanitised HTML fragment; its images point at
    ``/attachments/<sha256>`` and ``attachment_paths`` maps those hashes to
    the stored files — the only attachments the renderer may read.
    """

    key: str
    kind: PieceKind
    organisation_zh: str
    organisation_en: str
    title: str
    subtitle: str
    speaker_name: str
    speaker_post: str
    key_tasks: tuple[BookKeyTask, ...]
    abstract: str
    body_html: str
    lang: PieceLang = "zh-CN"
    attachment_paths: Mapping[str, Path] = field(default_factory=dict)
    #: the piece's number as the edition numbers pieces (numbering.py), printed
    #: before its title in the contents and at its opening: "1." or "一、"
    number_label: str = ""
    #: per-section numbering also prints "大会交流发言之一" over the title
    number_line: str = ""

    @property
    def anchor(self) -> str:
        """The HTML id of the piece's opening, used by links and the contents."""
        # Keys come from the web layer and may hold any character; a hash
        # gives a stable id that is always a valid CSS/HTML identifier.
        return "piece-" + hashlib.sha1(self.key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BookSection:
    """A part of the book: oral exchange speeches or written exchange materials."""

    kind: PieceKind
    title_zh: str
    title_en: str
    pieces: tuple[BookPiece, ...]


@dataclass(frozen=True)
class BookProgrammeRow:
    """One speech of the oral session, as the book's programme page (发言顺序表) prints it."""

    order: int
    bureau_zh: str
    bureau_en: str
    speaker_name: str
    speaker_post: str
    #: planned minutes; None when the bureau gave none
    minutes: int | None


@dataclass(frozen=True)
class BookSpec:
    """Everything one edition of the proceedings prints, in order."""

    conference: BookConference
    edition_number: int | None
    edition_date: date
    cover_note: str
    foreword_html: str
    sections: tuple[BookSection, ...]
    key_tasks: tuple[BookKeyTask, ...]
    #: one of BOOK_STYLES, frozen with the edition
    style: str = "ministry"
    #: one of PDF_VARIANTS, frozen with the edition
    pdf_variant: str = ""
    #: the programme of the oral session printed in the front matter, in speaking
    #: order; None when the edition does not print one
    programme: tuple[BookProgrammeRow, ...] | None = None

    @property
    def pieces(self) -> tuple[BookPiece, ...]:
        """Every piece in reading order."""
        return tuple(p for s in self.sections for p in s.pieces)


@dataclass(frozen=True)
class BookMetadata:
    """What the PDF says of itself: the HTML ``<meta>`` of the book and the merged PDF's info alike."""

    title: str
    author: str
    subject: str
    keywords: str


def book_metadata(spec: BookSpec) -> BookMetadata:
    conference = spec.conference
    edition = f", edition {spec.edition_number}" if spec.edition_number else ""
    if spec.style == "western":
        return BookMetadata(
            title=f"{conference.title_en}: Proceedings",
            author=conference.organiser_en,
            subject=f"Proceedings of {conference.title_en}{edition}",
            keywords=", ".join(t.title_en for t in spec.key_tasks),
        )
    return BookMetadata(
        title=f"{conference.title_zh} 交流材料汇编",
        author=conference.organiser_zh,
        subject=f"{conference.title_en}: proceedings{edition}",
        keywords=", ".join(t.title_zh for t in spec.key_tasks),
    )
