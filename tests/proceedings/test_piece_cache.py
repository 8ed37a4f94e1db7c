"""The piece cache: a rebuild typesets only what changed and prints the very same bytes
as a build from nothing."""
from __future__ import annotations

import io

import os
import shutil
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.background.builds import run_build
from app.domain.proceedings import editions
from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.domain.proceedings.typesetting.render import render_book
from app.models import EditionStatus, ProceedingsEdition, Role
from app.storage import file_store
from tests.factories import approved_piece, revise_and_approve
from tests.proceedings.typesetting import factories
from tests.proceedings.typesetting.conftest import small_book
from tests.proceedings.typesetting.pdf_reading import footer_number, outline, page_texts, squashed


def _entries(folder) -> list:
    return sorted(folder.glob("*/*.piece"))


# ---------------------------------------------------------------- the cache itself

def test_a_piece_put_is_found_again_and_an_unknown_one_is_not(tmp_path):
    cache = PieceCache(tmp_path / "cache")
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, b"%PDF-1.7 pages", {"page_count": 3, "anchors": {"x": [0, 1.5, 2.25]}})
    again = PieceCache(tmp_path / "cache")
    assert again.get("ab" * 32) == (b"%PDF-1.7 pages", {"page_count": 3, "anchors": {"x": [0, 1.5, 2.25]}})
    assert (cache.hits, cache.misses, again.hits) == (0, 1, 1)
    assert [p.name for p in _entries(tmp_path / "cache")] == ["ab" * 32 + ".piece"]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "other format"])
def test_a_corrupt_entry_is_ignored_and_removed(tmp_path, damage):
    cache = PieceCache(tmp_path / "cache")
    cache.put("cd" * 32, b"%PDF-1.7 " + b"x" * 200, {"page_count": 1})
    [path] = _entries(tmp_path / "cache")
    data = path.read_bytes()
    path.write_bytes({"truncated": data[:-40], "flipped": data[:60] + bytes([data[60] ^ 1]) + data[61:],
                      "empty": b"", "other format": b"HBPC0\n" + data[6:]}[damage])
    assert cache.get("cd" * 32) is None
    assert not path.exists()


def test_the_least_recently_used_entries_go_when_the_cache_is_full(tmp_path):
    cache = PieceCache(tmp_path / "cache", max_bytes=2500)
    for n, key in enumerate(["01", "02", "03", "04"]):
        cache.put(key * 32, bytes(1000), {"n": n})
        path = cache._path(key * 32)
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    assert cache.get("01" * 32) is not None        # used again: now the most recent
    assert cache.trim() == 2
    assert cache.get("01" * 32) is not None and cache.get("04" * 32) is not None
    assert cache.get("02" * 32) is None and cache.get("03" * 32) is None


def test_a_cache_without_a_folder_keeps_nothing(tmp_path):
    cache = PieceCache(None)
    cache.put("ef" * 32, b"pdf", {})
    assert cache.get("ef" * 32) is None and cache.trim() == 0


# ---------------------------------------------------------------- builds with the cache

def _changed(spec, text=factories.ZH_SENTENCES[0]):
    """The spec with its second piece's body changed (longer: its pages and those after it
    move), in characters the book already prints."""
    section = spec.sections[0]
    piece = section.pieces[1]
    longer = replace(piece, body_html=piece.body_html + ("<p>" + text * 12 + "</p>") * 6)
    return replace(spec, sections=(replace(section, pieces=(section.pieces[0], longer)),) + spec.sections[1:])


@pytest.mark.slow
def test_a_rebuild_typesets_only_the_changed_piece_and_equals_a_build_from_nothing(tmp_path):
    spec = small_book()
    cache = PieceCache(tmp_path / "cache")
    first = render_book(spec, tmp_path / "first.pdf", processes=2, cache=cache)
    assert cache.hits == 0 and _entries(tmp_path / "cache")
    # the same content again: nothing is typeset, not even the front and back matter
    cache = PieceCache(tmp_path / "cache")
    again = render_book(spec, tmp_path / "again.pdf", processes=2, cache=cache)
    assert again.sha256 == first.sha256 and cache.misses == 0

    changed = _changed(spec)
    cache = PieceCache(tmp_path / "cache")
    rebuilt = render_book(changed, tmp_path / "rebuilt.pdf", processes=2, cache=cache)
    # the changed piece, and the front and back matter (its pages moved the page numbers);
    # the others, the folio kit and the fonts (no new glyph) were kept
    assert cache.misses == 3
    cold = render_book(changed, tmp_path / "cold.pdf", processes=2, cache=PieceCache(tmp_path / "empty"))
    assert rebuilt.sha256 == cold.sha256
    assert (tmp_path / "rebuilt.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()
    assert rebuilt.page_count > first.page_count

    # and it prints what the book typeset as one document prints: text, folios, outline, labels
    whole = render_book(changed, tmp_path / "whole.pdf", processes=1)
    assert rebuilt.piece_start_pages == whole.piece_start_pages
    assert [squashed(t) for t in page_texts(tmp_path / "rebuilt.pdf")] == \
           [squashed(t) for t in page_texts(tmp_path / "whole.pdf")]
    assert outline(tmp_path / "rebuilt.pdf") == outline(tmp_path / "whole.pdf")
    assert PdfReader(tmp_path / "rebuilt.pdf").page_labels == PdfReader(tmp_path / "whole.pdf").page_labels


@pytest.mark.slow
def test_a_corrupt_cache_entry_is_typeset_again_and_the_book_is_the_same(tmp_path):
    spec = factories.spec(oral=1, written=1)
    cache = PieceCache(tmp_path / "cache")
    first = render_book(spec, tmp_path / "first.pdf", processes=1, cache=cache)
    for path in _entries(tmp_path / "cache"):
        path.write_bytes(path.read_bytes()[:100])
    cache = PieceCache(tmp_path / "cache")
    again = render_book(spec, tmp_path / "again.pdf", processes=1, cache=cache)
    assert again.sha256 == first.sha256 and cache.hits == 0


@pytest.mark.slow
def test_stamped_folios_number_the_body_from_one_after_the_front_matter(tmp_path):
    spec = factories.spec(oral=1, written=2)
    result = render_book(spec, tmp_path / "book.pdf", processes=1, cache=PieceCache(tmp_path / "cache"))
    reader = PdfReader(tmp_path / "book.pdf")
    texts = page_texts(tmp_path / "book.pdf")
    for key, start in result.piece_start_pages.items():
        index = reader.page_labels.index(str(start))
        assert footer_number(texts[index]) == str(start)
        assert reader.page_labels[index - 1] != str(start)


# ---------------------------------------------------------------- through the app, on each database

@pytest.mark.slow
def test_an_edition_rebuilt_after_one_revision_reuses_the_cache_and_equals_a_cold_build(app, factory):
    from tests.factories import EN_BODY

    conference = factory.conference()
    approved_piece(factory, conference, title="第一篇：蓝天保卫战")
    second = approved_piece(factory, conference, title="Second: clean soil", body=EN_BODY)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    cache_dir = app.config["PIECE_CACHE_DIR"]

    edition1 = editions.create_edition(conference, actor=editor, edition_date=editions.today_for(conference))
    factory.commit()
    run_build(edition1.id, processes=1)
    assert edition1.status is EditionStatus.DONE, edition1.error
    kept = set(_entries(cache_dir))
    assert len(kept) >= 4     # two pieces, two section dividers, the folio kit, fonts

    revise_and_approve(factory, second, editor_user=editor, title="Second: clean soil, revised")
    edition2 = editions.create_edition(conference, actor=editor, edition_date=editions.today_for(conference))
    factory.commit()
    run_build(edition2.id, processes=1)
    factory.db.session.expire_all()
    edition2 = factory.db.session.get(ProceedingsEdition, edition2.id)
    assert edition2.status is EditionStatus.DONE, edition2.error
    assert kept < set(_entries(cache_dir))       # the old entries stay; the revised piece joins them
    reader = PdfReader(io.BytesIO(file_store(app).read(editions.edition_key(edition2))))
    assert "Second: clean soil, revised" in "".join(p.extract_text() for p in reader.pages)

    # the same edition built again from nothing gives the same bytes
    shutil.rmtree(cache_dir)
    sha = edition2.sha256
    edition2.status = EditionStatus.QUEUED
    factory.commit()
    run_build(edition2.id, processes=1)
    factory.db.session.expire_all()
    assert factory.db.session.get(ProceedingsEdition, edition2.id).sha256 == sha


@pytest.mark.slow
def test_a_piece_that_could_not_read_a_file_is_typeset_again_next_time(tmp_path):
    missing = "/attachments/" + "0" * 64
    piece = factories.piece(1, body_html=f'<p>正文</p><p><img src="{missing}" alt="图"></p>')
    spec = factories.spec(pieces_by_kind={"oral": [], "written": [piece]})
    first = render_book(spec, tmp_path / "first.pdf", processes=1, cache=PieceCache(tmp_path / "cache"))
    assert first.refused_urls
    cache = PieceCache(tmp_path / "cache")
    render_book(spec, tmp_path / "again.pdf", processes=1, cache=cache)
    assert cache.misses == 1      # that piece; its section divider, the kit and the fonts were kept
