"""The oral programme (发言顺序表): order, totals, the one-page PDF, the Word table, who may see it."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.domain.errors import Forbidden
from app.domain.proceedings.programme import programme_of
from app.models import ExchangeKind, Role, SubmissionState
from tests.factories import approved_piece


def _speech(factory, conference, order, title, minutes, *, state=SubmissionState.APPROVED, post="局长", name="李建华"):
    piece = approved_piece(factory, conference, kind=ExchangeKind.ORAL, title=title,
                           speaking_order=order, state=state)
    piece.planned_minutes, piece.speaker_post, piece.speaker_name = minutes, post, name
    factory.db.session.flush()
    return piece


@pytest.fixture
def conference(factory):
    conference = factory.conference()
    _speech(factory, conference, 3, "第三个发言：推进美丽中国建设", 8)
    _speech(factory, conference, 1, "第一个发言：深入打好蓝天保卫战", 10)
    _speech(factory, conference, 2, "第二个发言：守护碧水清流", 7, state=SubmissionState.SUBMITTED)
    _speech(factory, conference, 4, "草稿不列入", 5, state=SubmissionState.DRAFT)
    approved_piece(factory, conference, kind=ExchangeKind.WRITTEN, title="书面材料不列入", speaking_order=0)
    factory.commit()
    return conference


def test_speeches_in_speaking_order_with_running_totals_and_pending_ones_marked(app, factory, conference):
    rows = programme_of(conference, actor=factory.user(Role.EDITOR))
    assert [(r.order, r.title[:3], r.minutes, r.running_minutes, r.approved) for r in rows] == [
        (1, "第一个", 10, 10, True), (2, "第二个", 7, 17, False), (3, "第三个", 8, 25, True)]
    with pytest.raises(Forbidden):
        programme_of(conference, actor=factory.user(Role.REVIEWER))


def test_the_page_lists_the_speeches_for_editors_only(app, factory, client, auth, conference):
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)
    bureau = factory.user(Role.SUBMITTER)
    factory.commit()
    for user in (reviewer, bureau):
        auth.login(user.username)
        for suffix in ("", ".pdf", ".docx"):
            response = client.get(f"/proceedings/{conference.slug}/programme{suffix}")
            assert response.status_code in (403, 404) and "第一个发言" not in response.get_data(as_text=True)
        auth.logout()
    auth.login(editor.username)
    page = client.get(f"/proceedings/{conference.slug}/programme").get_data(as_text=True)
    assert page.index("第一个发言") < page.index("第二个发言") < page.index("第三个发言")
    assert "not yet approved" in page and "草稿不列入" not in page and "书面材料不列入" not in page
    assert f"/proceedings/{conference.slug}/programme" in client.get(f"/proceedings/{conference.slug}/").get_data(
        as_text=True)


def test_the_pdf_is_one_page_with_the_titles_in_order(app, factory, client, auth, conference):
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    response = client.get(f"/proceedings/{conference.slug}/programme.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert text.index("第一个发言") < text.index("第二个发言") < text.index("第三个发言")
    assert "发言顺序表" in text and "未审定" in text and "25" in text


def test_the_word_file_opens_and_holds_the_table(app, factory, client, auth, conference):
    from docx import Document

    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    response = client.get(f"/proceedings/{conference.slug}/programme.docx")
    table = Document(io.BytesIO(response.data)).tables[0]
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0][0] == "序号" and [row[0] for row in cells[1:]] == ["1", "2", "3"]
    assert cells[1][3].startswith("第一个发言") and cells[2][3].endswith("（未审定）")
    assert [row[6] for row in cells[1:]] == ["10", "17", "25"]
    assert cells[1][2] == "局长　李建华"


def test_hostile_titles_do_not_break_the_programme(app, factory, client, auth, database_url):
    conference = factory.conference()
    long_title = "长" * 10_000 if database_url.startswith("sqlite") else "长" * 300
    _speech(factory, conference, 1, long_title, 10)
    nul = "\u0000" if database_url.startswith("sqlite") else ""   # PostgreSQL refuses NUL in text itself
    _speech(factory, conference, 2, f"<script>alert(1)</script>\u202e{nul}反转", 5,
            post="<b>处长</b>", name="\u2067王\u2069")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    page = client.get(f"/proceedings/{conference.slug}/programme").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\u202e" not in page and "长" * 121 not in page

    pdf = client.get(f"/proceedings/{conference.slug}/programme.pdf")
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 1 and "反转" in reader.pages[0].extract_text()

    from docx import Document
    table = Document(io.BytesIO(client.get(f"/proceedings/{conference.slug}/programme.docx").data)).tables[0]
    assert table.rows[2].cells[3].text == "<script>alert(1)</script>反转"
    assert len(table.rows[1].cells[3].text) <= 120


def test_a_session_where_every_bureau_speaks_still_prints_on_one_page(app, factory, client, auth):
    conference = factory.conference()
    for order in range(1, 33):
        _speech(factory, conference, order, f"第{order}个发言：以“绣花功夫”深入打好蓝天保卫战", 8,
                post="生态环境厅党组书记、厅长", name="欧阳建华")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    reader = PdfReader(io.BytesIO(client.get(f"/proceedings/{conference.slug}/programme.pdf").data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert text.index("第1个发言") < text.index("第2个发言") < text.index("第32个发言") and "256" in text
