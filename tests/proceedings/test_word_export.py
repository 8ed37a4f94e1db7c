"""The same book in Word: the .docx of an edition opens, holds every piece in order, keeps the house
style in real Word structures (styles with East Asian fonts, tables, pictures, footnotes, a TOC field),
is byte-identical when made twice, and is downloaded under the same rules as the PDF."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone

import docx
import pytest
from docx.oxml.ns import qn

from app.domain.proceedings import editions, word_files
from app.domain.proceedings.word_export import build_docx
from app.models import AuditEvent, Role
from app.storage import file_store
from tests.factories import approved_piece
from tests.helpers import page_text
from tests.proceedings.test_edition_lifecycle import _built
from tests.proceedings.typesetting.conftest import small_book

CREATED = datetime(2024, 12, 1, 9, 30)
NOTE_BODY = ("## 一、主要做法\n\n我省坚持精准治污，优良天数比例达到百分之八十七。[^1]\n\n"
             "| 地区 | 优良天数 |\n|---|---:|\n| 天津 | 87 |\n\n[^1]: 数据来源：省监测总站。\n")


@pytest.fixture(scope="module")
def spec():
    return small_book()


@pytest.fixture(scope="module")
def data(spec):
    return build_docx(spec, created=CREATED)


@pytest.fixture(scope="module")
def document(data):
    return docx.Document(io.BytesIO(data))


def _east_asia(element) -> str | None:
    """The East Asian font a run or style names (python-docx does not read it)."""
    properties = element.find(qn("w:rPr"))
    fonts = properties.find(qn("w:rFonts")) if properties is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_the_docx_opens_with_every_piece_in_order_and_the_bodies_text(spec, document):
    titles = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert titles == [piece.title for section in spec.sections for piece in section.pieces]
    dividers = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert dividers[-2:] == ["大会交流发言", "书面交流材料"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "全年共开展专项检查一百二十余次" in text and "The results are summarised in the table below" in text
    # Chinese-only cover: conference title, organiser, date.
    cover = "\n".join(p.text for p in document.paragraphs[:25])
    assert spec.conference.title_zh in cover and spec.conference.organiser_zh in cover and "2024年" in cover
    assert spec.conference.title_en not in cover
    props = document.core_properties
    assert spec.conference.title_zh in props.title and props.author == spec.conference.organiser_zh
    assert props.created == props.modified == CREATED.replace(tzinfo=timezone.utc)


def test_each_piece_opens_a_section_on_an_odd_page_with_folios_and_circled_notes(spec, document):
    pieces = sum(len(section.pieces) for section in spec.sections)
    sections = document.sections
    assert len(sections) >= pieces + 2
    assert all(s._sectPr.find(qn("w:type")).get(qn("w:val")) == "oddPage" for s in sections[1:])
    formats = {s._sectPr.find(qn("w:footnotePr")).find(qn("w:numFmt")).get(qn("w:val")) for s in sections}
    assert formats == {"decimalEnclosedCircleChinese"}
    # Folio 1 on the first divider (cover, contents and foreword come before it), nowhere else.
    numbering = [(i, n.get(qn("w:fmt")), n.get(qn("w:start"))) for i, s in enumerate(sections)
                 if (n := s._sectPr.find(qn("w:pgNumType"))) is not None]
    assert numbering == [(1, "upperRoman", "1"), (2, "upperRoman", None), (3, "decimal", "1")]
    assert sections[3].start_type == 4  # odd page
    footer = sections[1].footer._element.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer


def test_headings_and_the_opening_keep_the_house_faces(document):
    styles = document.styles
    assert _east_asia(styles["Heading 2"].element) == "SimSun" and styles["Heading 2"].font.bold
    assert _east_asia(styles["Heading 3"].element) == "SimHei"  # body h2 "一、"
    assert _east_asia(styles["Heading 4"].element) == "KaiTi"   # body h3
    assert styles["Heading 5"].font.bold and styles["Normal"].font.size.pt == 12
    h2 = next(p for p in document.paragraphs if p.style.name == "Heading 3")
    assert h2.text == "一、主要做法"
    paragraphs = document.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 2")
    assert paragraphs[at].style.paragraph_format.alignment == 1  # centred
    byline = paragraphs[at + 2]
    assert byline.text == "天津示范局" and _east_asia(byline.runs[0]._r) == "KaiTi"
    body = next(p for p in document.paragraphs if p.text.startswith("各地区认真贯彻落实"))
    assert _east_asia(body.runs[0]._r) == "SimSun"
    assert body._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"


def test_tables_pictures_and_notes_are_real_word_structures(data, document):
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["地区", "检查次数", "整改率"]
    assert table.style.name == "Table Grid" and table.rows[1].cells[1].paragraphs[0].alignment == 2  # right
    captions = [p.text for p in document.paragraphs]
    assert "表1　各地检查情况" in captions and "图1　鬣蜥" in captions
    assert len(document.inline_shapes) == 1
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert any(name.startswith("word/media/") for name in archive.namelist())
    footnotes = archive.read("word/footnotes.xml").decode()
    assert "数据来源：各地报送材料。" in footnotes and 'w:type="separator"' in footnotes
    body = archive.read("word/document.xml").decode()
    assert "<w:footnoteReference" in body and "数据来源" not in body and "↩" not in body
    assert "footnotes+xml" in archive.read("[Content_Types].xml").decode()
    assert "footnotes.xml" in archive.read("word/_rels/document.xml.rels").decode()
    fonts = archive.read("word/fontTable.xml").decode()
    assert 'w:name="KaiTi"' in fonts and "Noto Serif CJK SC" in fonts


def test_the_contents_is_a_toc_field_holding_its_entries(spec, document):
    xml = document.element.body.xml
    assert 'TOC \\o "1-2"' in xml and 'w:fldCharType="begin"' in xml
    start = next(i for i, p in enumerate(document.paragraphs) if p.text == "目　录")
    entries = [p.text for p in document.paragraphs[start + 1:start + 8]]
    assert entries[:3] == ["前　言", "大会交流发言", spec.sections[0].pieces[0].title]
    assert "<w:updateFields" in document.settings.element.xml


def test_the_programme_of_the_oral_session_is_a_table_in_the_front_matter_only_when_chosen(spec, document):
    from dataclasses import replace

    from tests.proceedings.typesetting.factories import programme

    assert not any(p.text == "发言顺序表" for p in document.paragraphs)
    with_programme = replace(spec, programme=programme(spec))
    chosen = docx.Document(io.BytesIO(build_docx(with_programme, created=CREATED)))
    texts = [p.text for p in chosen.paragraphs]
    contents = texts.index("目　录")
    assert texts[contents + 1:contents + 3] == ["前　言", "发言顺序表"]   # Word's contents list the front matter
    foreword = texts.index("前　言", contents + 3)
    heading = texts.index("发言顺序表", foreword)
    assert heading < texts.index(spec.sections[0].title_zh, heading)   # the last page before the body
    table = next(t for t in chosen.tables if t.rows[0].cells[0].text == "序号")
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    oral = spec.sections[0].pieces
    assert cells == [["序号", "发言单位", "发言人", "职务", "时长（分钟）"]] + [
        [str(n), p.organisation_zh, p.speaker_name, p.speaker_post, str(minutes)]
        for n, (p, minutes) in enumerate(zip(oral, (12, 8)), start=1)]
    assert f"共 {len(oral)} 个发言，计划用时 20 分钟。" in texts
    # its own section (cover, contents, foreword, programme) opens on a right-hand page with a roman folio
    programme_section = chosen.sections[3]
    assert programme_section.start_type == 4   # odd page
    assert programme_section._sectPr.find(qn("w:pgNumType")).get(qn("w:fmt")) == "upperRoman"
    assert chosen.sections[4]._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"


def test_the_same_edition_gives_the_same_bytes(spec, data):
    assert build_docx(spec, created=CREATED) == data
    assert build_docx(spec, created=datetime(2025, 1, 2)) != data


# --- editions, caching and who may download ---------------------------------------------

@pytest.fixture
def book(app, factory):
    conference = factory.conference(title_en="National Conference on Blue Skies")
    piece = approved_piece(factory, conference, title="深入打好蓝天保卫战", body=NOTE_BODY)
    editor = factory.user(Role.EDITOR)
    published, unpublished = (_built(factory, conference, editor, app.config["EDITIONS_DIR"]) for _ in range(2))
    editions.publish_edition(published, actor=editor)
    factory.commit()
    return conference, piece.organisation, editor


def test_an_editor_downloads_the_docx_of_an_edition_kept_beside_its_pdf(app, factory, client, auth, book):
    conference, _bureau, editor = book
    auth.login(editor.username)
    page = page_text(client.get(f"/proceedings/{conference.slug}/editions/2"))
    assert "Download for Word (.docx)" in page
    response = client.get(f"/proceedings/{conference.slug}/editions/2/download.docx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".docx" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == ["深入打好蓝天保卫战"]
    assert "数据来源：省监测总站。" in zipfile.ZipFile(io.BytesIO(response.data)).read("word/footnotes.xml").decode()
    assert document.tables[0].rows[1].cells[0].text == "天津"
    edition = editions.edition_by_number(conference, 2)
    store, kept = file_store(app), word_files.docx_key(edition)
    assert store.read(kept) == response.data and store.exists(editions.edition_key(edition))
    store.delete(kept)  # made again from the frozen edition: the very same bytes
    assert client.get(f"/proceedings/{conference.slug}/editions/2/download.docx").data == response.data


def test_another_bureau_gets_404_for_an_unpublished_docx_and_a_bureau_downloads_a_published_one(
        app, factory, client, auth, book):
    conference, bureau, _editor = book
    member = factory.user(Role.SUBMITTER, organisation=bureau)
    outsider = factory.user(Role.SUBMITTER)
    factory.commit()
    auth.login(outsider.username)
    assert client.get(f"/proceedings/published/{conference.slug}/1.docx").status_code == 404
    assert client.get(f"/proceedings/published/{conference.slug}/2.docx").status_code == 404
    auth.logout()
    auth.login(member.username)
    assert client.get(f"/proceedings/published/{conference.slug}/2.docx").status_code == 404
    assert client.get(f"/proceedings/{conference.slug}/editions/2/download.docx").status_code == 403
    assert "Word (.docx)" in page_text(client.get("/proceedings/published"))
    response = client.get(f"/proceedings/published/{conference.slug}/1.docx")
    assert "深入打好蓝天保卫战" in [p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs]
    events = factory.db.session.query(AuditEvent).filter_by(action="edition_download", actor_id=member.id).all()
    assert [e.detail.get("format") for e in events] == ["docx"]


@pytest.mark.slow
def test_libreoffice_converts_the_docx_to_a_pdf_holding_every_title(spec, data, tmp_path):
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils is not installed")
    source = tmp_path / "book.docx"
    source.write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "book.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for section in spec.sections:
        for piece in section.pieces:
            assert piece.title in text
    assert "数据来源：各地报送材料。" in text and "目 录" in text.replace("　", " ")


def test_odd_bodies_still_give_a_whole_document(spec):
    """A missing or unreadable picture, a call to no note, a note with a picture and a call, a row wider
    than the table, bare text and nested lists: each is written as text, nothing is lost or broken."""
    from dataclasses import replace

    odd = ('bare text first<p>图：<img src="/attachments/' + "f" * 64 + '" alt="缺失的图片"></p>'
           '<p><img src="/attachments/nope" alt="无效"></p>'
           '<p>无注的引用<a href="#missing">[9]</a>，有注<sup class="footnote-ref"><a href="#fn1">[1]</a></sup>。</p>'
           '<table><tr><td colspan="5">跨列</td></tr><tr><td>甲</td><td>乙</td><td>丙</td></tr></table>'
           '<ul><li>一级<ol><li>二级</li></ol></li></ul><p></p><blockquote><p>引文</p></blockquote>'
           '<section class="footnotes"><ol><li id="fn1"><p>注中有图<img src="/x" alt="注图">与引用'
           '<a href="#fn1">[1]</a></p></li></ol></section>')
    piece = replace(spec.sections[0].pieces[0], body_html=odd, attachment_paths={})
    book = replace(spec, sections=(replace(spec.sections[0], pieces=(piece,)),))
    data = build_docx(book, created=CREATED)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    for expected in ("bare text first", "图：缺失的图片", "［无效］", "图1　无效", "无注的引用[9]，有注。", "• 一级", "1. 二级", "引文"):
        assert expected in text
    assert document.tables[0].rows[1].cells[2].text == "丙" and len(document.inline_shapes) == 0
    footnotes = zipfile.ZipFile(io.BytesIO(data)).read("word/footnotes.xml").decode()
    assert "注中有图注图与引用[1]" in re.sub(r"<[^>]+>", "", footnotes) and "footnoteReference" not in footnotes


def test_a_picture_attached_to_the_piece_is_read_from_storage_into_the_edition_docx(app, factory, client, auth):

    from PIL import Image

    from app.domain.submissions.attachments import add_attachment
    from app.domain.submissions.bodies.rendering import render_body
    from app.domain.submissions.limits import UploadPolicy
    from app.models import SubmissionState

    conference = factory.conference()
    piece = approved_piece(factory, conference, title="有图的材料", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    png = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(png, "PNG")
    png.seek(0)
    sha = add_attachment(piece, png, "map.png", actor=author, store=file_store(app),
                         policy=UploadPolicy())[0].sha256
    piece.body_source = f"正文。\n\n![治理区域图](/attachments/{sha})\n"
    piece.body_html = render_body(piece.body_source).html
    factory.move_to(piece, SubmissionState.APPROVED, author=author)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    auth.login(editor.username)
    data = client.get(f"/proceedings/{conference.slug}/editions/1/download.docx").data
    document = docx.Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 1
    assert "图1　治理区域图" in [p.text for p in document.paragraphs]
    media = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    assert len(media) == 1
