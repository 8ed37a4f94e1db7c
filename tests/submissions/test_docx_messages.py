import pytest

from app.domain.submissions.docx.messages import describe
from app.domain.submissions.docx.warnings import note_for_warning


@pytest.mark.parametrize(
    ("warning", "plain"),
    [
        ("Unrecognised paragraph style: 标题样式 (Style ID: a1)",
         "Paragraphs in the style '标题样式' were imported as ordinary paragraphs."),
        ("Unrecognised run style: Emphasis Strong (Style ID: es)",
         "Text in the style 'Emphasis Strong' was imported as ordinary text."),
        ("Image of type image/x-emf is unlikely to display in web browsers",
         "A picture in EMF format was left out: only PNG, JPEG and GIF pictures are kept. "
         "Save it as PNG or JPEG, insert it again and import the document again."),
        ("An unrecognised element was ignored: {http://schemas.openxmlformats.org/officeDocument/2006/math}oMath",
         "Equations were left out: they cannot be imported. Write them as ordinary text, or insert "
         "them as pictures, then import the document again."),
        ("An unrecognised element was ignored: m:oMathPara",
         "Equations were left out: they cannot be imported. Write them as ordinary text, or insert "
         "them as pictures, then import the document again."),
    ],
)
def test_mammoth_warnings_are_reworded(warning, plain):
    assert describe(note_for_warning(warning)) == plain


@pytest.mark.parametrize("warning", [
    "Something new happened",
    "An unrecognised element was ignored: w:customXmlDelRangeStart",
    "could not open external image: 'C:\\Users\\张三\\Desktop\\照片.png' (document directory: 'None')\n"
    "[Errno 2] No such file or directory",
])
def test_no_warning_is_passed_on_in_the_librarys_words(warning):
    message = describe(note_for_warning(warning))
    assert "Users" not in message and "external image" not in message and "Errno" not in message
    assert "unrecognised" not in message.lower() and "w:" not in message and "new happened" not in message
