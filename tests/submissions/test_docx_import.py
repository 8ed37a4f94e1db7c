import io
import os
import zipfile

import pytest

from app.domain.submissions.bodies.rendering import render_body
from app.domain.submissions.docx.importer import DocxImportError, import_document
from tests.helpers import FIXTURES

ATTACHMENT_URL = "/attachments/" + "ab" * 32
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ImageShelf:
    """A store_image that keeps what it was given."""

    def __init__(self) -> None:
        self.images: list[tuple[bytes, str]] = []

    def __call__(self, content: bytes, content_type: str) -> str:
        self.images.append((content, content_type))
        return ATTACHMENT_URL


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def imported(name_or_bytes, shelf: ImageShelf | None = None, **options):
    data = fixture(name_or_bytes) if isinstance(name_or_bytes, str) else name_or_bytes
    return import_document(data, store_image=shelf or ImageShelf(), **options)


def rewritten(name: str, replacements: dict[str, bytes]) -> bytes:
    """The fixture with some archive members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(FIXTURES / name) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replacements.get(entry.filename, source.read(entry)))
    return out.getvalue()


def test_a_paragraph_arrives():
    assert imported("single-paragraph.docx").html == "<p>Walking on imported air</p>"


def test_the_documents_own_style_map_makes_a_heading():
    assert imported("embedded-style-map.docx").html == "<h1>Walking on imported air</h1>"


def test_list_items_arrive_as_a_list():
    assert imported("simple-list.docx").html == "<ul><li>Apple</li><li>Banana</li></ul>"


def test_table_cells_arrive_in_rows():
    html = imported("tables.docx").html
    assert html == (
        "<p>Above</p><table>"
        "<tr><td><p>Top left</p></td><td><p>Top right</p></td></tr>"
        "<tr><td><p>Bottom left</p></td><td><p>Bottom right</p></td></tr>"
        "</table><p>Below</p>"
    )


def test_nested_tables_and_paragraphs_arrive():
    html = imported("paras-and-tables.docx").html
    for text in ("Lorem ipsum dolor sit amet", "Text before", "<p>Table</p>", "<p>Between</p>",
                 "Text after", "Donec semper facilisis metus finibus malesuada."):
        assert text in html
    assert html.count("<table>") == 4


def test_footnotes_arrive_as_the_notes_markdown_makes():
    markdown = render_body("Ouch[^1].[^2]\n\n[^1]: A tachyon walks into a bar.\n[^2]: Fin.\n")
    imported_body = render_body(imported("footnotes.docx").html)
    assert imported_body.removed == []
    assert imported_body.html == markdown.html.replace("\n", "")


def test_footnote_links_still_match_after_the_body_is_sanitised():
    body = render_body(imported("footnotes.docx").html)
    assert '<sup class="footnote-ref"><a href="#body-fn1" id="body-fnref1">[1]</a></sup>' in body.html
    assert ('<li id="body-fn1" class="footnote-item"><p>A tachyon walks into a bar. '
            '<a href="#body-fnref1" class="footnote-backref">↩︎</a>') in body.html
    assert "↑" not in body.html


def test_underline_becomes_u():
    assert imported("underline.docx").html == "<p><strong>The <u>Sunset</u> Tree</strong></p>"


def test_a_document_xml_with_a_byte_order_mark_is_read():
    assert imported("utf8-bom.docx").html == "<p>This XML has a byte order mark.</p>"


def test_an_empty_document_is_refused():
    with pytest.raises(DocxImportError, match="The document has no text or pictures to import"):
        imported("empty.docx")


def test_images_are_handed_to_store_image_and_linked_by_its_url():
    shelf = ImageShelf()
    result = imported("tiny-picture.docx", shelf)
    with zipfile.ZipFile(FIXTURES / "tiny-picture.docx") as archive:
        original = archive.read("word/media/image1.png")
    assert shelf.images == [(original, "image/png")]
    assert result.image_count == 1
    assert result.html == f'<p><img src="{ATTACHMENT_URL}" /></p>'


def test_an_image_of_another_type_is_left_out_with_a_message():
    with zipfile.ZipFile(FIXTURES / "tiny-picture.docx") as archive:
        types = archive.read("[Content_Types].xml").replace(b'ContentType="image/png"', b'ContentType="image/tiff"')
    shelf = ImageShelf()
    # The picture is all the document has, so nothing is left to import and the message says why.
    with pytest.raises(DocxImportError) as refused:
        imported(rewritten("tiny-picture.docx", {"[Content_Types].xml": types}), shelf)
    assert shelf.images == []
    assert refused.value.message == (
        "The document has no text or pictures to import, so the body was left as it was. "
        "A picture in TIFF format was left out: only PNG, JPEG and GIF pictures are kept. "
        "Save it as PNG or JPEG, insert it again and import the document again.")


def test_an_image_whose_content_is_not_what_it_claims_is_left_out():
    fake = rewritten("tiny-picture.docx", {"word/media/image1.png": b"MZ\x90\x00 not a png"})
    shelf = ImageShelf()
    with pytest.raises(DocxImportError, match="A picture that claims to be PNG but is not was left out."):
        imported(fake, shelf)
    assert shelf.images == []


def test_chinese_text_arrives_exactly():
    text = "关于推进“互联网+政务服务”的经验交流：第一、二季度𠀀"
    with zipfile.ZipFile(FIXTURES / "single-paragraph.docx") as archive:
        document = archive.read("word/document.xml").decode("utf-8")
    document = document.replace("Walking on imported air", text)
    result = imported(rewritten("single-paragraph.docx", {"word/document.xml": document.encode("utf-8")}))
    assert result.html == f"<p>{text}</p>"
    assert render_body(result.html).html == f"<p>{text}</p>"


def test_random_bytes_are_not_a_word_document():
    with pytest.raises(DocxImportError, match="not a document Huibian can import"):
        imported(os.urandom(4096))


def test_a_zip_without_a_document_part_is_not_a_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DocxImportError, match="not a document Huibian can import"):
        imported(out.getvalue())


def test_a_truncated_archive_is_reported_as_damaged():
    with pytest.raises(DocxImportError, match="damaged"):
        imported(fixture("tables.docx")[:3000])


def test_a_corrupt_part_inside_a_sound_archive_is_reported_as_damaged():
    data = bytearray(fixture("tables.docx"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entry = archive.getinfo("word/document.xml")
    start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)
    data[start:start + entry.compress_size] = bytes(entry.compress_size)
    with pytest.raises(DocxImportError, match="damaged"):
        imported(bytes(data))


def ole_file(stream_name: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + stream_name.encode("utf-16-le") + bytes(1024)


@pytest.mark.parametrize("stream", ["EncryptedPackage", "WordDocument"])
def test_an_ole2_header_with_nothing_sound_behind_it_is_damaged(stream):
    with pytest.raises(DocxImportError, match="The document is damaged"):
        imported(ole_file(stream))


def test_a_tiny_ole2_file_is_never_taken_for_a_file_name():
    with pytest.raises(DocxImportError, match="The document is damaged"):
        imported(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1/etc/passwd")


def docx_shaped_zip(extra_entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, size in extra_entries:
            with archive.open(name, "w", force_zip64=True) as entry:
                chunk = bytes(1024 * 1024)
                for _ in range(size // len(chunk)):
                    entry.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = docx_shaped_zip([("word/media/zeros.bin", 200 * 1024 * 1024)])
    assert len(bomb) < 1024 * 1024
    with pytest.raises(DocxImportError, match="more than 100 MB or is compressed suspiciously"):
        imported(bomb)


def test_a_small_entry_compressed_more_than_200_times_is_refused():
    with pytest.raises(DocxImportError, match="compressed suspiciously"):
        imported(docx_shaped_zip([("word/media/zeros.bin", 4 * 1024 * 1024)]))


def test_an_archive_with_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(2_000):
            archive.writestr(f"word/part{number}.xml", "")
    with pytest.raises(DocxImportError, match=r"too many parts \(2001; at most 2000\)"):
        imported(out.getvalue())


def test_a_conversion_over_the_time_limit_is_stopped():
    with pytest.raises(DocxImportError, match="took longer than 0.001 seconds to import"):
        imported("tables.docx", time_limit=0.001)


def test_a_file_that_is_a_png_is_not_a_word_document():
    with pytest.raises(DocxImportError, match="not a document Huibian can import"):
        imported(PNG_MAGIC + bytes(100))
