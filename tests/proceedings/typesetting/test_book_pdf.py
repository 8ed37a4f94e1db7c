"""The built book, read back from the PDF: navigation, numbering, fonts, metadata."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from .pdf_reading import contents_number, footer_line, footer_number, outline, page_texts, squashed

pytestmark = pytest.mark.slow
CHECK_PDF = Path("/work/shared/tools/check_pdf.py")
CLOSING_PUNCTUATION = "，。、；：？！）》」』”’"


def test_contents_numbers_are_the_pages_where_pieces_start(built_book):
    spec, result, path = built_book
    texts = page_texts(path)
    labels = PdfReader(path).page_labels
    for piece in spec.pieces:
        stated = contents_number(texts, piece.title)
        page = texts[labels.index(str(stated))]
        assert squashed(page).find(squashed(piece.title)) >= 0, piece.title
        assert footer_number(page) == str(stated)
        assert result.piece_start_pages[piece.key] == stated


def test_every_section_and_piece_has_a_bookmark_on_its_first_page(built_book):
    spec, _result, path = built_book
    texts = page_texts(path)
    marks = dict(outline(path))
    for title in [s.title_zh for s in spec.sections] + [p.title for p in spec.pieces]:
        assert title in marks, title
        assert squashed(title) in squashed(texts[marks[title]])


def test_front_matter_is_numbered_in_roman_and_the_body_in_arabic(built_book):
    spec, _result, path = built_book
    texts = page_texts(path)
    labels = PdfReader(path).page_labels
    body_start = next(i for i, t in enumerate(texts) if squashed(spec.sections[0].title_zh) in squashed(t)
                      and "目" not in t[:2])
    assert labels[:body_start] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"][:body_start]
    assert labels[body_start:] == [str(n) for n in range(1, len(texts) - body_start + 1)]
    # the cover and its verso print no number, blank versos print nothing; every other page its folio
    printed = [(footer_line(text), label) for text, label in list(zip(texts, labels))[2:] if text.strip()]
    assert printed and all(line == f"— {label} —" for line, label in printed)


def test_chinese_text_extracts_exactly_with_embedded_fonts(built_book):
    _spec, _result, path = built_book
    reader = PdfReader(path)
    text = "".join(page_texts(path))
    assert "通过“一网通办”改革，群众办事平均时间缩短了百分之四十。" in squashed(text)
    assert "\ufffd" not in text
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():   # a blank verso has none
            font = font.get_object()
            descriptor = (font.get("/FontDescriptor")
                          or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]).get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            if "CJK" in str(font["/BaseFont"]):
                assert "SC" in str(font["/BaseFont"])  # the Simplified Chinese faces, not JP


def test_no_line_starts_with_closing_punctuation(built_book):
    _spec, _result, path = built_book
    lines = [line.strip() for text in page_texts(path) for line in text.splitlines()]
    assert [line for line in lines if line and line[0] in CLOSING_PUNCTUATION] == []


def test_metadata_names_the_book_its_organiser_and_language(built_book):
    spec, _result, path = built_book
    reader = PdfReader(path)
    meta = reader.metadata
    assert meta["/Title"] == f"{spec.conference.title_zh} 交流材料汇编"
    assert meta["/Author"] == spec.conference.organiser_zh
    assert spec.conference.title_en in meta["/Subject"]
    assert meta["/CreationDate"].startswith("D:20")
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_result_describes_the_file(built_book):
    import hashlib

    _spec, result, path = built_book
    data = path.read_bytes()
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.page_count == len(PdfReader(path).pages)
    assert result.refused_urls == []


def test_the_outside_checker_passes(built_book):
    spec, _result, path = built_book
    marks = len(spec.sections) + len(spec.pieces)
    run = subprocess.run([sys.executable, CHECK_PDF, path, "--min-bookmarks", str(marks),
                          "--expect-text", spec.pieces[0].title],
                         capture_output=True, text=True)
    assert run.stdout.strip().endswith("ok"), run.stdout


def test_contents_links_lead_to_the_pieces(built_book):
    spec, _result, path = built_book
    reader = PdfReader(path)
    texts = page_texts(path)
    contents = next(i for i, t in enumerate(texts) if t.startswith("目\u3000录"))
    targets = set()
    for annotation in reader.pages[contents].get("/Annots", []):
        annotation = annotation.get_object()
        dest = annotation.get("/Dest")
        if isinstance(dest, str) or hasattr(dest, "decode"):
            dest = reader.named_destinations[str(dest)]
            targets.add(reader.get_destination_page_number(dest))
        elif dest is not None:
            targets.add(reader.get_page_number(dest[0].get_object()))
    marks = dict(outline(path))
    assert {marks[p.title] for p in spec.pieces} <= targets
