"""A book typeset in chunks: small workers, one program per Chinese face, the same glyphs."""
from __future__ import annotations

import io

import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from app.domain.proceedings.typesetting import render
from app.domain.proceedings.typesetting.font_merge import merge_cff_subsets
from app.domain.proceedings.typesetting.html import body_items
from app.domain.proceedings.typesetting.render import render_book

from .pdf_reading import outline, page_texts, squashed


def _cjk_programs(path) -> dict[str, list]:
    """Face name (subset tag dropped: each program has its own) -> the distinct embedded
    programs of each Chinese (CFF) face."""
    found: dict[str, dict] = {}
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if "/DescendantFonts" not in font:
                continue
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            if "/FontFile3" in descriptor:
                program = descriptor.raw_get("/FontFile3")
                face = str(font["/BaseFont"]).split("+", 1)[-1]
                found.setdefault(face, {})[program.idnum] = program.get_object().get_data()
    return {name: list(programs.values()) for name, programs in found.items()}


def _outlines(program: bytes) -> dict[str, list]:
    """The drawing of every non-empty glyph of a font program."""
    font = TTFont(io.BytesIO(program))
    glyphs = font.getGlyphSet()
    drawn = {}
    for name in font.getGlyphOrder():
        pen = RecordingPen()
        glyphs[name].draw(pen)
        if pen.value:
            drawn[name] = pen.value
    return drawn


@pytest.mark.slow
def test_chunks_share_one_program_per_chinese_face_with_every_glyph_of_the_whole_book(builds):
    (_whole, whole_path), (_chunked, chunked_path) = builds[1], builds[2]
    whole, chunked = _cjk_programs(whole_path), _cjk_programs(chunked_path)
    assert set(chunked) == set(whole) and any("CJK" in name for name in chunked)
    for name, programs in chunked.items():
        # one for the body's chunks, at most one more for the front and back matter
        assert len(programs) <= 2, f"{name} embedded {len(programs)} times"
        drawn = {}
        for program in programs:
            drawn.update(_outlines(program))
        for glyph, drawing in _outlines(whole[name][0]).items():
            assert drawn.get(glyph) == drawing, f"{name} {glyph}"


@pytest.mark.slow
def test_merging_font_subsets_is_repeatable(builds):
    # One face's subsets from two separate typesettings: the one-process book and the chunks.
    (_w, whole_path), (_c, chunked_path) = builds[1], builds[2]
    whole, chunked = _cjk_programs(whole_path), _cjk_programs(chunked_path)
    name = next(iter(chunked))
    subsets = [whole[name][0], chunked[name][0]]
    assert merge_cff_subsets(subsets) == merge_cff_subsets(subsets)


@pytest.mark.slow
def test_more_chunks_than_processes_give_the_same_book(builds, book_spec, tmp_path, monkeypatch):
    (whole, whole_path) = builds[1]
    # As if the book were big: every worker typesets a little and exits.
    monkeypatch.setattr(render, "CHUNK_WEIGHT", 1)
    assert render._chunk_count(body_items(book_spec), 2) > 2
    result = render_book(book_spec, tmp_path / "many.pdf", processes=2)
    assert result.piece_start_pages == whole.piece_start_pages
    assert [squashed(t) for t in page_texts(tmp_path / "many.pdf")] == \
           [squashed(t) for t in page_texts(whole_path)]
    assert outline(tmp_path / "many.pdf") == outline(whole_path)
    again = render_book(book_spec, tmp_path / "again.pdf", processes=2, page_counts=result.page_counts)
    assert again.piece_start_pages == whole.piece_start_pages


def test_a_big_book_is_cut_into_more_chunks_a_multiple_of_the_processes(book_spec, monkeypatch):
    items = body_items(book_spec)
    weight = sum(map(render._weight, items))
    monkeypatch.setattr(render, "CHUNK_WEIGHT", weight)
    assert render._chunk_count(items, 2) == 2
    monkeypatch.setattr(render, "CHUNK_WEIGHT", weight / 3)
    assert render._chunk_count(items, 2) == 4
    monkeypatch.setattr(render, "CHUNK_WEIGHT", 1)
    assert render._chunk_count(items, 2) == len(items)


def test_a_small_book_is_typeset_in_one_process_unless_told_otherwise(book_spec, monkeypatch):
    # Starting a second worker and assembling parts costs more than it saves on a few pieces.
    items = body_items(book_spec)
    assert render._default_processes(items, cores=2) == 1
    monkeypatch.setattr(render, "SMALL_BOOK_WEIGHT", 1)
    assert render._default_processes(items, cores=2) == 2
