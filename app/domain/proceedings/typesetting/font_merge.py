"""One font program per Chinese face in a book typeset in chunks.

Each chunk embeds its own subset of every face it uses. For the Noto CJK
faces a subset is expensive even when it holds few glyphs: WeasyPrint keeps
glyph ids (``retain_gids``), so every subset carries an index entry for each
glyph up to the highest one used, some 80–150 KB per face and chunk. With
several chunks those copies made the book half again as big as the same
book typeset in one go.

Because glyph ids are kept, subsets of one face are compatible: a glyph has
the same id, and its content streams the same codes, in every chunk. So the
subsets can be merged — take the subset with most glyphs, copy in the
glyphs only the others have — and every chunk's font dictionary can point
at the merged program. Widths (``/W``) and text extraction (``/ToUnicode``)
stay per chunk and are untouched.

Only CFF-flavoured OpenType programs (what Noto CJK is) are merged; the
small TrueType subsets of the Latin faces are left as they are.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

#: Bytes an OpenType font with CFF outlines starts with.
CFF_OPENTYPE = b"OTTO"


def can_merge(program: bytes) -> bool:
    return program[:4] == CFF_OPENTYPE


def merged_cff_programs(pdf_paths) -> dict[str, bytes]:
    """Font name -> one program merging that face's CFF subsets in all the given PDFs."""
    from pypdf import PdfReader

    found: dict[str, dict] = {}   # font name -> {program bytes: None}, in order of appearance
    for path in pdf_paths:
        for descriptor, name in cff_descriptors(PdfReader(path).pages):
            found.setdefault(name, {})[descriptor["/FontFile3"].get_object().get_data()] = None
    return {name: merge_cff_subsets(list(programs)) if len(programs) > 1 else next(iter(programs))
            for name, programs in found.items()}


def with_subsets_of(programs: dict[str, bytes], pdf_path) -> dict[str, bytes]:
    """``programs`` (from :func:`merged_cff_programs`) with one more PDF's CFF subsets merged in."""
    merged = dict(programs)
    for name, program in merged_cff_programs([pdf_path]).items():
        merged[name] = merge_cff_subsets([merged[name], program]) if name in merged else program
    return merged


def cff_descriptors(pages):
    """(font descriptor, font name) of every CFF-flavoured composite font on ``pages``, once each."""
    seen = set()
    for page in pages:
        for ref in page["/Resources"].get_object().get("/Font", {}).values():
            font = ref.get_object()
            if id(font) in seen or "/DescendantFonts" not in font:
                continue
            seen.add(id(font))
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile3")
            if program is not None and can_merge(program.get_object().get_data()[:4]):
                yield descriptor, str(font["/BaseFont"])


def merge_cff_subsets(programs: Sequence[bytes]) -> bytes:
    """One OpenType/CFF program holding every glyph of the given subsets of one face.

    The subsets must come from the same face with their glyph ids kept.
    The result is deterministic: the same subsets give the same bytes.
    """
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

    # recalcBBoxes off: redrawing 60,000 glyphs costs seconds and changes
    # nothing a PDF viewer reads; recalcTimestamp off keeps builds repeatable.
    fonts = [TTFont(io.BytesIO(p), recalcBBoxes=False, recalcTimestamp=False, lazy=True)
             for p in programs]
    fonts.sort(key=lambda f: f["maxp"].numGlyphs, reverse=True)   # stable: ties keep order
    base, others = fonts[0], fonts[1:]
    top = base["CFF "].cff.topDictIndex[0]
    charstrings = top.CharStrings.charStringsIndex
    sizes = _charstring_sizes(charstrings)
    order = base.getGlyphOrder()
    metrics = base["hmtx"].metrics
    # Font dicts (one per glyph class: ideographs, kana, Latin…) are matched
    # by name: a subset keeps only the ones its glyphs use, renumbered.
    font_dict_index = {fd.FontName: i for i, fd in enumerate(top.FDArray)}
    for other in others:
        other_top = other["CFF "].cff.topDictIndex[0]
        other_charstrings = other_top.CharStrings.charStringsIndex
        for gid, size in enumerate(_charstring_sizes(other_charstrings)):
            # An unused glyph is an empty charstring: the longer one is the glyph.
            if size <= sizes[gid]:
                continue
            font_dict = other_top.FDArray[other_top.FDSelect[gid]]
            if font_dict.FontName not in font_dict_index:
                top.FDArray.append(font_dict)
                font_dict_index[font_dict.FontName] = len(top.FDArray) - 1
            index = font_dict_index[font_dict.FontName]
            charstrings[gid] = T2CharString(bytecode=other_charstrings[gid].bytecode,
                                            private=top.FDArray[index].Private,
                                            globalSubrs=top.GlobalSubrs)
            top.FDSelect[gid] = index
            sizes[gid] = size
            metrics[order[gid]] = other["hmtx"].metrics[order[gid]]
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


def _charstring_sizes(index) -> list[int]:
    """Length of every charstring, read from the index offsets without decoding any."""
    offsets = index.offsets
    return [offsets[i + 1] - offsets[i] for i in range(len(offsets) - 1)]
