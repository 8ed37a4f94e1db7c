"""What a Word document holds that cannot come through is named, in the author's language.

Each document is built with python-docx, with the part that cannot be
imported written into its XML as Word writes it.
"""
import io

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml

from app.domain.submissions.docx.importer import import_document
from app.domain.submissions.docx.notes import as_body_notes
from app.models import Submission
from tests.helpers import page_text

NAMESPACES = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "dgm": "http://schemas.openxmlformats.org/drawingml/2006/diagram",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
}.items())
TEXT_BOX = ('<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Boxed words</w:t></w:r></w:p>'
            '</w:txbxContent></wps:txbx></wps:wsp>')


def drawing(uri: str, content: str) -> str:
    return (f'<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="7" name="Object"/>'
            f'<a:graphic><a:graphicData uri="{uri}">{content}</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')


FRAGMENTS = {
    "chart": drawing("http://schemas.openxmlformats.org/drawingml/2006/chart", '<c:chart r:id="rId90"/>'),
    "smartart": drawing("http://schemas.openxmlformats.org/drawingml/2006/diagram",
                        '<dgm:relIds r:dm="rId91" r:lo="rId92" r:qs="rId93" r:cs="rId94"/>'),
    "shape-group": drawing("http://schemas.microsoft.com/office/word/2010/wordprocessingGroup", "<wpg:wgp/>"),
    "equation": "<m:oMath><m:r><m:t>E=mc²</m:t></m:r></m:oMath>",
    # As Word writes a text box: the DrawingML shape, and a VML copy for older readers.
    "text-box": ('<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
                 + drawing("http://schemas.microsoft.com/office/word/2010/wordprocessingShape", TEXT_BOX)[5:-6]
                 + '</mc:Choice><mc:Fallback><w:pict><v:rect><v:textbox><w:txbxContent><w:p><w:r>'
                 '<w:t>Boxed words</w:t></w:r></w:p></w:txbxContent></v:textbox></v:rect></w:pict>'
                 '</mc:Fallback></mc:AlternateContent></w:r>'),
    "text-box-without-copy": drawing("http://schemas.microsoft.com/office/word/2010/wordprocessingShape", TEXT_BOX),
    "tracked-changes": ('<w:ins w:id="31" w:author="王" w:date="2026-05-01T09:00:00Z"><w:r><w:t>kept words</w:t>'
                        '</w:r></w:ins><w:del w:id="32" w:author="王" w:date="2026-05-01T09:00:00Z"><w:r>'
                        '<w:delText>gone words</w:delText></w:r></w:del>'),
}
LOCAL_PATH = "file:///C:/Users/张三/Desktop/现场照片.png"


def word_file(kind: str) -> bytes:
    """A document with one paragraph of text and, after it, one thing of `kind`."""
    document = docx.Document()
    paragraph = document.add_paragraph("Before the content. ")
    if kind == "comment":
        document.add_comment(paragraph.runs[0], text="请核实数字", author="李明")
        fragment = ""
    elif kind == "linked-picture":
        link = document.part.relate_to(LOCAL_PATH, RELATIONSHIP_TYPE.IMAGE, is_external=True)
        fragment = drawing("http://schemas.openxmlformats.org/drawingml/2006/picture",
                           f'<pic:pic><pic:blipFill><a:blip r:link="{link}"/></pic:blipFill></pic:pic>')
    else:
        fragment = FRAGMENTS[kind]
    for element in parse_xml(f"<w:wrapper {NAMESPACES}>{fragment}</w:wrapper>"):
        paragraph._p.append(element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# kind: (English, Chinese) that the message must say.
MESSAGES = {
    "chart": ("Charts were left out: they cannot be imported. In Word or WPS, copy each chart, paste it as a picture",
              "图表无法导入，已略去。请在 Word 或 WPS 中复制每个图表，以图片形式粘贴"),
    "smartart": ("SmartArt diagrams were left out", "SmartArt 图形无法导入，已略去"),
    "shape-group": ("Drawn shapes were left out: they cannot be imported. Replace each drawing by a picture",
                    "绘制的形状无法导入，已略去"),
    "equation": ("Equations were left out: they cannot be imported. Write them as ordinary text",
                 "公式无法导入，已略去"),
    "text-box": ("The text of text boxes was imported as ordinary paragraphs", "文本框中的文字已作为普通段落导入"),
    "text-box-without-copy": ("Text boxes were left out with their text", "文本框及其中文字无法导入，已略去"),
    "comment": ("Comments were left out; only the document's text was imported.", "批注未导入；只导入了文档的正文。"),
    "tracked-changes": ("The document has tracked changes. They were imported as accepted: insertions kept, "
                        "deletions removed.", "文档含有修订记录，已按“全部接受”导入：插入的内容保留，删除的内容去掉。"),
    "linked-picture": ("Linked pictures were left out: they are stored outside the document",
                       "链接的图片未导入：它们保存在文档之外"),
}


def no_store(content: bytes, content_type: str) -> str:
    raise AssertionError("no picture expected")


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_each_kind_that_cannot_come_through_is_named_once(kind):
    result = import_document(word_file(kind), store_image=no_store)
    assert [m for m in result.messages if m.startswith(MESSAGES[kind][0])] == result.messages[:1]
    assert result.html.startswith("<p>Before the content.")


def test_a_plain_document_has_nothing_to_report():
    document = docx.Document()
    document.add_paragraph("Only words.")
    out = io.BytesIO()
    document.save(out)
    assert import_document(out.getvalue(), store_image=no_store).messages == []


def test_tracked_changes_come_through_accepted():
    html = import_document(word_file("tracked-changes"), store_image=no_store).html
    assert "kept words" in html and "gone words" not in html


@pytest.mark.parametrize(("kind", "kept"), [("text-box", True), ("text-box-without-copy", False)])
def test_text_box_text_is_kept_only_where_word_wrote_a_copy_for_older_readers(kind, kept):
    html = import_document(word_file(kind), store_image=no_store).html
    assert ("Boxed words" in html) is kept


@pytest.mark.parametrize("kind", sorted(MESSAGES))
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_author_reads_what_was_left_out_in_their_language(client, auth, db, setting, draft, kind, locale):
    setting.ours.user.locale = locale
    db.session.commit()
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/import", data={
        "lock_version": draft.lock_version, "document": (io.BytesIO(word_file(kind)), f"{kind}.docx")},
        content_type="multipart/form-data", follow_redirects=True)
    text = page_text(response)
    english, chinese = MESSAGES[kind]
    assert (english if locale == "en" else chinese) in text
    assert "C:/Users" not in text and "file:" not in text and "mammoth" not in text
    db.session.expire_all()
    assert "Before the content." in db.session.get(Submission, draft.id).body_html


def test_endnotes_follow_footnotes_in_one_list_numbered_by_reference():
    html = ('<p>A<sup><a href="#endnote-2" id="endnote-ref-2">[1]</a></sup>'
            'B<sup><a href="#footnote-1" id="footnote-ref-1">[2]</a></sup></p>'
            '<ol><li id="endnote-2"><p> End. <a href="#endnote-ref-2">↑</a></p></li>'
            '<li id="footnote-1"><p>Foot. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    assert as_body_notes(html) == (
        '<p>A<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>'
        'B<sup class="footnote-ref"><a href="#fn2" id="fnref2">[2]</a></sup></p>'
        '<hr class="footnotes-sep" /><section class="footnotes"><ol class="footnotes-list">'
        '<li id="fn1" class="footnote-item"><p>End. <a href="#fnref1" class="footnote-backref">↩︎</a></p></li>'
        '<li id="fn2" class="footnote-item"><p>Foot. <a href="#fnref2" class="footnote-backref">↩︎</a></p></li>'
        '</ol></section>')


def test_a_document_without_notes_is_left_alone():
    html = "<p>No notes, just an <sup>exponent</sup>.</p><ol><li>one</li></ol>"
    assert as_body_notes(html) == html
