"""One font program per face in a book assembled from parts typeset apart.

Each part (a piece, the frame) embeds its own subset of every face it
uses. For the Noto CJK faces a subset is expensive even when it holds few
glyphs: WeasyPrint keeps glyph ids (``retain_gids``), so every subset
carries an index entry for each glyph up to the highest one used, some
80–150 KB per face and part; and a 160-piece book has 160 parts.

Because glyph ids are kept, a glyph has the same id, and the content
streams the same codes, in every part. So every part's font dictionary can
point at one program per face: the installed face subset, as WeasyPrint
subsets it (HarfBuzz, same flags), to the union of the glyphs every part
uses — read from the parts' ``/W`` arrays. Widths (``/W``) and text
extraction (``/ToUnicode``) stay per part and are untouched.

That program depends only on the face and the set of glyphs, not on which
parts were typeset in this build and which came from the piece cache, so a
rebuild and a build from nothing embed the same bytes; it is kept in the
piece cache under that set, so a rebuild whose pieces use no new glyph
subsets nothing.
"""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

#: Bytes an OpenType font with CFF outlines starts with.
CFF_OPENTYPE = b"OTTO"
#: Tables WeasyPrint drops from its subsets (weasyprint/pdf/fonts.py).
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")
# hb-subset.h
_NO_HINTING, _RETAIN_GIDS, _DESUBROUTINIZE = 1 << 0, 1 << 1, 1 << 2
_PASSTHROUGH_UNRECOGNIZED, _NOTDEF_OUTLINE = 1 << 5, 1 << 6
_SETS_DROP_TABLE_TAG = 3


def can_merge(program: bytes) -> bool:
    return program[:4] == CFF_OPENTYPE


def embedded_fonts(pages):
    """(font descriptor, font name, program key, glyph ids) of every composite font with an
    embedded program on ``pages``, once each."""
    seen = set()
    for page in pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object().values() if fonts else ()):
            font = ref.get_object()
            if id(font) in seen or "/DescendantFonts" not in font:
                continue
            seen.add(id(font))
            cid_font = font["/DescendantFonts"][0].get_object()
            descriptor = cid_font["/FontDescriptor"].get_object()
            key = next((k for k in ("/FontFile3", "/FontFile2") if k in descriptor), None)
            if key is not None:
                yield descriptor, str(font["/BaseFont"]), key, _glyph_ids(cid_font.get("/W", ()))


def cff_descriptors(pages):
    """(font descriptor, font name) of every CFF-flavoured composite font on ``pages``, once each."""
    for descriptor, name, key, _gids in embedded_fonts(pages):
        if key == "/FontFile3" and can_merge(descriptor[key].get_object().get_data()[:4]):
            yield descriptor, name


def font_signatures(pdf) -> dict[str, list]:
    """Font name -> [program key, PostScript name of its face, glyph ids] of every embedded
    composite font in a PDF (a path or a file object): what :func:`book_font_programs` needs
    of a part, small enough to keep with it in the piece cache."""
    from pypdf import PdfReader

    found: dict[str, list] = {}
    for descriptor, name, key, gids in embedded_fonts(PdfReader(pdf).pages):
        if name not in found:
            found[name] = [key, _postscript_name(descriptor[key].get_object().get_data()), set()]
        found[name][2].update(gids)
    return {name: [key, postscript, sorted(gids)] for name, (key, postscript, gids) in found.items()}


def book_font_programs(signatures, cache=None, engine: str = "", made: dict | None = None) -> dict[str, bytes]:
    """Font name -> one program for every part: the installed face subset to the union of
    the glyphs the parts use (``signatures``: each part's :func:`font_signatures`).

    ``made`` keeps the programs cut in this build (a call for the body alone may
    precede the one for the whole book). A face whose installed file cannot be
    found is left out: its parts keep their own subsets.
    """
    glyphs: dict[str, set[int]] = {}
    faces: dict[str, str | None] = {}
    for signature in signatures:
        for name, (_key, postscript, gids) in signature.items():
            glyphs.setdefault(name, set()).update(gids)
            faces.setdefault(name, postscript)
    programs, to_cut = {}, []
    for name in sorted(glyphs):
        source = _installed_faces().get(faces[name]) if faces[name] else None
        if source is None:
            continue
        gids = sorted(glyphs[name] | {0})
        cache_key = hashlib.sha256(f"{engine}\0font\0{source}\0{gids}".encode()).hexdigest()
        if made is not None and cache_key in made:
            programs[name] = made[cache_key]
            continue
        found = cache.get(cache_key) if cache is not None else None
        if found is not None:
            programs[name] = found[0]
            if made is not None:
                made[cache_key] = found[0]
            continue
        to_cut.append((name, source, gids, cache_key))
    # HarfBuzz lets go of the interpreter while it cuts: the faces are cut side by side
    with ThreadPoolExecutor(max_workers=max(1, min(len(to_cut), os.cpu_count() or 1))) as cutting:
        cut = list(cutting.map(lambda job: subset_face(*job[1], job[2]), to_cut))
    for (name, _source, _gids, cache_key), program in zip(to_cut, cut):
        if program:
            programs[name] = program
            if made is not None:
                made[cache_key] = program
            if cache is not None:
                cache.put(cache_key, program, {"font": name})
    return programs


def _glyph_ids(widths) -> set[int]:
    """Glyph ids a ``/W`` array gives widths for: ``c [w…]`` and ``first last w`` runs."""
    ids, items, k = set(), list(widths), 0
    while k < len(items):
        start = int(items[k])
        following = items[k + 1].get_object() if k + 1 < len(items) else None
        if isinstance(following, list):
            ids.update(range(start, start + len(following)))
            k += 2
        else:
            ids.update(range(start, int(items[k + 1]) + 1))
            k += 3
    return ids


def _postscript_name(program: bytes) -> str | None:
    """The PostScript name a subset keeps of the face it was cut from."""
    from fontTools.ttLib import TTFont

    try:
        return TTFont(io.BytesIO(program), lazy=True)["name"].getDebugName(6)
    except Exception:   # not a font fontTools can read: leave it alone
        return None


def _installed_face(program: bytes) -> tuple[str, int] | None:
    """(file, index) of the installed face a subset was cut from."""
    return _installed_faces().get(_postscript_name(program))


@lru_cache(maxsize=1)
def _installed_faces() -> dict[str, tuple[str, int]]:
    try:
        listing = subprocess.run(["fc-list", "--format", "%{postscriptname}|%{file}|%{index}\n"],
                                 capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return {}
    faces = {}
    for line in sorted(listing.splitlines()):
        name, _sep, rest = line.partition("|")
        file, _sep, index = rest.rpartition("|")
        if name and file and index.isdigit():
            faces.setdefault(name, (file, int(index)))
    return faces


def subset_face(file: str, index: int, gids: list[int]) -> bytes | None:
    """The face subset to ``gids`` as WeasyPrint subsets (two HarfBuzz passes: glyph ids
    kept, then the empty glyphs after the last one dropped), with the .notdef outline.
    None if HarfBuzz's subsetter is not installed: the parts then keep their own subsets."""
    if _harfbuzz() is None:
        return None
    ffi, hb = _harfbuzz()
    blob = hb.hb_blob_create_from_file_or_fail(file.encode())
    if blob == ffi.NULL:
        return None
    face = hb.hb_face_create(blob, index)
    hb.hb_blob_destroy(blob)
    try:
        first = _subset(ffi, hb, face, gids, _RETAIN_GIDS | _PASSTHROUGH_UNRECOGNIZED
                        | _DESUBROUTINIZE | _NOTDEF_OUTLINE, drop_tables=True)
        if first == ffi.NULL:
            return None
        try:
            second = _subset(ffi, hb, first, range(max(gids) + 1), _PASSTHROUGH_UNRECOGNIZED
                             | _DESUBROUTINIZE | _NO_HINTING | _NOTDEF_OUTLINE)
        finally:
            hb.hb_face_destroy(first)
        if second == ffi.NULL:
            return None
        try:
            data_blob = hb.hb_face_reference_blob(second)
            length = ffi.new("unsigned int *")
            data = hb.hb_blob_get_data(data_blob, length)
            result = bytes(ffi.buffer(data, length[0])) if length[0] else None
            hb.hb_blob_destroy(data_blob)
            return result
        finally:
            hb.hb_face_destroy(second)
    finally:
        hb.hb_face_destroy(face)


def _subset(ffi, hb, face, gids, flags, drop_tables=False):
    plan = hb.hb_subset_input_create_or_fail()
    try:
        glyph_set = hb.hb_subset_input_glyph_set(plan)
        for gid in gids:
            hb.hb_set_add(glyph_set, gid)
        hb.hb_subset_input_set_flags(plan, flags)
        if drop_tables:
            dropped = hb.hb_subset_input_set(plan, _SETS_DROP_TABLE_TAG)
            for tag in _DROPPED_TABLES:
                hb.hb_set_add(dropped, hb.hb_tag_from_string(tag, -1))
        return hb.hb_subset_or_fail(face, plan)
    finally:
        hb.hb_subset_input_destroy(plan)


@lru_cache(maxsize=1)
def _harfbuzz():
    """HarfBuzz's subsetter (the library WeasyPrint subsets with), through cffi."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef("""
        typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
        typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
        typedef uint32_t hb_codepoint_t; typedef uint32_t hb_tag_t;
        hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
        void hb_blob_destroy (hb_blob_t *blob);
        const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
        hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
        void hb_face_destroy (hb_face_t *face);
        hb_blob_t *hb_face_reference_blob (hb_face_t *face);
        void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
        hb_tag_t hb_tag_from_string (const char *str, int len);
        hb_subset_input_t *hb_subset_input_create_or_fail (void);
        void hb_subset_input_destroy (hb_subset_input_t *input);
        hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
        hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
        void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
        hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    """)
    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll"):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None
