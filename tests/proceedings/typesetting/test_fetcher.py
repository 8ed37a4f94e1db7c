"""The renderer reads only the project's static files and the build's own attachments."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.fetcher import BASE_URL, BookURLFetcher, RefusedURL
from app.domain.proceedings.typesetting.render import render_book

from . import factories

PASSWD = Path("/etc/passwd")
OTHER_SHA = hashlib.sha256(b"another bureau's confidential attachment").hexdigest()
FOREIGN = [
    "file:///etc/passwd",
    "http://127.0.0.1:1/x",
    "ftp://127.0.0.1/x",
    BASE_URL + f"attachments/{OTHER_SHA}",
    BASE_URL + "static/../pyproject.toml",
    BASE_URL + "static/%2e%2e/pyproject.toml",
    BASE_URL + "pyproject.toml",
    "https://example.com/static/css/print.css",
]


@pytest.fixture
def fetcher():
    return BookURLFetcher({factories.IGUANA_SHA: factories.IGUANA})


def test_static_files_and_the_builds_attachments_are_served(fetcher):
    css = fetcher.fetch(BASE_URL + "static/css/print.css")
    image = fetcher.fetch(BASE_URL + f"attachments/{factories.IGUANA_SHA}")
    assert css.read().startswith(b"/*") and css.content_type == "text/css"
    assert image.read() == factories.IGUANA.read_bytes()
    assert fetcher.refused == []


def test_small_data_images_are_served(fetcher):
    assert fetcher.fetch("data:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("url", FOREIGN)
def test_everything_else_is_refused_and_recorded(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_data_uris_other_than_images_are_refused(fetcher):
    with pytest.raises(RefusedURL):
        fetcher.fetch("data:text/html,<h1>hi</h1>")


def test_a_symlink_out_of_static_is_refused(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to(PASSWD)
    fetcher = BookURLFetcher({}, static_dir=static)
    with pytest.raises(RefusedURL):
        fetcher.fetch(BASE_URL + "static/passwd.css")


VECTORS = ("import", "font-face", "background", "link-attachment", "link-stylesheet",
           "a-attachment", "img", "object", "embed")


def _vector(name: str) -> str:
    """A distinct foreign URL per way in, so each refusal can be told apart."""
    return f"http://127.0.0.1:1/{name}"


HOSTILE_BODY = f"""
<style>
@import url("file:///etc/passwd");
@import url("{_vector('import')}");
@font-face {{ font-family: stolen; src: url("{_vector('font-face')}"); }}
@font-face {{ font-family: stolen2; src: url("file:///etc/passwd"); }}
p.bg {{ background: url("{_vector('background')}"); font-family: stolen, stolen2; }}
</style>
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="{_vector('link-attachment')}">
<link rel="stylesheet" href="{_vector('link-stylesheet')}">
<link rel="stylesheet" href="/static/../pyproject.toml">
<p class="bg">正文。<a rel="attachment" href="{_vector('a-attachment')}">附件</a>
<a rel="attachment" href="file:///etc/passwd">附件</a></p>
<img src="file:///etc/passwd">
<img src="{_vector('img')}">
<img src="/attachments/{OTHER_SHA}">
<object data="{_vector('object')}"></object>
<object data="file:///etc/passwd"></object>
<embed src="{_vector('embed')}">
<embed src="file:///etc/passwd">
<iframe src="file:///etc/passwd"></iframe>
<img src="/attachments/{factories.IGUANA_SHA}">
"""


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory):
    spec = factories.spec(oral=1, written=0)
    attacker = factories.with_image(spec.pieces[0])
    attacker = replace(attacker, body_html=HOSTILE_BODY)
    spec = replace(spec, sections=(replace(spec.sections[0], pieces=(attacker,)),))
    path = tmp_path_factory.mktemp("hostile") / "book.pdf"
    return render_book(spec, path, processes=1), path


@pytest.mark.slow
@pytest.mark.parametrize("vector", VECTORS)
def test_each_way_into_a_foreign_url_is_refused(hostile_book, vector):
    result, _path = hostile_book
    assert _vector(vector) in result.refused_urls


@pytest.mark.slow
def test_a_hostile_body_reaches_nothing_outside_the_build(hostile_book):
    result, _path = hostile_book
    refused = set(result.refused_urls)
    assert "file:///etc/passwd" in refused
    assert BASE_URL + f"attachments/{OTHER_SHA}" in refused
    assert BASE_URL + "pyproject.toml" in refused   # /static/.. collapsed by URL resolution
    assert not any(factories.IGUANA_SHA in url for url in refused)


@pytest.mark.slow
def test_a_hostile_body_embeds_no_foreign_file(hostile_book):
    _result, path = hostile_book
    reader = PdfReader(path)
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert all("/FileAttachment" not in str(a.get_object().get("/Subtype"))
               for page in reader.pages for a in page.get("/Annots", []))
    secret = PASSWD.read_bytes()[:64]
    assert secret not in path.read_bytes()
    streams = list(_all_streams(reader))
    assert streams and all(secret not in data for data in streams)
    assert "root:x:0:0" not in "".join(p.extract_text() for p in reader.pages)


@pytest.mark.slow
def test_a_hostile_body_still_shows_its_own_image(hostile_book):
    _result, path = hostile_book
    # WeasyPrint shares one resource dictionary between pages: count distinct images
    images = {img.data for page in PdfReader(path).pages for img in page.images}
    assert len(images) == 1


def _all_streams(reader):
    """Every stream in the file, decoded: fonts, images, page contents."""
    numbers = {n for generation in reader.xref.values() for n in generation} | set(reader.xref_objStm)
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if hasattr(obj, "get_data"):
            yield obj.get_data()
