"""A 160-piece book, built as the web builds it (piece by piece, through the piece cache),
read back from its pages: what the small book's tests hold must hold at length too, where
chunk joins, many notes, tables and pictures, and 800 pages give every rule its chance to slip
(issue 10: "the demo book and a 160-piece synthetic book pass all of (7)")."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.domain.proceedings.typesetting.render import render_book

from .factories import synthetic_book
from .pdf_reading import (
    BLOCK_RIGHT,
    faces_drawing,
    font_programs,
    lines_inside_paragraphs,
    outline,
    page_texts,
    squashed,
)

pytestmark = pytest.mark.slow

PIECES = 160
ROOT = Path(__file__).resolve().parents[3]
#: The outside checker, in the shared folder beside the project (or where the team keeps it).
CHECK_PDF = next((p for p in (ROOT.parent / "shared" / "tools" / "check_pdf.py",
                              Path("/work/shared/tools/check_pdf.py")) if p.exists()), None)


@pytest.fixture(scope="module")
def long_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long-book")
    spec = synthetic_book(PIECES)
    result = render_book(spec, folder / "book.pdf", processes=2, cache=PieceCache(folder / "cache"))
    return spec, result, folder / "book.pdf", page_texts(folder / "book.pdf")


def test_the_outside_checker_passes_with_mixed_lines(long_book):
    spec, _result, path, _texts = long_book
    if CHECK_PDF is None:
        pytest.skip("shared/tools/check_pdf.py is not beside the project")
    run = subprocess.run([sys.executable, str(CHECK_PDF), str(path), "--mixed",
                          "--min-bookmarks", str(len(spec.sections) + len(spec.pieces))],
                         capture_output=True, text=True)
    assert run.stdout.strip().endswith("ok"), run.stdout


def test_every_opening_is_a_right_hand_page_and_every_blank_verso_is_wholly_blank(long_book):
    spec, _result, path, texts = long_book
    marks = dict(outline(path))
    openings = [marks[s.title_zh] for s in spec.sections] + [marks[p.title] for p in spec.pieces]
    openings += [i for i, t in enumerate(texts) if t.startswith(("目\u3000录", "前\u3000言", "重点任务索引"))]
    assert len(openings) == len(spec.sections) + len(spec.pieces) + 3
    assert [i for i in openings if i % 2] == []
    blanks = [i for i, t in enumerate(texts) if not t.strip()]
    assert blanks and all(i % 2 == 1 and i + 1 in openings for i in blanks)


def test_no_running_head_on_a_divider_or_the_first_page_of_a_piece(long_book):
    spec, _result, path, texts = long_book
    marks = dict(outline(path))
    for title in [s.title_zh for s in spec.sections] + [p.title for p in spec.pieces]:
        assert spec.conference.title_zh not in texts[marks[title]], title


def test_folios_run_on_across_the_whole_body(long_book):
    _spec, result, _path, texts = long_book
    folios = [int(m.group(1)) for t in texts if (m := re.search(r"— (\d+) —\s*$", t))]
    assert folios == sorted(folios) and len(set(folios)) == len(folios)
    assert folios[-1] - folios[0] + 1 >= len(folios) and folios[0] == 1
    assert result.page_count == len(texts)


def test_every_line_inside_a_chinese_paragraph_ends_at_the_right_edge(long_book):
    spec, _result, path, _texts = long_book
    marks = dict(outline(path))
    chinese = [marks[p.title] for p in spec.pieces if p.lang == "zh-CN"]
    pages = [page for first in chinese[::8] for page in range(first, first + 4)]
    checked = [(page, text, right) for page in pages for text, right in lines_inside_paragraphs(path, page)]
    assert len(checked) >= 200
    assert [(page, text[:12], round(BLOCK_RIGHT - right, 2)) for page, text, right in checked
            if abs(right - BLOCK_RIGHT) > 0.5] == []


def test_headings_keep_their_faces_deep_into_the_book(long_book):
    spec, _result, path, _texts = long_book
    marks = dict(outline(path))
    late_chinese = [p for p in spec.pieces if p.lang == "zh-CN"][-1]
    page = marks[late_chinese.title]
    assert faces_drawing(path, page, late_chinese.title) == {"Noto-Serif-CJK-SC-Heavy"}
    assert faces_drawing(path, page, "一、主要做法") == {"Noto-Sans-CJK-SC"}


def test_links_and_bookmarks_lie_inside_their_pages_and_keep_the_zoom(long_book):
    _spec, _result, path, _texts = long_book
    reader = PdfReader(path)
    kinds, boxes = set(), []
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
            boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))   # as readers normalise it
            dest = annotation.get("/Dest")
            if dest is None and "/A" in annotation:
                dest = annotation["/A"].get("/D")
            if isinstance(dest, str) or hasattr(dest, "decode"):
                dest = reader.named_destinations[str(dest)]
                kinds.add(str(dest["/Type"]))
            elif dest is not None:
                kinds.add(str(dest[1]))
    assert len(boxes) > PIECES and kinds == {"/XYZ"}
    assert [b for b in boxes if not (0 <= b[0] < b[2] <= 596 and 0 <= b[1] < b[3] <= 842 and b[3] - b[1] < 30)] == []

    def walk(items):
        for item in items:
            yield from walk(item) if isinstance(item, list) else (item,)

    assert {str(item["/Type"]) for item in walk(reader.outline)} == {"/XYZ"}


def test_one_subset_name_names_one_font_program_across_all_parts(long_book):
    _spec, _result, path, _texts = long_book
    programs = font_programs(path)
    assert programs and [name for name, found in programs.items() if len(found) > 1] == []
    # one program per Chinese face for the whole book: the front, the body and the back share it
    chinese = [name for name in programs if "CJK" in name]
    assert len({name.split("+", 1)[-1] for name in chinese}) == len(chinese)


def test_notes_are_called_in_circled_numbers_not_brackets(long_book):
    _spec, _result, _path, texts = long_book
    whole = squashed("".join(texts))
    assert "①数据来源：各地报送材料。" in whole and "[1]" not in whole
