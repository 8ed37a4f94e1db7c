"""PDF/UA-1 and PDF/A-3u books: one structure tree that covers every page, built either way.

veraPDF is not obtainable here (no Debian package, no Maven), so these read the
books back with pypdf and check what the standards ask of the structure."""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.domain.proceedings.typesetting.render import pdf_metadata, render_book

from .conftest import small_book
from .pdf_reading import outline, page_texts, squashed
from .tagged_reading import read_tagged, xmp_text

HEADINGS = re.compile(r"/H([1-6])$")
CHECK_PDF = Path("/work/shared/tools/check_pdf.py")


@pytest.fixture(scope="module")
def tagged_spec():
    return replace(small_book(), pdf_variant="pdf/ua-1")


@pytest.fixture(scope="module")
def tagged_builds(tagged_spec, tmp_path_factory):
    """{way: (result, path)}: the small book as PDF/UA-1, in one document and piece by piece
    (with a piece cache, as the web builds), and as PDF/A-3u both ways."""
    folder = tmp_path_factory.mktemp("tagged")
    archival = replace(tagged_spec, pdf_variant="pdf/a-3u")
    builds = {
        "whole": render_book(tagged_spec, folder / "whole.pdf", processes=1),
        "pieces": render_book(tagged_spec, folder / "pieces.pdf", processes=1, cache=PieceCache(folder / "cache")),
        "archival": render_book(archival, folder / "archival.pdf", processes=2),
        "archival-whole": render_book(archival, folder / "archival-whole.pdf", processes=1),
    }
    return {way: (result, folder / f"{way}.pdf") for way, result in builds.items()}


@pytest.fixture(params=["whole", "pieces", "archival", "archival-whole"])
def tagged_book(request, tagged_spec, tagged_builds):
    result, path = tagged_builds[request.param]
    return request.param, result, path


def _page_index(path, printed: int) -> int:
    return PdfReader(path).page_labels.index(str(printed))


@pytest.mark.slow
def test_every_marked_content_and_link_resolves_to_an_element_on_its_page(tagged_book):
    _way, result, path = tagged_book
    book = read_tagged(path)
    assert book.problems == []
    assert len(book.reader.pages) == result.page_count
    assert all("/StructParents" in page for page in book.reader.pages)
    links = [e for e in book.elements if e.kind == "/Link" and e.annotations]
    annotations = sum(len(page.get("/Annots", ())) for page in book.reader.pages)
    # the contents' links to pieces (added at assembly when built piece by piece) included
    assert annotations > len(result.piece_start_pages) and len(links) > 0
    assert sum(len(e.annotations) for e in book.elements) == annotations
    assert "/IDTree" in book.reader.trailer["/Root"]["/StructTreeRoot"]   # the table's headers


@pytest.mark.slow
def test_each_piece_is_read_in_its_own_language(tagged_book, tagged_spec):
    _way, result, path = tagged_book
    book = read_tagged(path)
    starts = sorted((_page_index(path, result.piece_start_pages[p.key]), p.lang) for p in tagged_spec.pieces)
    assert {lang for _start, lang in starts} == {"zh-CN", "en"}
    for start, lang in starts:   # a piece's opening page holds nothing else
        on_its_page = [e for e in book.elements if e.page == start]
        assert on_its_page and {e.lang for e in on_its_page} == {lang}


@pytest.mark.slow
def test_figures_say_what_they_show_and_headings_come_in_order(tagged_book):
    _way, _result, path = tagged_book
    book = read_tagged(path)
    figures = [e for e in book.elements if e.kind == "/Figure"]
    assert figures and all(e.alt for e in figures)
    assert "鬣蜥" in [e.alt for e in figures]   # the image's alt text, from the body
    # the cover, foreword, contents, section titles and index H1, pieces H2, and the index's
    # task headings (<h3> in the HTML, as the plain book's outline has them) H2 under its H1
    levels = [int(HEADINGS.match(e.kind)[1]) for e in book.elements if HEADINGS.match(e.kind)]
    assert levels[0] == 1 and set(levels) == {1, 2}
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "a heading skips a level"


@pytest.mark.slow
def test_the_catalog_and_the_metadata_claim_the_variant(tagged_book, tagged_spec):
    way, _result, path = tagged_book
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert root["/Lang"] == "zh-CN" and root["/ViewerPreferences"]["/DisplayDocTitle"]
    xmp = xmp_text(reader)
    info = pdf_metadata(tagged_spec)
    assert f'<rdf:li xml:lang="x-default">{info["/Title"]}</rdf:li>' in xmp
    assert f"<pdf:Producer>{info['/Producer']}</pdf:Producer>" in xmp
    assert dict(reader.metadata)["/Title"] == info["/Title"]
    assert "<xmp:CreateDate>2024-" in xmp or "<xmp:CreateDate>" + tagged_spec.edition_date.isoformat() in xmp
    if way.startswith("archival"):
        assert "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance>" in xmp
    else:
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp


@pytest.mark.slow
def test_folios_and_running_heads_are_artifacts_and_still_print(tagged_builds):
    for way in ("whole", "pieces"):
        _result, path = tagged_builds[way]
        reader = PdfReader(path)
        body_page = _page_index(path, 3)
        data = reader.pages[body_page].get_contents().get_data()
        assert b"/Artifact" in data
        assert "— 3 —" in reader.pages[body_page].extract_text()


@pytest.mark.slow
@pytest.mark.parametrize("way", ["archival", "archival-whole"])
def test_an_archival_book_has_an_output_intent_and_nothing_pdfa_forbids(tagged_builds, way):
    _result, path = tagged_builds[way]
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    [intent] = root["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/DestOutputProfile"].get_object()["/N"] == 3
    assert "/JavaScript" not in root.get("/Names", {}) and "/EmbeddedFiles" not in root.get("/Names", {})
    assert "/OpenAction" not in root and "/AA" not in root
    assert len(reader.trailer["/ID"]) == 2
    assert path.read_bytes().startswith(b"%PDF-1.7")
    for page in reader.pages:
        for annotation in page.get("/Annots", ()):
            assert annotation.get_object()["/F"] == 4


@pytest.mark.slow
def test_both_ways_read_the_same_and_identical_input_gives_identical_bytes(tagged_builds, tagged_spec, tmp_path):
    (whole, whole_path), (pieces, pieces_path) = tagged_builds["whole"], tagged_builds["pieces"]
    assert pieces.page_count == whole.page_count and pieces.piece_start_pages == whole.piece_start_pages
    assert [squashed(t) for t in page_texts(pieces_path)] == [squashed(t) for t in page_texts(whole_path)]
    assert outline(pieces_path) == outline(whole_path)

    def reading(path):
        return [(e.kind, e.page, e.lang, e.alt) for e in read_tagged(path).elements
                if HEADINGS.match(e.kind) or e.kind in ("/Figure", "/Table", "/P")]
    assert reading(pieces_path) == reading(whole_path)

    assert render_book(tagged_spec, tmp_path / "again.pdf", processes=1).sha256 == whole.sha256
    # a rebuild from the piece cache, and a build from nothing with two processes
    again = render_book(tagged_spec, tmp_path / "again-pieces.pdf", processes=2)
    assert again.sha256 == pieces.sha256


@pytest.mark.slow
def test_a_plain_book_has_no_structure_tree(builds):
    for _result, path in builds.values():
        root = PdfReader(path).trailer["/Root"]
        assert "/StructTreeRoot" not in root and "/Metadata" not in root and "/MarkInfo" not in root


@pytest.mark.slow
@pytest.mark.skipif(not CHECK_PDF.exists(), reason="the shared PDF checker is not on this machine")
def test_the_outside_checker_passes_a_tagged_book(tagged_builds):
    for way in ("pieces", "archival"):
        _result, path = tagged_builds[way]
        run = subprocess.run([sys.executable, str(CHECK_PDF), str(path), "--no-flush"],
                             capture_output=True, text=True)
        assert run.stdout.strip().splitlines()[-1] == "ok", run.stdout
