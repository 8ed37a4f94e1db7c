"""A book typeset in chunks: small workers, one program per Chinese face, the same glyphs."""
from __future__ import annotations

import io

import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from app.domain.proceedings.typesetting import render
from app.domain.proceedings.typesetting.font_merge import _installed_face, embedded_fonts, subset_face
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
        # one for the whole book: the pieces, the front and back matter
        assert len(programs) == 1, f"{name} embedded {len(programs)} times"
        drawn = {}
        for program in programs:
            drawn.update(_outlines(program))
        for glyph, drawing in _outlines(whole[name][0]).items():
            assert drawn.get(glyph) == drawing, f"{name} {glyph}"


@pytest.mark.slow
def test_the_shared_program_of_a_face_depends_only_on_its_glyphs(builds):
    # the same face and glyphs give the same bytes, whichever parts asked for them
    (_c, chunked_path) = builds[2]
    reader = PdfReader(chunked_path)
    descriptor, _name, key, gids = next(f for f in embedded_fonts(reader.pages) if f[2] == "/FontFile3")
    source = _installed_face(descriptor[key].get_object().get_data())
    assert source is not None
    program = subset_face(*source, sorted(gids | {0}))
    assert program == subset_face(*source, sorted(gids | {0}))
    assert subset_face(*source, sorted(gids | {0, max(gids) + 1})) != program


@pytest.mark.slow
def test_workers_that_exit_after_a_little_work_give_the_same_book(builds, book_spec, tmp_path, monkeypatch):
    (whole, whole_path) = builds[1]
    # As if the book were big: every worker typesets one piece and exits.
    monkeypatch.setattr(render, "WORKER_BUDGET", 1)
    result = render_book(book_spec, tmp_path / "many.pdf", processes=2)
    assert result.piece_start_pages == whole.piece_start_pages
    assert [squashed(t) for t in page_texts(tmp_path / "many.pdf")] == \
           [squashed(t) for t in page_texts(whole_path)]
    assert outline(tmp_path / "many.pdf") == outline(whole_path)
    assert result.sha256 == builds[2][0].sha256


def test_a_small_book_is_typeset_in_one_process_unless_told_otherwise(book_spec, monkeypatch):
    # Starting a second worker and assembling parts costs more than it saves on a few pieces.
    items = body_items(book_spec)
    assert render._default_processes(items, cores=2) == 1
    monkeypatch.setattr(render, "SMALL_BOOK_WEIGHT", 1)
    assert render._default_processes(items, cores=2) == 2
