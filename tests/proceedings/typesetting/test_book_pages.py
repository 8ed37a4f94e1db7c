"""The book as a ministry prints it, read back from the rendered pages (BOOK-STYLE.md)."""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from .pdf_reading import faces_drawing, font_programs, outline, page_texts, squashed, text_lines

pytestmark = pytest.mark.slow
CONFERENCE = "2024年全国工作交流会"


def _openings(spec, path) -> dict[str, int]:
    marks = dict(outline(path))
    texts = page_texts(path)
    found = {title: marks[title] for title in [s.title_zh for s in spec.sections] + [p.title for p in spec.pieces]}
    found["contents"] = next(i for i, t in enumerate(texts) if t.startswith("目\u3000录"))
    found["foreword"] = next(i for i, t in enumerate(texts) if t.startswith("前\u3000言"))
    found["index"] = next(i for i, t in enumerate(texts) if t.startswith("重点任务索引"))
    return found


def test_contents_foreword_dividers_pieces_and_index_open_on_right_hand_pages(built_book):
    spec, _result, path = built_book
    openings = _openings(spec, path)
    assert {name: index % 2 for name, index in openings.items()} == {name: 0 for name in openings}
    texts = page_texts(path)
    # where a blank verso was needed, it is wholly blank: no running head, no folio
    blanks = [i for i, t in enumerate(texts) if not t.strip()]
    assert blanks and all(i % 2 == 1 and i + 1 in openings.values() for i in blanks)


def test_running_heads_mirror_and_stay_off_dividers_and_the_first_page_of_a_piece(built_book):
    spec, _result, path = built_book
    texts = page_texts(path)
    openings = _openings(spec, path)
    for title in [s.title_zh for s in spec.sections] + [p.title for p in spec.pieces]:
        assert CONFERENCE not in texts[openings[title]], title
    # nor on the index's opening, whose heading says what it is
    assert CONFERENCE not in texts[openings["index"]] and texts[openings["index"]].count("重点任务索引") == 1
    # the heads mirror: the book's title on a verso, the section on a recto
    piece = spec.pieces[0]
    verso, recto = texts[openings[piece.title] + 1], texts[openings[piece.title] + 2]
    assert CONFERENCE in verso and spec.sections[0].title_zh not in verso
    assert CONFERENCE not in recto and spec.sections[0].title_zh in recto


def test_headings_and_the_opening_of_a_piece_are_set_in_their_faces(built_book):
    spec, _result, path = built_book
    piece = spec.pieces[0]
    page = dict(outline(path))[piece.title]
    assert faces_drawing(path, page, piece.title) == {"Noto-Serif-CJK-SC-Heavy"}          # heavy Song
    byline = f"{piece.organisation_zh}{piece.speaker_post}"
    assert faces_drawing(path, page, byline) == {"AR-PL-KaitiM-GB"}                       # 楷体
    assert faces_drawing(path, page, "一、主要做法") == {"Noto-Sans-CJK-SC"}                # 黑体, not bold
    assert faces_drawing(path, page, "各地区认真贯彻落实党中央") == {"Noto-Serif-CJK-SC"}     # Song body
    english = spec.pieces[1]
    page = dict(outline(path))[english.title]
    assert faces_drawing(path, page, "1. What we did") == {"Noto-Serif-Bold"}


def test_the_opening_of_a_piece_is_centred_with_post_before_name(built_book):
    spec, _result, path = built_book
    piece = spec.pieces[0]
    page = dict(outline(path))[piece.title]
    lines = text_lines(path, page)
    byline = f"{piece.organisation_zh}{piece.speaker_post}\u3000{piece.speaker_name}"
    for wanted in (piece.title, "——" + piece.subtitle, byline):
        left, right, _y, _text = next(line for line in lines if squashed(line[3]) == squashed(wanted))
        assert abs((left + right) / 2 - 595.28 / 2) < 1.5, wanted


def test_notes_stand_at_the_foot_of_the_page_of_their_call_numbered_in_circles(built_book):
    _spec, _result, path = built_book
    texts = page_texts(path)
    note = "数据来源：各地报送材料。"
    [page] = [i for i, t in enumerate(texts) if note in squashed(t)]
    assert "经验做法。①" in squashed(texts[page]) and "①" + note in squashed(texts[page])
    lines = text_lines(path, page)
    note_top = next(y for _l, _r, y, text in lines if note in squashed(text))
    assert all(y <= note_top for _l, _r, y, text in lines if "各地区认真" in text)
    assert "[1]" not in "".join(texts)


def test_tables_keep_their_alignment_and_figures_and_tables_are_numbered(built_book):
    _spec, _result, path = built_book
    texts = page_texts(path)
    whole = squashed("".join(texts))
    assert "表1各地检查情况" in whole and "图1鬣蜥" in whole
    page = next(i for i, t in enumerate(texts) if "各地检查情况" in t)
    rights = [right for _l, right, _y, text in text_lines(path, page) if re.fullmatch(r"\d+ \d+% ?", text + " ")
              or re.fullmatch(r"\d+%", text)]
    assert len(rights) >= 5 and max(rights) - min(rights) < 1      # the % column flush right


def test_the_cover_is_chinese_only_and_the_english_is_on_its_verso(built_book):
    spec, _result, path = built_book
    cover, verso = page_texts(path)[:2]
    assert squashed(spec.conference.title_zh) in squashed(cover) and "交流材料汇编" in squashed(cover)
    assert not re.search(r"[A-Za-z]", cover)
    assert spec.conference.title_en in verso and "-\n" not in verso and "编印单位" in verso


def test_link_rectangles_lie_on_their_text_and_equal_between_chunked_and_whole_builds(builds):
    (_w, whole_path), (_c, chunked_path) = builds[1], builds[2]

    def links(path):
        reader = PdfReader(path)
        found = []
        for n, page in enumerate(reader.pages):
            for ref in page.get("/Annots") or []:
                a = ref.get_object()
                dest = a.get("/Dest")
                if dest is None and "/A" in a:
                    dest = a["/A"].get("/D")
                if isinstance(dest, str) or hasattr(dest, "decode"):
                    dest = reader.named_destinations[str(dest)]
                    target, kind = reader.get_destination_page_number(dest), dest["/Type"]
                else:
                    target, kind = reader.get_page_number(dest[0].get_object()), dest[1]
                x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
                box = (round(min(x0, x1)), round(min(y0, y1)), round(max(x0, x1)), round(max(y0, y1)))
                found.append((n, box, target, str(kind)))
        return sorted(found)

    whole, chunked = links(whole_path), links(chunked_path)
    assert whole and chunked == whole
    assert {kind for *_rest, kind in chunked} == {"/XYZ"}
    for _n, (x0, y0, x1, y1), _t, _k in chunked:
        assert 0 <= x0 < x1 <= 596 and 0 <= y0 < y1 <= 842 and y1 - y0 < 30


def test_bookmarks_keep_the_readers_zoom(built_book):
    _spec, _result, path = built_book
    reader = PdfReader(path)

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item

    assert {str(item["/Type"]) for item in walk(reader.outline)} == {"/XYZ"}


def test_one_subset_name_names_one_font_program(built_book):
    _spec, _result, path = built_book
    programs = font_programs(path)
    assert programs and {name: len(found) for name, found in programs.items()} == \
           {name: 1 for name in programs}


def test_an_opening_bracket_after_a_closing_mark_takes_half_an_em(built_book):
    # "领导；（二）加强督促检查；" breaks after "；": the next line opens with the halved "（"
    _spec, _result, path = built_book
    page = next(i for i, t in enumerate(page_texts(path)) if "（二）加强督促检查；" in t)
    _left, right, _y, _text = next(line for line in text_lines(path, page) if line[3] == "（二）加强督促检查；")
    margin = 87.6
    assert right - margin == pytest.approx(9.5 * 12, abs=0.5)      # 9 characters and a half-width "（"


def test_contents_leaders_are_drawn_in_one_face(built_book):
    _spec, _result, path = built_book
    contents = next(i for i, t in enumerate(page_texts(path)) if t.startswith("目\u3000录"))
    faces = set()

    def visit(chunk, _cm, _tm, font, _size):
        if font is not None and re.fullmatch(r"\s*\.{3,}\s*\d*\s*", chunk):
            faces.add(str(font["/BaseFont"]).split("+", 1)[-1])

    PdfReader(path).pages[contents].extract_text(visitor_text=visit)
    assert faces == {"Noto-Serif"}


def test_letter_spaced_titles_sit_in_the_centre(built_book):
    spec, _result, path = built_book
    divider = dict(outline(path))[spec.sections[0].title_zh]
    left, right, _y, _text = next(line for line in text_lines(path, divider)
                                  if squashed(line[3]) == spec.sections[0].title_zh)
    assert abs((left + right) / 2 - 595.28 / 2) < 0.5


def test_the_contents_name_each_bureau_under_its_title(built_book):
    spec, _result, path = built_book
    contents = next(i for i, t in enumerate(page_texts(path)) if t.startswith("目\u3000录"))
    lines = text_lines(path, contents)
    for piece in spec.pieces:
        org = piece.organisation_zh if piece.lang == "zh-CN" else piece.organisation_en
        title_top = next(top for _l, _r, top, text in lines if text.startswith(squashed(piece.title)))
        org_top = next(top for _l, _r, top, text in lines if text == squashed(org))
        assert title_top < org_top < title_top + 30, piece.title
