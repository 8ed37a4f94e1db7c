"""Sew a chunked build back into one book with pypdf.

The parts arrive as: the frame (front matter and back matter, typeset apart)
and the body chunks. Each was typeset alone, so whatever crosses a part boundary is
rebuilt here from what the workers reported: the outline (bookmarks), links
from the contents and index to pieces in other parts, page labels (roman,
then arabic) and the document metadata. Each part also embedded its own
subset of every Chinese face: the parts share one merged program per face
instead (``font_merge.py``), so the book is hardly bigger than one typeset
whole.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import Future
from importlib.resources import files
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    Fit,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from .folios import stamp_folios
from .font_merge import embedded_fonts
from .font_placeholders import is_placeholder
from .structure import TaggedPart, finish_structure, merge_structure, tag_link
from .tagging import is_archival, is_tagged, xmp_packet
from .typeset import TypesetResult, padded
from .workers import BookBuildError


class FontNotShared(BookBuildError):
    """A part's font was left for the book to share, and the book has no program for it."""


def frame_result(front: TypesetResult, back: TypesetResult) -> TypesetResult:
    """The front and back matter, typeset apart (at once), described as the one document
    they make: the back after the front and, if need be, a blank verso."""
    shift = padded(front.page_count)
    anchors = dict(front.anchors)
    for name, (i, x, y) in back.anchors.items():
        anchors.setdefault(name, (shift + i, x, y))
    return TypesetResult(
        page_count=shift + back.page_count, first_page=front.first_page, anchors=anchors,
        bookmarks=front.bookmarks + [(lvl, label, shift + i, x, y) for lvl, label, i, x, y in back.bookmarks],
        # a link from one to the other too: the assembling makes it
        dangling_links=front.dangling_links
        + [(shift + i, target, rect) for i, target, rect in back.dangling_links],
        refused=front.refused + back.refused,
        blank_pages=front.blank_pages + [shift + i for i in back.blank_pages])


class Body:
    """The body's pages, sewn part by part in reading order: a build does it as the parts
    arrive, while the workers typeset the rest of the book."""

    def __init__(self):
        self.writer = PdfWriter()
        #: (reader, index of its first page in the body) of each part, for a tagged book's tree
        self.parts: list[tuple[PdfReader, int]] = []

    def add(self, pdf, page_count: int) -> None:
        """Append a part (a path or a file object) of ``page_count`` pages."""
        reader = PdfReader(pdf)
        self.parts.append((reader, len(self.writer.pages)))
        # page by page: ``append`` also merges names and outlines, rebuilt at assembly anyway
        for page in reader.pages:
            self.writer.add_page(page)
        if padded(page_count) > page_count:
            # the next piece opens on a recto: a blank verso, as WeasyPrint leaves in one document
            self.writer.add_blank_page()


def assemble(out: Path, frame_pdfs: tuple, frame: TypesetResult, body: Body,
             chunks: list[TypesetResult], *, metadata: dict,
             book_fonts: dict[str, bytes] | Future | None = None, folios=None, pdf_variant: str = "",
             langs: list[str] | None = None, lang: str = "zh-CN") -> None:
    """Write front matter + ``body`` (its ``chunks`` sewn) + back matter to ``out`` with
    working navigation.

    ``frame_pdfs`` are the front matter and the back matter (paths or file
    objects), typeset apart; ``frame`` describes them as one document (:func:`frame_result`).

    ``book_fonts`` (from :mod:`font_merge`, of the chunks and the frame, or
    the future of it) replaces each part's own subset of a face (or its placeholder) by one
    program shared by the whole book. ``folios`` is (``folios.FolioKit``,
    [(body page index, folio), ...]): the body's folios to stamp, for parts
    typeset without them.
    ``pdf_variant`` (book.PDF_VARIANTS) other than "": the parts are tagged, and the book
    gets one structure tree (``structure.py``) with each chunk's elements in its language
    (``langs``, one per chunk; ``lang`` for the frame), folios as artifacts, XMP metadata
    and, for PDF/A, an output intent.
    """
    tagged = is_tagged(pdf_variant)
    front_pages = frame.anchors["key-task-index"][0]   # ends with a blank verso if need be
    body_pages = sum(padded(c.page_count) for c in chunks)

    # (first global page index, chunk) in reading order
    offsets, position = [], front_pages
    for chunk in chunks:
        offsets.append((position, chunk))
        position += padded(chunk.page_count)

    def frame_page(index):
        return index if index < front_pages else index + body_pages

    writer = body.writer
    if len(writer.pages) != body_pages:
        raise BookBuildError(f"the body has {len(writer.pages)} pages, its parts {body_pages}")
    front_reader, back_reader = (PdfReader(pdf) for pdf in frame_pdfs)
    for index, page in enumerate(front_reader.pages):
        writer.insert_page(page, index)
    if front_pages > len(front_reader.pages):
        # the index opens on a recto: a blank verso, as WeasyPrint leaves in one document
        writer.insert_blank_page(index=len(front_reader.pages))
    for page in back_reader.pages:
        writer.add_page(page)
    structure = None
    if tagged:
        parts = [TaggedPart(front_reader, {i: i for i in range(len(front_reader.pages))}, lang)]
        for (reader, start), chunk_lang in zip(body.parts, langs or [lang] * len(body.parts)):
            parts.append(TaggedPart(reader, {i: front_pages + start + i for i in range(len(reader.pages))},
                                    chunk_lang))
        parts.append(TaggedPart(back_reader, {i: front_pages + body_pages + i
                                              for i in range(len(back_reader.pages))}, lang))
        structure = merge_structure(writer, parts, lang)

    anchors = {name: (frame_page(i), x, y) for name, (i, x, y) in frame.anchors.items()}
    bookmarks = [(lvl, label, frame_page(i), x, y) for lvl, label, i, x, y in frame.bookmarks]
    links = [(frame_page(i), target, rect) for i, target, rect in frame.dangling_links]
    for start, chunk in offsets:
        for name, (i, x, y) in chunk.anchors.items():
            anchors.setdefault(name, (start + i, x, y))
        bookmarks.extend((lvl, label, start + i, x, y) for lvl, label, i, x, y in chunk.bookmarks)
        links.extend((start + i, target, rect) for i, target, rect in chunk.dangling_links)

    if folios:
        kit, stamps = folios
        stamp_folios(writer, kit, [(front_pages + index, number) for index, number in stamps], artifact=tagged)
    for page_index, annotation, target in _add_links(writer, links, anchors):
        if structure is not None:
            tag_link(writer, structure, page_index, annotation, target)
    _name_destinations(writer, anchors)
    _add_outline(writer, sorted(bookmarks, key=lambda b: (b[2], -b[4])))
    writer.set_page_label(0, front_pages - 1, style="/r", start=1)
    writer.set_page_label(front_pages, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata(metadata)
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang if tagged else "zh-CN")
    writer.page_mode = "/UseOutlines"
    if isinstance(book_fonts, Future):   # cut meanwhile
        book_fonts = book_fonts.result()
    _share_font_programs(writer, writer.pages, book_fonts or {})
    _distinct_subset_tags(writer)
    if structure is not None:
        finish_structure(writer, structure)
        _claim(writer, pdf_variant, metadata, [part.reader for part in parts])
    # drops the per-part font programs replaced above, and any duplicate
    # object (the same image or descriptor in several parts)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with open(out, "wb") as handle:
        writer.write(handle)


def _add_links(writer: PdfWriter, links, anchors):
    """Links whose target lives in another part: the contents and the index, mostly.
    Yields (page index, annotation, target) of each."""
    for page_index, target, rect in links:
        if target not in anchors:
            continue
        target_page, x, y = anchors[target]
        # /XYZ with zoom 0 keeps the reader's zoom, as WeasyPrint's own links do
        yield page_index, writer.add_annotation(page_index, Link(
            rect=rect, target_page_index=target_page, fit=Fit.xyz(x, y, 0), border=[0, 0, 0])), target


def _claim(writer: PdfWriter, variant: str, metadata: dict, readers) -> None:
    """What the variant claims of the whole file: XMP metadata, a file identifier that depends
    only on the parts, and for PDF/A an sRGB output intent and printable annotations."""
    stream = StreamObject()
    stream.set_data(xmp_packet(metadata, variant))
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    digest = hashlib.sha256()
    for reader in readers:
        stream_of = reader.stream
        stream_of.seek(0)
        digest.update(stream_of.read())
    identifier = ByteStringObject(digest.digest()[:16])
    writer._ID = ArrayObject([identifier, identifier])
    writer.pdf_header = b"%PDF-1.7"
    if not is_archival(variant):
        return
    profile = DecodedStreamObject()
    profile.set_data((files("weasyprint.pdf") / "sRGB2014.icc").read_bytes())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"), NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB2014.icc"),
        NameObject("/Info"): TextStringObject("sRGB2014.icc"),
        NameObject("/DestOutputProfile"): writer._add_object(profile.flate_encode())})
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([intent])
    for page in writer.pages:
        for annotation in page.get("/Annots", ()):
            annotation.get_object()[NameObject("/F")] = NumberObject(4)   # print, as PDF/A asks


def _name_destinations(writer: PdfWriter, anchors) -> None:
    """One /XYZ named destination per anchor, as WeasyPrint writes them for one document.

    The frame's own links name their targets (the index, the sections); the
    names each part brought (or lost, with the frame's pages) are replaced."""
    names = ArrayObject()
    for name in sorted(anchors):
        page, x, y = anchors[name]
        names.extend([TextStringObject(name), ArrayObject([
            writer.pages[page].indirect_reference, NameObject("/XYZ"),
            FloatObject(x), FloatObject(y), NumberObject(0)])])
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/Dests"): DictionaryObject({NameObject("/Names"): names})})


def _add_outline(writer: PdfWriter, bookmarks) -> None:
    """Nest bookmarks by level, as WeasyPrint would have for a single document."""
    parents: list[tuple[int, object]] = []
    for level, label, page, x, y in bookmarks:
        while parents and parents[-1][0] >= level:
            parents.pop()
        parent = parents[-1][1] if parents else None
        item = writer.add_outline_item(title=label, page_number=page, parent=parent,
                                       fit=Fit.xyz(x, y, 0))
        parents.append((level, item))


def _distinct_subset_tags(writer: PdfWriter) -> None:
    """Give every font program its own subset tag (ISO 32000-1 §9.6.4).

    WeasyPrint derives a tag from the font file, so parts typeset apart name
    different subsets of one face alike ("ABCDEF+Noto-Serif"), and print RIPs
    cache fonts by name. Where a name covers several programs, each is tagged
    from a hash of its bytes: the same program keeps the same name."""

    programs: dict[int, list] = {}        # program object number -> [(font parts), ...]
    names: dict[str, set[int]] = {}
    seen = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object().values() if fonts else ()):
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            parts = [font] + ([font["/DescendantFonts"][0].get_object()] if "/DescendantFonts" in font else [])
            descriptor = parts[-1].get("/FontDescriptor")
            if descriptor is None or "+" not in str(font.get("/BaseFont", "")):
                continue
            descriptor = descriptor.get_object()
            program = next((descriptor.raw_get(k) for k in ("/FontFile", "/FontFile2", "/FontFile3")
                            if k in descriptor), None)
            if program is None or not hasattr(program, "idnum"):
                continue
            programs.setdefault(program.idnum, []).append((parts, descriptor, program))
            names.setdefault(str(font["/BaseFont"]).split("+", 1)[1], set()).add(program.idnum)
    for name, numbers in names.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            digest = hashlib.sha256(programs[number][0][2].get_object().get_data()).digest()
            tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
            for parts, descriptor, _program in programs[number]:
                for part in parts:
                    part[NameObject("/BaseFont")] = NameObject(f"/{tag}+{name}")
                descriptor[NameObject("/FontName")] = NameObject(f"/{tag}+{name}")


def _share_font_programs(writer: PdfWriter, pages, programs: dict[str, bytes]) -> None:
    """Point the font descriptors of ``pages`` at one shared program per face.

    A part's placeholder (``font_placeholders.py``) with no program to stand for
    it would print nothing: the build fails instead."""
    shared = {}
    for descriptor, name, key, _gids in embedded_fonts(pages):
        if name not in programs:
            if is_placeholder(descriptor[key].get_object().get_data()):
                raise FontNotShared(f"no program for the font {name} of the book (is its face installed "
                                    "where the book is assembled, and HarfBuzz's subsetter?)")
            continue
        if name not in shared:
            stream = DecodedStreamObject()
            stream.set_data(programs[name])
            stream = stream.flate_encode()
            if key == "/FontFile3":
                stream[NameObject("/Subtype")] = NameObject("/OpenType")
            else:
                stream[NameObject("/Length1")] = NumberObject(len(programs[name]))
            shared[name] = writer._add_object(stream)
        descriptor[NameObject(key)] = shared[name]
