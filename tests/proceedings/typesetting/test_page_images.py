"""Key pages of the built test books as PNG files, for a person to look at.

Rasterised with poppler's ``pdftoppm -r 80`` into ``test-artifacts/book-pages/``
at the repository root (gitignored; emptied at the start of each run), named
after what each page is. The test holds that every file is there and shows
something; the eye judges the typography (BOOK-STYLE.md).
"""
from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from app.config import ROOT

from .pdf_reading import outline, page_texts

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts" / "book-pages"


def _ministry_pages(spec, path) -> dict[str, int]:
    texts = page_texts(path)
    marks = dict(outline(path))
    chinese, english = spec.sections[0].pieces[0], spec.sections[0].pieces[1]

    def first(test) -> int:
        return next(i for i, text in enumerate(texts) if test(text))

    return {
        "01-cover": 0,
        "02-cover-verso": 1,
        "03-foreword": first(lambda t: t.startswith("前\u3000言")),
        "04-contents": first(lambda t: t.startswith("目\u3000录")),
        "05-programme-of-the-oral-session": first(lambda t: t.startswith("发言顺序表")),
        "06-section-divider": marks[spec.sections[0].title_zh],
        "07-chinese-piece-first-page": marks[chinese.title],
        "08-footnote-and-table": first(lambda t: "数据来源" in t and "表1" in t),
        "09-english-piece-first-page": marks[english.title],
        "10-english-piece-second-page": marks[english.title] + 1,
        "11-index": first(lambda t: t.startswith("重点任务索引")),
    }


def _western_pages(spec, path) -> dict[str, int]:
    texts = page_texts(path)
    marks = dict(outline(path))
    return {
        "21-western-cover": 0,
        "22-western-contents": next(i for i, t in enumerate(texts) if t.startswith("Contents")),
        "23-western-programme": next(i for i, t in enumerate(texts) if t.startswith("Programme of the oral session")),
        "24-western-english-piece-first-page": marks[spec.sections[0].pieces[1].title],
    }


def _rasterise(path, page_index: int, name: str) -> None:
    page = str(page_index + 1)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", page, "-l", page, str(path),
                    str(ARTIFACTS / name)], check=True, capture_output=True)


def _inked_share(png) -> float:
    """The share of the page's pixels that are not (near) white."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return sum(histogram[:200]) / (grey.width * grey.height)


def test_key_pages_of_the_built_books_are_written_as_png_files(programme_builds, western_programme_book):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    spec, builds = programme_builds
    _result, path = builds[1]
    western_spec, _western_result, western_path = western_programme_book
    wanted = {**{name: (path, index) for name, index in _ministry_pages(spec, path).items()},
              **{name: (western_path, index) for name, index in _western_pages(western_spec, western_path).items()}}
    for name, (book, index) in wanted.items():
        _rasterise(book, index, name)

    written = sorted(p.name for p in ARTIFACTS.iterdir())
    assert written == sorted(f"{name}.png" for name in wanted)
    for name in wanted:
        png = ARTIFACTS / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        with Image.open(png) as image:
            assert image.size == (662, 936), name        # A4 at 80 dpi (pdftoppm rounds up), portrait
        assert _inked_share(png) > 0.002, f"{name} is blank"
