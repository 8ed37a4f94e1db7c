"""Pieces numbered as the edition chose: none, 1. 2. 3., 一、二、三、, or per section."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.domain.proceedings import editions
from app.domain.proceedings.typesetting.book import BookSection
from app.domain.proceedings.typesetting.numbering import chinese_numeral, numbered_sections
from app.models import EditionStatus, ExchangeKind, ProceedingsEdition, Role
from app.storage import file_store
from tests.factories import EN_BODY, approved_piece
from tests.proceedings.typesetting import factories as book


def test_chinese_numerals_as_a_compilation_writes_them():
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 99, 100, 101, 110, 115, 160, 1000, 1005)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "九十九", "一百", "一百零一", "一百一十", "一百一十五",
        "一百六十", "一千", "一千零五"]
    with pytest.raises(ValueError):
        chinese_numeral(0)


def test_each_scheme_labels_the_pieces():
    oral = BookSection("oral", "大会交流发言", "Oral", (book.piece(1, kind="oral"), book.piece(2, kind="oral")))
    written = BookSection("written", "书面交流材料", "Written", (book.piece(3),))

    def labels(scheme):
        return [(p.number_label, p.number_line) for s in numbered_sections((oral, written), scheme) for p in s.pieces]

    assert labels("none") == [("", "")] * 3
    assert labels("arabic") == [("1.", ""), ("2.", ""), ("3.", "")]
    assert labels("chinese") == [("一、", ""), ("二、", ""), ("三、", "")]
    assert labels("per_section") == [("一、", "大会交流发言之一"), ("二、", "大会交流发言之二"),
                                     ("一、", "书面交流材料之一")]
    with pytest.raises(ValueError):
        numbered_sections((oral,), "roman")


def test_an_unknown_numbering_is_refused_and_nothing_is_written(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    client.post(f"/proceedings/{conference.slug}/editions",
                data={"edition_date": "2024-12-01", "piece_numbering": "roman"})
    assert factory.db.session.query(ProceedingsEdition).count() == 0


@pytest.mark.slow
@pytest.mark.parametrize("scheme, expected", [
    ("none", ["", "", ""]),
    ("arabic", ["1.", "2.", "3."]),
    ("chinese", ["一、", "二、", "三、"]),
    ("per_section", ["一、", "二、", "一、"]),
])
def test_the_book_prints_the_chosen_numbers_in_the_contents_and_at_each_opening(
        app, factory, client, auth, scheme, expected):
    conference = factory.conference()
    approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=1, title="第一位发言：蓝天保卫战")
    approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=2, title="第二位发言：守护碧水")
    approved_piece(factory, conference, title="Written: Clean soil in the north", body=EN_BODY)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    client.post(f"/proceedings/{conference.slug}/editions",
                data={"edition_date": "2024-12-01", "piece_numbering": scheme})

    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert edition.piece_numbering == scheme
    page = client.get(f"/proceedings/{conference.slug}/editions/{edition.number}").get_data(as_text=True)
    assert {"none": "No numbers", "arabic": "1. 2. 3. through the book", "chinese": "一、二、三、 through the book",
            "per_section": "Per section"}[scheme] in page
    reader = PdfReader(io.BytesIO(file_store(app).read(editions.edition_key(edition))))
    texts = [page.extract_text() for page in reader.pages]
    contents = "".join(texts[:3])
    titles = [item.version.title for item in edition.items]
    for label, title, item in zip(expected, titles, edition.items):
        opening = texts[reader.page_labels.index(str(item.start_page))]
        # the label right before the title, in the contents and at the opening; none when none was chosen
        before = r"(?<![一二三四五六七八九十\d][、.])" if not label else re.escape(label) + r"\s*"
        assert re.search(before + re.escape(title), contents), (label, title)
        if scheme == "per_section":   # the opening says "大会交流发言之一" over the title instead
            assert re.search(r"(?<![一二三四五六七八九十][、])" + re.escape(title), opening)
        else:
            assert re.search(before + re.escape(title), opening), (label, title)
    if scheme == "per_section":
        openings = [texts[reader.page_labels.index(str(item.start_page))] for item in edition.items]
        assert ["大会交流发言之一" in openings[0], "大会交流发言之二" in openings[1],
                "书面交流材料之一" in openings[2]] == [True, True, True]
