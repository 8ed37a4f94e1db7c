"""The body's folios ("— 12 —", or "12" at the outer corner in the western style), stamped on the pages when the book is assembled.

Body pieces are typeset without their folio (``typeset.NO_FOLIO``), so that
their pages do not depend on where they land and can be kept in the piece
cache. The folio must still look exactly as WeasyPrint prints it from the
stylesheet's ``@bottom-center``: same face, size and place. So WeasyPrint
itself typesets a small *kit* — a few pages whose folios hold every digit
(``— 1234567890 —``) and one number of each length (8, 88, 888…) — and
each body page gets a copy of the kit's drawing with its own glyphs. The
stylesheet centres the folio; the book's figures are tabular (checked),
so a folio's place depends only on how many digits it has. The kit depends
on nothing but the engine and is cached like a piece.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

#: Folio lengths the kit measures; a book of 100,000 pages would need more.
_LENGTHS = 6
_ALL_DIGITS = 1234567890


def kit_html(style: str = "ministry") -> str:
    """The kit of a book style: the first page (a recto) numbered with every digit, then
    one number of each length on a verso and on a recto (the western folio sits at the
    outer corner, so its place depends on the side)."""
    western = style == "western"
    resets = [f"@page :nth(1) {{ counter-reset: page {_ALL_DIGITS} !important }}"]
    for k in range(_LENGTHS):
        for side in (0, 1):
            resets.append(f"@page :nth({2 + 2 * k + side}) {{ counter-reset: page {'8' * (k + 1)} !important }}")
    return ('<!DOCTYPE html><html lang="' + ("en" if western else "zh-CN") + '"'
            + (' class="book-western"' if western else "") + '><head><meta charset="utf-8">'
            '<link rel="stylesheet" href="/static/css/print.css">'
            + ('<link rel="stylesheet" href="/static/css/print-western.css">' if western else "")
            + "<style>" + "".join(resets) + ".kit-page { break-before: page }</style></head><body>"
            + '<div class="kit-page"></div>' * (1 + 2 * _LENGTHS) + "</body></html>")


#: The ministry's kit (the default book style).
KIT_HTML = kit_html("ministry")
FONT_NAME = NameObject("/HBFolio")
STATE_NAME = NameObject("/HBFolioGS")

_TEXT = re.compile(rb"1 0 0 -1 (?P<x>\S+) (?P<y>\S+) Tm\n/(?P<font>\S+) (?P<size>\S+) Tf\n\[(?P<glyphs>[^\]]*)\] TJ")
_STATE = re.compile(rb"/(\S+) gs")


class FolioKitError(RuntimeError):
    """The kit did not come out as expected (a WeasyPrint release writing folios otherwise)."""


@dataclass
class FolioKit:
    """What it takes to draw any folio: the kit's drawing, glyph codes, places, font."""

    template: bytes            # one folio's content stream, with @X@ and @GLYPHS@ to fill in
    codes: dict[str, str]      # character -> 4 hex digits of its glyph code
    x_by_length: dict[tuple[int, bool], bytes]   # (digits, on a recto) -> x
    font: object               # the kit's font dictionary (in the kit's reader)
    state: object | None       # the kit's graphics state dictionary, if any
    style: str = "ministry"

    @classmethod
    def read(cls, pdf, style: str = "ministry") -> FolioKit:
        """Learn the folio from the kit WeasyPrint typeset (a path or a file object)."""
        reader = PdfReader(pdf)
        if len(reader.pages) != 2 * _LENGTHS + 1:
            raise FolioKitError(f"the folio kit has {len(reader.pages)} pages")
        found = []
        for page in reader.pages:
            stream = page.get_contents().get_data()
            match = _TEXT.search(stream)
            if match is None:
                raise FolioKitError("no folio on a page of the kit")
            found.append((stream, match))
        stream, first = found[0]
        glyphs = re.findall(rb"<([0-9a-fA-F]+)>", first["glyphs"])
        codes_in_order = [c.decode() for g in glyphs for c in re.findall(rb"[0-9a-fA-F]{4}", g)]
        text = folio_text(_ALL_DIGITS, style)
        shifts = re.sub(rb"<[^>]*>", b" ", first["glyphs"]).split()
        if len(codes_in_order) != len(text) or any(float(s) != 0 for s in shifts):
            raise FolioKitError("the folio's glyphs are not one code per character, unkerned")
        codes = dict(zip(text, codes_in_order))
        if len({codes[d] for d in "0123456789"}) != 10:
            raise FolioKitError("the kit does not show every digit")
        x_by_length = {}
        for index, (page_stream, match) in enumerate(found[1:]):
            if match["y"] != first["y"] or match["font"] != first["font"]:
                raise FolioKitError("folios of the kit do not share a line and a face")
            # kit page 2 + 2k is a verso, 3 + 2k a recto (the first page is a recto)
            x_by_length[(index // 2 + 1, index % 2 == 1)] = match["x"]
        resources = reader.pages[0]["/Resources"].get_object()
        font = resources["/Font"].get_object()[f"/{first['font'].decode()}"]
        states = _STATE.findall(stream)
        state = resources["/ExtGState"].get_object()[f"/{states[0].decode()}"] if states else None
        template = stream[:first.start()] + (b"1 0 0 -1 @X@ " + first["y"] + b" Tm\n/"
                                            + FONT_NAME[1:].encode() + b" " + first["size"]
                                            + b" Tf\n[<@GLYPHS@>] TJ") + stream[first.end():]
        if states:
            template = template.replace(b"/" + states[0] + b" gs", b"/" + STATE_NAME[1:].encode() + b" gs")
        # The drawing starts with a transform outside any q: keep it to itself.
        return cls(template=b"q\n" + template + b"\nQ\n", codes=codes, x_by_length=x_by_length,
                   font=font, state=state, style=style)

    def drawing(self, number: int) -> bytes:
        """The content stream that draws the folio of page ``number``."""
        text = folio_text(number, self.style)
        # the body opens on a recto numbered 1: odd folios are rectos
        place = (len(str(number)), number % 2 == 1)
        if place not in self.x_by_length:
            raise FolioKitError(f"no folio place measured for {place[0]}-digit numbers")
        return (self.template.replace(b"@X@", self.x_by_length[place])
                .replace(b"@GLYPHS@", "".join(self.codes[c] for c in text).encode()))


def folio_text(number: int, style: str = "ministry") -> str:
    """The folio as the stylesheet writes it: ``"— " counter(page) " —"`` (ministry), or
    the plain number (western, print-western.css)."""
    return str(number) if style == "western" else f"— {number} —"


#: A folio in a tagged book is page furniture, not content a screen reader reads (PDF/UA 7.8).
ARTIFACT_BEGIN = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
ARTIFACT_END = b"\nEMC\n"


def stamp_folios(writer: PdfWriter, kit: FolioKit, pages: list[tuple[int, int]], artifact: bool = False) -> None:
    """Draw folio ``number`` on each (writer page index, number) of ``pages``; ``artifact``
    marks each as an /Artifact (a tagged book)."""
    font, state = (_into(writer, kit.font),
                   _into(writer, kit.state) if kit.state is not None else None)
    # the piece's own drawing leaves its transform set: enclose it in q … Q
    push, pop = _stream(writer, b"q\n"), _stream(writer, b"\nQ\n")
    done = set()
    for index, number in pages:
        page = writer.pages[index]
        resources = page["/Resources"].get_object()
        if id(resources) not in done:   # a piece's pages share their resources
            done.add(id(resources))
            _entry(resources, "/Font")[FONT_NAME] = font
            if state is not None:
                _entry(resources, "/ExtGState")[STATE_NAME] = state
        contents = page.raw_get("/Contents") if "/Contents" in page else None
        parts = ArrayObject([push])
        if contents is not None:
            resolved = contents.get_object()
            parts.extend(resolved if isinstance(resolved, ArrayObject) else [contents])
        drawing = kit.drawing(number)
        if artifact:
            drawing = ARTIFACT_BEGIN + drawing + ARTIFACT_END
        parts.extend([pop, _stream(writer, drawing, compress=True)])
        page[NameObject("/Contents")] = parts


def _into(writer: PdfWriter, obj):
    """An indirect reference, in ``writer``, to a copy of the kit's ``obj``."""
    clone = obj.clone(writer)
    return getattr(clone, "indirect_reference", None) or writer._add_object(clone)


def _entry(resources, name: str):
    if name not in resources:
        resources[NameObject(name)] = DictionaryObject()
    return resources[name].get_object()


def _stream(writer: PdfWriter, data: bytes, compress: bool = False):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream.flate_encode() if compress else stream)
