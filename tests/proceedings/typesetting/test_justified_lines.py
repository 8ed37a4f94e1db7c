"""Every line inside a paragraph reaches the right edge of the text block, read off the
rendered pages (BOOK-STYLE.md T1, issue 10 item 7): all-Chinese lines, and lines that mix
Chinese with Latin letters and digits, which Chinese typesetting spreads between characters."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app.domain.proceedings.typesetting.render import render_book

from . import factories
from .pdf_reading import BLOCK_RIGHT, lines_inside_paragraphs, line_words, outline

pytestmark = pytest.mark.slow

LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")

MIXED_SENTENCES = (
    "2024年全省PM2.5平均浓度为29.3微克/立方米，同比下降2.7%，优良天数比例达到87.2%。",
    "我们依托GIS平台和AI识别技术，对全省1,235个重点点位开展了在线监测。",
    "全年完成VOCs综合治理项目486个，削减排放量约3.6万吨。",
    "第二轮中央生态环境保护督察交办的312件信访问题已全部办结。",
    "新建改造污水管网1,820公里，城市生活污水集中收集率提高到72.5%。",
)
CHINESE_SENTENCES = factories.ZH_SENTENCES[:6]
NAMES = ("Shenzhen", "Guangzhou", "Chongqing", "Hangzhou", "Xinjiang", "Heilongjiang", "Guangdong",
         "Qinghai", "Chengdu", "Nanchang", "Shijiazhuang", "Urumqi")
ENGLISH_SENTENCES = tuple(
    f"Inspectors from {a} compared their procedures with colleagues from {b} and {c}, "
    f"and the delegations of {d} reported measurable improvements."
    for a, b, c, d in zip(NAMES, NAMES[3:] + NAMES[:3], NAMES[6:] + NAMES[:6], NAMES[9:] + NAMES[:9]))


def _paragraphs(sentences, count: int, per_paragraph: int) -> str:
    pool = [sentences[i % len(sentences)] for i in range(count * per_paragraph)]
    return "".join("<p>" + "".join(pool[p * per_paragraph:(p + 1) * per_paragraph]) + "</p>"
                   for p in range(count))


def _book():
    spec = factories.spec(oral=1, written=1)
    oral, written = spec.sections
    mixed = replace(oral.pieces[0], title="数字与字母混排的交流发言", lang="zh-CN",
                    body_html="<h2>一、主要做法</h2>" + _paragraphs(MIXED_SENTENCES, 8, 4))
    chinese = replace(written.pieces[0], title="全中文的书面交流材料", lang="zh-CN",
                      body_html="<h2>一、主要做法</h2>" + _paragraphs(CHINESE_SENTENCES, 8, 5))
    english = replace(written.pieces[0], title="Names kept whole", lang="en", key="english-names",
                      body_html="<h2>1. What we did</h2>" + _paragraphs(ENGLISH_SENTENCES, 8, 4))
    return replace(spec, sections=(replace(oral, pieces=(mixed,)),
                                   replace(written, pieces=(chinese, english))))


@pytest.fixture(scope="module")
def justified_books(tmp_path_factory):
    """The book built as one document and piece by piece."""
    spec, folder = _book(), tmp_path_factory.mktemp("justified")
    for processes in (1, 2):
        render_book(spec, folder / f"book-{processes}.pdf", processes=processes)
    return spec, {n: folder / f"book-{n}.pdf" for n in (1, 2)}


def _body_pages(spec, path, title):
    marks = dict(outline(path))
    first = marks[title]
    later = sorted(i for i in marks.values() if i > first)
    return range(first, later[0] if later else first + 4)


@pytest.mark.parametrize("processes", [1, 2], ids=["one-document", "piece-by-piece"])
@pytest.mark.parametrize("title, mixed", [("全中文的书面交流材料", False), ("数字与字母混排的交流发言", True)],
                         ids=["all-chinese", "mixed-with-latin-and-digits"])
def test_every_line_inside_a_paragraph_ends_at_the_right_edge_of_the_text_block(
        justified_books, processes, title, mixed):
    spec, paths = justified_books
    path = paths[processes]
    checked = []
    for page in _body_pages(spec, path, title):
        for text, right in lines_inside_paragraphs(path, page):
            if bool(LATIN_OR_DIGIT.search(text)) == mixed:
                checked.append((page, text, right))
    assert len(checked) >= 15, checked          # enough lines to say something
    short = [(page, text[:12], round(BLOCK_RIGHT - right, 2)) for page, text, right in checked
             if abs(right - BLOCK_RIGHT) > 0.5]
    assert short == []


@pytest.mark.parametrize("processes", [1, 2], ids=["one-document", "piece-by-piece"])
def test_english_names_are_never_hyphenated_though_other_words_are(justified_books, processes):
    spec, paths = justified_books
    path = paths[processes]
    last_words = [words[-1] for page in _body_pages(spec, path, "Names kept whole")
                  for words in line_words(path, page) if words]
    hyphenated = [word for word in last_words if word.endswith(("-", "\u2010"))]
    assert hyphenated, "no line was hyphenated: the test says nothing"
    assert [word for word in hyphenated if word[:1].isupper()] == []
