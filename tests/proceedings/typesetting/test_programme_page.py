"""The programme of the oral session (发言顺序表) as a page of the book's front matter, when chosen."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.html import body_items
from app.domain.proceedings.typesetting.piece_cache import PieceCache, engine_fingerprint, piece_key
from app.domain.proceedings.typesetting.render import piece_html, render_book

from .pdf_reading import footer_number, outline, page_texts, squashed, text_lines

pytestmark = pytest.mark.slow
HEADING = "发言顺序表"
CHECK_PDF = Path("/work/shared/tools/check_pdf.py")


def _programme_pages(path, heading: str = HEADING) -> list[int]:
    return [i for i, text in enumerate(page_texts(path)) if text.startswith(heading)]


def _rows(path, page: int) -> list[list[str]]:
    """The table's rows as printed, each cell's text in order from left to right."""
    lines = sorted(text_lines(path, page), key=lambda line: (round(line[2]), line[0]))
    rows: dict[int, list[str]] = {}
    for _left, _right, top, text in lines:
        rows.setdefault(round(top), []).append(text)
    return [cells for cells in rows.values() if len(cells) == 5]


def test_the_programme_is_printed_only_when_the_edition_chooses_it(builds, programme_builds):
    for _result, path in builds.values():
        assert _programme_pages(path) == [] and HEADING not in dict(outline(path))
    _spec, with_programme = programme_builds
    for _result, path in with_programme.values():
        assert len(_programme_pages(path)) == 1


def test_it_lists_the_oral_speakers_in_speaking_order_with_bureau_speaker_post_and_minutes(programme_book):
    spec, _result, path = programme_book
    [page] = _programme_pages(path)
    rows = _rows(path, page)
    assert rows[0] == ["序号", "发言单位", "发言人", "职务", "时长（分钟）"]
    assert rows[1:] == [[str(row.order), row.bureau_zh, squashed(row.speaker_name), squashed(row.speaker_post),
                         str(row.minutes)] for row in spec.programme]
    assert [row.speaker_name for row in spec.programme] == [p.speaker_name for p in spec.sections[0].pieces]
    assert "共2个发言，计划用时20分钟。" in squashed(page_texts(path)[page])


def test_it_opens_on_a_right_hand_page_after_the_contents_with_a_bookmark_and_no_running_head(programme_book):
    spec, _result, path = programme_book
    texts = page_texts(path)
    [page] = _programme_pages(path)
    contents = next(i for i, t in enumerate(texts) if t.startswith("目\u3000录"))
    divider = dict(outline(path))[spec.sections[0].title_zh]
    assert page % 2 == 0 and contents < page < divider          # a recto (0-based even), before the body
    assert all(not texts[i].strip() for i in range(page + 1, divider))   # then a blank verso
    assert (HEADING, page) in outline(path)
    # front matter: a roman folio, nothing over the heading
    label = PdfReader(path).page_labels[page]
    assert footer_number(texts[page]) == label and label == "vii"
    top = min(text_lines(path, page), key=lambda line: line[2])
    assert top[3] == HEADING


def test_contents_numbers_still_equal_the_folios(programme_book):
    _spec, _result, path = programme_book
    checked = subprocess.run([sys.executable, str(CHECK_PDF), str(path), "--min-bookmarks", "9"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "mismatched: 0" in checked.stdout


def test_both_ways_of_building_print_the_same_programme_and_front_matter(programme_builds):
    _spec, builds = programme_builds
    (whole, whole_path), (chunked, chunked_path) = builds[1], builds[2]
    assert chunked.page_count == whole.page_count
    assert [squashed(t) for t in page_texts(chunked_path)] == [squashed(t) for t in page_texts(whole_path)]
    assert outline(chunked_path) == outline(whole_path)
    assert PdfReader(chunked_path).page_labels == PdfReader(whole_path).page_labels


def test_the_programme_is_only_in_the_frame_so_cached_pieces_and_byte_identity_hold(programme_builds, tmp_path):
    spec, with_programme = programme_builds
    engine = engine_fingerprint()
    # every body item has the same key with or without the programme: the cache serves both books
    assert ([piece_key(engine, piece_html(spec, item)) for item in body_items(spec)]
            == [piece_key(engine, piece_html(replace(spec, programme=None), item)) for item in body_items(spec)])
    cache = PieceCache(tmp_path / "cache")
    first = render_book(spec, tmp_path / "first.pdf", processes=2, cache=cache)
    assert first.sha256 == with_programme[2][0].sha256          # the same bytes as a build without a cache
    cache.hits = cache.misses = 0
    again = render_book(spec, tmp_path / "again.pdf", processes=2, cache=cache)
    assert cache.misses == 0 and again.sha256 == first.sha256


def test_a_western_book_prints_it_in_english_with_the_bureaux_english_names(western_programme_book):
    spec, _result, path = western_programme_book
    [page] = _programme_pages(path, "Programme of the oral session")
    assert page % 2 == 0
    rows = _rows(path, page)
    assert rows[0] == ["No.", "Bureau", "Speaker", "Post", "Minutes"]
    assert [(cells[0], cells[1]) for cells in rows[1:]] == [
        (str(row.order), squashed(row.bureau_en)) for row in spec.programme]
    assert ("Programme of the oral session", page) in outline(path)
