"""Building the book: one process or chunks, previews, failures, fonts."""
from __future__ import annotations

from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.fonts import MissingFontError, check_cjk_fonts
from app.domain.proceedings.typesetting.render import BookBuildError, book_html, render_book, render_piece_preview

from . import factories
from .pdf_reading import outline, page_texts, squashed, text_lines


def _body_text(text: str) -> str:
    """A page's text without its running head and footer, which depend on the book around it."""
    lines = text.strip().splitlines()
    return squashed("".join(line for line in lines[:-1] if "2024年全国工作交流会" not in line))


@pytest.fixture
def both_builds(builds):
    return builds[1], builds[2]


def _texts(path) -> list[str]:
    # pypdf guesses spaces from glyph widths, which differ between font subsets
    return [squashed(text) for text in page_texts(path)]


@pytest.mark.slow
def test_chunked_build_prints_the_same_book_as_one_process(both_builds):
    (whole, whole_path), (chunked, chunked_path) = both_builds
    assert chunked.page_count == whole.page_count
    assert chunked.piece_start_pages == whole.piece_start_pages
    assert _texts(chunked_path) == _texts(whole_path)
    assert outline(chunked_path) == outline(whole_path)
    assert PdfReader(chunked_path).page_labels == PdfReader(whole_path).page_labels


@pytest.mark.slow
def test_identical_input_gives_a_byte_identical_book(both_builds, book_spec, tmp_path):
    (whole, _whole_path), (chunked, _chunked_path) = both_builds
    again = render_book(book_spec, tmp_path / "again.pdf", processes=1)
    assert again.sha256 == whole.sha256
    again = render_book(book_spec, tmp_path / "again-chunked.pdf", processes=2)
    assert again.sha256 == chunked.sha256


@pytest.mark.slow
def test_both_ways_write_the_same_document_settings_dated_from_the_edition(both_builds, book_spec):
    (_w, whole_path), (_c, chunked_path) = both_builds
    whole, chunked = PdfReader(whole_path), PdfReader(chunked_path)
    assert dict(whole.metadata) == dict(chunked.metadata)
    assert whole.metadata["/CreationDate"].startswith(book_spec.edition_date.strftime("D:%Y%m%d"))
    for reader in (whole, chunked):
        root = reader.trailer["/Root"]
        assert root["/PageMode"] == "/UseOutlines" and root["/Lang"] == "zh-CN"


@pytest.mark.slow
def test_a_preview_is_the_piece_exactly_as_in_the_book(both_builds, book_spec, tmp_path):
    (whole, whole_path), _ = both_builds
    piece = book_spec.pieces[0]
    preview = render_piece_preview(piece, book_spec.conference, book_spec.key_tasks)
    book = page_texts(whole_path)
    labels = PdfReader(whole_path).page_labels
    first = labels.index(str(whole.piece_start_pages[piece.key]))
    previews = [page.extract_text() for page in PdfReader(_write(preview)).pages]
    assert [_body_text(t) for t in previews] == [_body_text(t) for t in book[first:first + len(previews)]]
    assert squashed(piece.title) in squashed(previews[0])
    # placed exactly where the book places it, line by line (the folio aside)
    (tmp_path / "preview.pdf").write_bytes(preview)
    placed = [(round(x, 1), round(y, 1), text) for x, _r, y, text in text_lines(tmp_path / "preview.pdf", 0)]
    in_book = [(round(x, 1), round(y, 1), text) for x, _r, y, text in text_lines(whole_path, first)]
    assert placed[:-1] == in_book[:-1]


def test_a_build_that_runs_out_of_time_leaves_no_file(book_spec, tmp_path):
    with pytest.raises(BookBuildError, match="time limit"):
        render_book(book_spec, tmp_path / "book.pdf", processes=1, time_limit=0.05)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_build_keeps_the_previous_file(book_spec, tmp_path):
    out = tmp_path / "book.pdf"
    out.write_bytes(b"edition 1")
    with pytest.raises(BookBuildError):
        render_book(book_spec, out, processes=2, time_limit=0.05)
    assert out.read_bytes() == b"edition 1"
    assert list(tmp_path.iterdir()) == [out]


def test_without_the_chinese_fonts_the_build_stops_with_a_clear_message():
    with pytest.raises(MissingFontError, match="Noto Serif CJK SC.*fonts-noto-cjk"):
        check_cjk_fonts(["DejaVu Sans", "Noto Sans CJK JP"])


def test_this_machine_has_the_chinese_fonts():
    check_cjk_fonts()


def test_titles_are_escaped_and_bodies_kept(book_spec):
    piece = replace(book_spec.pieces[0], title="<script>alert(1)</script>",
                    body_html="<p><em>已清理</em></p>")
    spec = replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(piece,)),))
    html = book_html(spec)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<p><em>已清理</em></p>" in html


def test_chinese_and_english_pieces_are_marked_with_their_language(book_spec):
    html = book_html(book_spec)
    assert '<html lang="zh-CN">' in html
    for piece in book_spec.pieces:
        assert f'id="{piece.anchor}" lang="{piece.lang}"' in html


def test_ids_in_bodies_are_unique_per_piece(book_spec):
    body = '<h2 id="goals">一、目标</h2><p><a href="#goals">见上</a></p>'
    pieces = [replace(p, body_html=body) for p in book_spec.pieces[:2]]
    spec = replace(book_spec, sections=(replace(book_spec.sections[0], pieces=tuple(pieces)),))
    html = book_html(spec)
    for piece in pieces:
        assert f'id="{piece.anchor}-goals"' in html and f'href="#{piece.anchor}-goals"' in html
    assert 'id="goals"' not in html


def test_each_note_moves_to_its_call_and_the_list_of_notes_goes(book_spec):
    markdown = factories.body_html(paragraphs=1, footnote=True)
    word = ('<p>Text<sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup> more.</p>'
            '<ol><li id="footnote-1"><p> A tachyon walks into a bar. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    pieces = [replace(p, body_html=body) for p, body in zip(book_spec.pieces, (markdown, word))]
    spec = replace(book_spec, sections=(replace(book_spec.sections[0], pieces=tuple(pieces)),))
    html = book_html(spec)
    assert '经验做法。<span class="footnote">数据来源：各地报送材料。</span></p>' in html
    assert '<p>Text<span class="footnote">A tachyon walks into a bar.</span> more.</p>' in html
    assert "[1]" not in html and "footnotes-list" not in html and "↑" not in html and "↩" not in html


def test_a_number_stays_with_its_unit(book_spec):
    body = "<p>共扑杀30万只，浓度0.058毫克/升，增长12.5%。<code>x = 3次</code></p>"
    piece = replace(book_spec.pieces[0], body_html=body)
    html = book_html(replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(piece,)),)))
    assert ('共扑杀<span class="unit">30万只</span>，浓度<span class="unit">0.058毫克/升</span>，'
            '增长<span class="unit">12.5%</span>。<code>x = 3次</code>') in html


def test_of_two_adjacent_full_width_marks_one_is_set_half_width(book_spec):
    body = "<p>强化组织领导；（二）加强。“好”，见（《通知》）。</p><pre>a。（b</pre>"
    piece = replace(book_spec.pieces[0], body_html=body)
    html = book_html(replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(piece,)),)))
    halt = '<span class="halt">{}</span>'.format
    assert (f"强化组织领导；{halt('（')}二）加强。{halt('“')}好{halt('”')}，"
            f"见（{halt('《')}通知{halt('》')}{halt('）')}。") in html
    assert "<pre>a。（b</pre>" in html


def test_english_pieces_get_curly_quotes_and_code_keeps_straight_ones(book_spec):
    body = """<p>The "one-stop" office isn't 'new'. <code>x = "a"</code> said "ok."</p>"""
    english, chinese = (replace(p, body_html=body) for p in book_spec.pieces[1:3])
    assert english.lang == "en" and chinese.lang == "zh-CN"
    html = book_html(replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(english, chinese)),)))
    assert """<p>The “one-stop” office isn’t ‘new’. <code>x = "a"</code> said “ok.”</p>""" in html
    assert body in html     # the Chinese piece as written


def test_an_image_alone_in_its_paragraph_becomes_a_figure_captioned_by_its_alt_text(book_spec):
    piece = replace(book_spec.pieces[0], body_html='<p><img src="/x.png" alt="蜥蜴"></p><p>正文<img src="/y.png" alt="i"></p>')
    spec = replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(piece,)),))
    html = book_html(spec)
    assert '<figure><img src="/x.png" alt="蜥蜴"><figcaption>蜥蜴</figcaption></figure>' in html
    assert '<p>正文<img src="/y.png" alt="i"></p>' in html


def _write(data: bytes):
    import io

    return io.BytesIO(data)


def test_a_post_that_names_its_bureau_does_not_repeat_it(book_spec):
    oral = book_spec.sections[0].pieces[0]
    named = replace(oral, speaker_post=f"{oral.organisation_zh}局长")
    html = book_html(replace(book_spec, sections=(replace(book_spec.sections[0], pieces=(named, oral)),)))
    assert html.count(f"{oral.organisation_zh}局长\u3000<span class=\"piece-speaker-name\">") == 2
    assert f"{oral.organisation_zh}{oral.organisation_zh}" not in html
