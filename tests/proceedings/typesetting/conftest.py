"""Books built once per test session: typesetting is the slow part."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.proceedings.typesetting.render import render_book

from . import factories


def small_book():
    """Two speeches and three written pieces, Chinese and English, with a table,
    a footnote and an image in the first speech."""
    spec = factories.spec(oral=2, written=3)
    first = spec.sections[0].pieces[0]
    rich = factories.with_image(replace(first, body_html=factories.body_html(
        paragraphs=9, table=True, footnote=True)))
    oral = replace(spec.sections[0], pieces=(rich,) + spec.sections[0].pieces[1:])
    return replace(spec, sections=(oral,) + spec.sections[1:])


def programme_book_spec(style: str = "ministry"):
    """The small book with the programme of its oral session in the front matter, and its
    first speech's note called from the paragraph before its table, so that one page holds both."""
    spec = small_book()
    first = spec.sections[0].pieces[0]
    rich = replace(first, body_html=factories.body_html(paragraphs=9, table=True, footnote=True, note_in=8)
                   + first.body_html[first.body_html.rindex("<p><img"):])
    oral = replace(spec.sections[0], pieces=(rich,) + spec.sections[0].pieces[1:])
    spec = replace(spec, sections=(oral,) + spec.sections[1:], style=style)
    return replace(spec, programme=factories.programme(spec))


@pytest.fixture(scope="session")
def book_spec():
    return small_book()


@pytest.fixture(scope="session")
def builds(book_spec, tmp_path_factory):
    """{processes: (result, path)}: the small book built in one process and in two chunks."""
    folder = tmp_path_factory.mktemp("book")
    return {n: (render_book(book_spec, folder / f"book-{n}.pdf", processes=n), folder / f"book-{n}.pdf")
            for n in (1, 2)}


@pytest.fixture(params=[1, 2], ids=["one-process", "two-chunks"])
def built_book(request, book_spec, builds):
    """(spec, result, path) of the small book, built each way in turn."""
    result, path = builds[request.param]
    return book_spec, result, path


@pytest.fixture(scope="session")
def programme_builds(tmp_path_factory):
    """(spec, {processes: (result, path)}): the book with its programme, one document and chunked."""
    folder = tmp_path_factory.mktemp("programme-book")
    spec = programme_book_spec()
    return spec, {n: (render_book(spec, folder / f"book-{n}.pdf", processes=n), folder / f"book-{n}.pdf")
                  for n in (1, 2)}


@pytest.fixture(params=[1, 2], ids=["one-process", "two-chunks"])
def programme_book(request, programme_builds):
    """(spec, result, path) of the book with its programme, built each way in turn."""
    spec, builds = programme_builds
    result, path = builds[request.param]
    return spec, result, path


@pytest.fixture(scope="session")
def western_programme_book(tmp_path_factory):
    """(spec, result, path): the same book with its programme in the western style, one document."""
    spec = programme_book_spec("western")
    path = tmp_path_factory.mktemp("western-programme") / "book.pdf"
    return spec, render_book(spec, path, processes=1), path
