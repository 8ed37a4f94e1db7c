import pytest

from app.domain.submissions.docx.messages import plain_message


@pytest.mark.parametrize(
    ("warning", "plain"),
    [
        ("Unrecognised paragraph style: 标题样式 (Style ID: a1)",
         "Paragraphs in the style '标题样式' were imported as ordinary paragraphs."),
        ("Unrecognised run style: Emphasis Strong (Style ID: es)",
         "Text in the style 'Emphasis Strong' was imported as ordinary text."),
        ("Image of type image/x-emf is unlikely to display in web browsers",
         "An image of type image/x-emf was left out: only PNG, JPEG and GIF images are kept."),
        ("An unrecognised element was ignored: w:customXml",
         "Some content of a kind that cannot be imported (w:customXml) was left out."),
    ],
)
def test_mammoth_warnings_are_reworded(warning, plain):
    assert plain_message(warning) == plain


def test_an_unknown_warning_is_passed_on():
    assert plain_message("Something new happened") == "Something new happened"
