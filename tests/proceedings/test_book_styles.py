"""Two styles an editor chooses per edition: the ministry compilation and Western proceedings."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.domain.proceedings import editions
from app.domain.proceedings.previews import preview_pdf
from app.domain.proceedings.spec import spec_for_edition
from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.domain.proceedings.typesetting.render import render_book, render_piece_preview
from app.models import EditionStatus, ExchangeKind, ProceedingsEdition, Role
from app.storage import file_store
from tests.factories import EN_BODY, approved_piece
from tests.proceedings.typesetting.conftest import small_book
from tests.proceedings.typesetting.pdf_reading import text_lines


@pytest.fixture(scope="module")
def western_builds(tmp_path_factory):
    """The small book (a footnote in its first speech) in the western style, one document and chunked."""
    folder = tmp_path_factory.mktemp("western")
    spec = replace(small_book(), style="western")
    return spec, {n: (render_book(spec, folder / f"w{n}.pdf", processes=n), folder / f"w{n}.pdf")
                  for n in (1, 2)}


def _fonts(page) -> set[str]:
    fonts = page["/Resources"].get_object().get("/Font", {})
    return {str(f.get_object()["/BaseFont"]).split("+", 1)[-1] for f in fonts.values()}


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2], ids=["one-document", "chunked"])
def test_a_western_book_is_english_with_plain_folios_and_notes_numbered_1_2(western_builds, processes):
    spec, builds = western_builds
    result, path = builds[processes]
    reader = PdfReader(path)
    texts = [page.extract_text() for page in reader.pages]
    labels = reader.page_labels
    cover = texts[0]
    assert "PROCEEDINGS" in cover and "National Work Exchange" in cover and "Ministry of Examples" in cover
    assert "Beijing, 20 November – 21 November 2024" in cover
    assert "交流材料汇编" not in "".join(texts)
    front = "".join(texts[:labels.index("1")])
    assert "Contents" in front and "Oral exchanges" in front and "Written exchanges" in front
    assert "目　录" not in front and "目 录" not in front
    dividers = [t for t in texts if "pieces" in t and ("Oral exchanges" in t or "Written exchanges" in t)]
    assert len(dividers) == 2
    # every numbered body page ends with its plain folio, never "— n —"
    body = [(label, text) for label, text in zip(labels, texts) if label.isdigit() and text.strip()]
    assert body and all("—" not in text.strip().splitlines()[-1] for _label, text in body)
    assert all(text.strip().splitlines()[-1].strip() == label for label, text in body), \
        [(label, text.strip().splitlines()[-1]) for label, text in body]
    # the outer corner: right on rectos (odd), left on versos (even)
    width = float(reader.pages[0].mediabox.width)
    for index, label in enumerate(labels):
        if not label.isdigit() or not texts[index].strip():
            continue
        xs = []
        reader.pages[index].extract_text(visitor_text=lambda t, cm, tm, fd, fs: xs.append((tm[5], tm[4], t))
                                         if t.strip() == label else None)
        assert xs, (label, texts[index][-80:])
        x = min(xs)[1]
        assert (x > width / 2) == (int(label) % 2 == 1), (label, x)
    # notes at the foot numbered 1, 2 (the first speech has one), never ①
    assert not any(c in "".join(texts) for c in "①②③")
    first = texts[labels.index(str(result.piece_start_pages[spec.pieces[0].key]))]
    assert re.search(r"^1\.\s", "".join(texts[labels.index(str(result.piece_start_pages[spec.pieces[0].key])):
                                              labels.index(str(result.piece_start_pages[spec.pieces[1].key]))]),
                     re.M), first[-400:]
    # a Latin serif sets the text: Noto Serif (not only its CJK sister) on a body page
    assert any("Noto-Serif" in _fonts(reader.pages[labels.index(label)]) for label, _t in body)


@pytest.mark.slow
def test_a_western_preview_has_the_western_pages_placed_as_in_the_book(western_builds, tmp_path):
    spec, builds = western_builds
    result, path = builds[1]
    piece = spec.pieces[0]
    (tmp_path / "w.pdf").write_bytes(render_piece_preview(piece, spec.conference, spec.key_tasks, style="western"))
    (tmp_path / "m.pdf").write_bytes(render_piece_preview(piece, spec.conference, spec.key_tasks))
    first = PdfReader(path).page_labels.index(str(result.piece_start_pages[piece.key]))
    placed = [(round(x, 1), round(y, 1), t) for x, _r, y, t in text_lines(tmp_path / "w.pdf", 0)]
    in_book = [(round(x, 1), round(y, 1), t) for x, _r, y, t in text_lines(path, first)]
    assert placed[:-1] == in_book[:-1]   # the folio aside
    # the ministry's preview (the default) is another page: "— 1 —" and its own measure
    ministry = PdfReader(tmp_path / "m.pdf").pages[0].extract_text()
    assert "— 1 —" in ministry and "— 1 —" not in PdfReader(tmp_path / "w.pdf").pages[0].extract_text()
    assert [(round(x, 1), t) for x, _r, _y, t in text_lines(tmp_path / "m.pdf", 0)][3:6] != \
        [(x, t) for x, _y, t in placed][3:6]


@pytest.mark.slow
def test_the_piece_cache_never_gives_a_western_piece_from_a_ministry_entry(tmp_path):
    cache = PieceCache(tmp_path / "cache")
    ministry = small_book()
    render_book(ministry, tmp_path / "m.pdf", processes=1, cache=cache)
    cache.hits = cache.misses = 0
    western = replace(ministry, style="western")
    render_book(western, tmp_path / "w.pdf", processes=1, cache=cache)
    # every body item and the folio kit typeset anew (and the merged fonts made anew):
    # nothing came from the ministry's entries
    assert cache.hits == 0 and cache.misses >= len(western.sections) + len(western.pieces) + 1
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "w.pdf").pages)
    assert "①" not in text and "— 1 —" not in text
    cache.hits = cache.misses = 0
    render_book(western, tmp_path / "w2.pdf", processes=1, cache=cache)
    assert cache.misses == 0   # and a second western build takes them all
    ministry_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "m.pdf").pages)
    assert "— 1 —" in ministry_text and "目" in ministry_text


def _three_pieces(factory, conference):
    approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=1, title="第一位发言：蓝天保卫战")
    approved_piece(factory, conference, title="Written: Clean soil in the north", body=EN_BODY)


@pytest.mark.slow
def test_the_build_form_fixes_the_style_in_the_edition(app, factory, client, auth):
    conference = factory.conference()
    _three_pieces(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    assert "Western proceedings" in client.get(f"/proceedings/{conference.slug}/", follow_redirects=True).get_data(as_text=True)

    client.post(f"/proceedings/{conference.slug}/editions",
                data={"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "western"})

    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert edition.book_style == "western"
    assert spec_for_edition(edition, file_store(app)).style == "western"
    page = client.get(f"/proceedings/{conference.slug}/editions/{edition.number}").get_data(as_text=True)
    assert "Western proceedings" in page
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        file_store(app).read(editions.edition_key(edition)))).pages)
    assert "Contents" in text and "Oral exchanges" in text and "Written exchanges" in text
    assert conference.title_en in text
    # a piece's preview now has the pages of the latest edition's style
    item = edition.items[0]
    preview = preview_pdf(item.version.submission, item.version, store=file_store(app))
    preview_text = PdfReader(io.BytesIO(preview)).pages[0].extract_text()
    assert item.version.title in preview_text and "— 1 —" not in preview_text
    ministry = preview_pdf(item.version.submission, item.version, store=file_store(app), style="ministry")
    assert "— 1 —" in PdfReader(io.BytesIO(ministry)).pages[0].extract_text()


def test_an_unknown_style_is_refused_and_nothing_is_written(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    response = client.post(f"/proceedings/{conference.slug}/editions",
                           data={"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "gothic"})
    assert response.status_code == 422
    assert "Choose the style of the book: ministry compilation or Western proceedings." in response.get_data(as_text=True)
    assert factory.db.session.query(ProceedingsEdition).count() == 0


def test_the_ministry_style_is_the_default(app, factory):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    edition = editions.create_edition(conference, actor=editor, edition_date=conference.starts_on)
    assert edition.book_style == "ministry"
    assert spec_for_edition(edition, file_store(app)).style == "ministry"


@pytest.mark.slow
def test_the_command_line_builds_a_western_edition_and_refuses_an_unknown_style(app, factory, tmp_path):
    conference = factory.conference(slug="west-conf")
    _three_pieces(factory, conference)
    factory.user(Role.EDITOR, username="west-editor")
    factory.commit()
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["proceedings", "build", "--conference", "west-conf", "--style", "gothic"])
    assert refused.exit_code != 0 and "gothic" in refused.output
    assert factory.db.session.query(ProceedingsEdition).count() == 0

    out = tmp_path / "book.pdf"
    result = runner.invoke(args=["proceedings", "build", "--conference", "west-conf", "--style", "western",
                                 "--out", str(out), "--as", "west-editor"])
    assert result.exit_code == 0, result.output
    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.book_style == "western"
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Contents" in text and "Oral exchanges" in text and "①" not in text
