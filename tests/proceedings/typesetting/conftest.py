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
