"""A book part's fonts, written as placeholders for the book's shared programs.

Runs in the worker. A part typeset to be assembled into the book (a body
item, the frame, the folio kit) need not carry its own subset of each face:
at assembly every part's program of a face is replaced by one program shared
by the whole book (``font_merge.py``), and cutting a Noto CJK subset costs
WeasyPrint some 30 ms per face and part — a sixth of the typesetting of a
piece. So in such a part a face the book can share (installed here, with
HarfBuzz's subsetter at hand) gets a placeholder program instead: a few
bytes naming the face. WeasyPrint still writes the widths (``/W``, which
give the glyph ids the shared program must hold) and the text extraction
map (``/ToUnicode``). A part is then never printed on its own, only
assembled; ``assemble.py`` refuses to leave a placeholder in a book.

What ``font_merge.book_font_programs`` needs of the part (:func:`document_fonts`)
is read from WeasyPrint's document, not from the PDF written. And since no
subset is cut from it, a face's file is read into memory once per worker
rather than once per document and face (WeasyPrint copies the whole file, some
20 MB for a Noto CJK collection, into every font object it makes).
"""
from __future__ import annotations

import io
import re
from contextlib import contextmanager

#: What follows a placeholder's four bytes of font flavour ("OTTO": CFF outlines).
MARK = b"HBSHARED"
#: Font names read back from the PDF as they are written (no #-escapes to undo).
_PLAIN_NAME = re.compile(r"/[A-Za-z0-9+._-]+")

_sharing = False
_installed = False
_faces: dict[tuple, tuple[bytes, str | None]] = {}
#: (address, length) of a mapped font file -> its bytes; a book uses a handful of faces
_files: dict[tuple[int, int], bytes] = {}
_MAX_FILES = 8


def is_placeholder(program: bytes) -> bool:
    return program[4:4 + len(MARK)] == MARK


def install() -> None:
    """Let WeasyPrint write placeholders while :func:`sharing` is on (idempotent)."""
    global _installed
    if _installed:
        return
    from weasyprint.pdf import fonts
    from weasyprint.pdf.fonts import Font

    plain_clean, plain_init, plain_data = Font.clean, Font.__init__, fonts.get_hb_object_data

    def init(self, pango_font, description, font_size):
        if not _sharing:
            return plain_init(self, pango_font, description, font_size)
        # the face's file, as WeasyPrint reads it here, but once (subsets are read elsewhere)
        fonts.get_hb_object_data = _face_file
        try:
            plain_init(self, pango_font, description, font_size)
        finally:
            fonts.get_hb_object_data = plain_data

    def clean(self, to_unicode, hinting):
        if _sharing and to_unicode and _shareable(self):
            flavour, postscript = face_of(self)
            self.file_content = flavour + MARK + postscript.encode()
            return
        plain_clean(self, to_unicode, hinting)

    Font.clean, Font.__init__ = clean, init
    _installed = True


def _face_file(hb_face) -> bytes | None:
    """The bytes of the file a face was read from, kept by where the file is mapped."""
    from weasyprint.text.ffi import ffi, harfbuzz

    blob = harfbuzz.hb_face_reference_blob(hb_face)
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        if data == ffi.NULL:
            return None
        key = (int(ffi.cast("uintptr_t", data)), int(length[0]))
        if key not in _files:
            if len(_files) >= _MAX_FILES:
                _files.pop(next(iter(_files)))
            _files[key] = ffi.unpack(data, key[1])
        return _files[key]
    finally:
        harfbuzz.hb_blob_destroy(blob)


@contextmanager
def sharing(on: bool = True):
    """Write placeholders for the shareable faces of the PDFs written in this block."""
    global _sharing
    before, _sharing = _sharing, on
    try:
        yield
    finally:
        _sharing = before


def _shareable(font) -> bool:
    """A face the book's shared program will stand for, as WeasyPrint's subset would have:
    outlines, no variations to instantiate, no colour glyphs to strip, installed here."""
    from .font_merge import _harfbuzz, _installed_faces

    if font.bitmap or font.used_in_forms or font.png or font.svg or font.colr or "fvar" in font.tables:
        return False
    _flavour, postscript = face_of(font)
    return postscript is not None and postscript in _installed_faces() and _harfbuzz() is not None


def face_of(font) -> tuple[bytes, str | None]:
    """(sfnt flavour, PostScript name) of a WeasyPrint font's face (or of its placeholder)."""
    content = font.file_content
    if is_placeholder(content):
        return content[:4], content[4 + len(MARK):].decode()
    key = (font.hash, font.index, len(content))
    if key not in _faces:   # reading the name table of a CJK collection takes 20 ms
        from fontTools.ttLib import TTFont

        try:
            face = TTFont(io.BytesIO(content), lazy=True,
                          fontNumber=font.index if content[:4] == b"ttcf" else -1)
            _faces[key] = (face.sfntVersion.encode("latin-1"), face["name"].getDebugName(6))
        except Exception:   # not a font fontTools can read: the book leaves it alone
            _faces[key] = (content[:4], None)
    return _faces[key]


def document_fonts(document) -> dict[str, list] | None:
    """``font_merge.font_signatures`` of the PDF just written from ``document``, without
    reading it back: font name -> [program key, PostScript name, glyph ids]. None when
    the document's fonts are not plain enough to tell (read the PDF then)."""
    written = {}
    for font in document.fonts.values():
        if font.used_in_forms:
            return None
        if not font.bitmap:   # bitmap faces are Type 3 fonts: nothing to share
            # WeasyPrint writes one font dictionary per hash, the last font's
            written[font.hash] = font
    found: dict[str, list] = {}
    for font in written.values():
        name = font.name.decode("latin-1")
        if not _PLAIN_NAME.fullmatch(name):
            return None
        key = "/FontFile3" if font.file_content[:4] == b"OTTO" else "/FontFile2"
        entry = found.setdefault(name, [key, face_of(font)[1], set()])
        entry[2].update(font.widths)
    return {name: [key, postscript, sorted(gids)] for name, (key, postscript, gids) in found.items()}
