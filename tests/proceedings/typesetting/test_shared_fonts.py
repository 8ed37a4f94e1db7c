"""A part typeset for the book leaves its faces to the book's shared programs."""
from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting import font_merge
from app.domain.proceedings.typesetting.font_merge import embedded_fonts, font_signatures
from app.domain.proceedings.typesetting.font_placeholders import is_placeholder
from app.domain.proceedings.typesetting.render import BookBuildError, render_book
from app.domain.proceedings.typesetting.typeset import TypesetJob
from app.domain.proceedings.typesetting.workers import WorkerPool

PAGE = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="/static/css/print.css"></head><body>'
        '<section class="piece" lang="zh-CN"><h1>共享字体</h1><p>各地区认真贯彻落实，'
        '<strong>坚持稳中求进</strong>。The bureau <em>reorganised</em> its teams.</p></section>'
        '</body></html>')


def _typeset_both_ways():
    pool = WorkerPool(1)
    try:
        return pool.map([TypesetJob(html=PAGE, attachments={}, list_fonts=True, shared_fonts=True),
                         TypesetJob(html=PAGE, attachments={}, list_fonts=True)], time.monotonic() + 120)
    finally:
        pool.close()


def _programs(pdf: bytes) -> list[bytes]:
    return [descriptor[key].get_object().get_data()
            for descriptor, _name, key, _gids in embedded_fonts(PdfReader(io.BytesIO(pdf)).pages)]


@pytest.mark.slow
def test_a_part_for_the_book_embeds_placeholders_and_reports_the_glyphs_of_the_page_alone():
    shared, alone = _typeset_both_ways()
    assert any("CJK" in name for name in shared.fonts)
    # the glyphs (and faces) the part reports are those the page typeset alone embeds
    assert shared.fonts == alone.fonts == font_signatures(io.BytesIO(alone.pdf_bytes))
    assert all(is_placeholder(program) for program in _programs(shared.pdf_bytes))
    assert not any(is_placeholder(program) for program in _programs(alone.pdf_bytes))
    # no subset of its own: a fraction of the size
    assert len(shared.pdf_bytes) * 5 < len(alone.pdf_bytes)
    # widths and text extraction are the page's own, placeholders or not
    assert PdfReader(io.BytesIO(shared.pdf_bytes)).pages[0].extract_text() == \
           PdfReader(io.BytesIO(alone.pdf_bytes)).pages[0].extract_text()


@pytest.mark.slow
def test_a_book_without_a_program_for_a_placeholder_fails_instead_of_printing_blank_text(
        book_spec, tmp_path, monkeypatch):
    # as if the faces were not installed where the book is assembled
    monkeypatch.setattr(font_merge, "book_font_programs", lambda *args, **kwargs: {})
    out = tmp_path / "book.pdf"
    with pytest.raises(BookBuildError, match="no program for the font"):
        render_book(book_spec, out, processes=2)
    assert list(tmp_path.iterdir()) == []
