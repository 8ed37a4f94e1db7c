import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from app.domain.submissions.filetypes import ALLOWED_TYPES, sniff_file_type, sniff_word_format
from tests.helpers import FIXTURES


def sniff_path(path: Path) -> str | None:
    return sniff_file_type(path.read_bytes()[:512], path)


def write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("iguana.jpg", "jpeg"), ("monty-truth.png", "png"), ("tables.docx", "docx"), ("utf8-bom.docx", "docx")],
)
def test_real_files_are_recognised(fixture, expected):
    assert sniff_path(FIXTURES / fixture) == expected


def test_the_name_does_not_matter(tmp_path):
    renamed = tmp_path / "photo.pdf"
    shutil.copy(FIXTURES / "iguana.jpg", renamed)
    assert sniff_path(renamed) == "jpeg"


def test_a_pdf_is_recognised():
    assert sniff_file_type(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") == "pdf"


def test_an_executable_renamed_pdf_is_not_recognised(tmp_path):
    renamed = tmp_path / "report.pdf"
    shutil.copy(sys.executable, renamed)
    assert sniff_path(renamed) is None


def test_a_windows_executable_is_not_recognised():
    assert sniff_file_type(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00") is None


@pytest.mark.parametrize(
    "head",
    [b"<!DOCTYPE html><html><script>", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), b"", b"  %PDF-1.4"],
)
def test_html_old_office_files_and_empty_files_are_not_recognised(head):
    assert sniff_file_type(head) is None


def test_a_workbook_is_told_apart_from_a_document(tmp_path):
    workbook = write_zip(tmp_path / "a.docx", {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
    assert sniff_path(workbook) == "xlsx"


def test_a_zip_without_a_path_cannot_be_judged():
    assert sniff_file_type((FIXTURES / "tables.docx").read_bytes()[:512]) is None


@pytest.mark.parametrize(
    "members",
    [
        {"hello.txt": "hi"},
        {"word/document.xml": "<w:document/>"},
        {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>", "word/vbaProject.bin": "macro"},
    ],
)
def test_other_zips_and_macro_documents_are_not_recognised(tmp_path, members):
    assert sniff_path(write_zip(tmp_path / "x.docx", members)) is None


def test_a_broken_zip_is_not_recognised(tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes((FIXTURES / "tables.docx").read_bytes()[:2000])
    assert sniff_path(broken) is None


def test_every_allowed_type_has_a_mime_type_and_extension():
    assert ALLOWED_TYPES["docx"].extension == ".docx"
    assert ALLOWED_TYPES["pdf"] == ("application/pdf", ".pdf")
    assert all(mime.count("/") == 1 and ext.startswith(".") for mime, ext in ALLOWED_TYPES.values())


@pytest.mark.parametrize(("name", "expected"), [
    ("tables.doc", "ole"), ("tables.wps", "ole"), ("tables.odt", "odt"), ("tables.rtf", "rtf"),
])
def test_word_processing_formats_are_recognised_by_content(word_files, name, expected):
    assert sniff_word_format(word_files[name]) == expected


def test_the_docx_fixtures_are_docx():
    assert {sniff_word_format(path.read_bytes()) for path in FIXTURES.glob("*.docx")} == {"docx"}


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xef\xbb\xbf{\\rtf1\\ansi Hello}", "rtf"),
    (b"\x7fELF\x02\x01\x01" + bytes(100), None),
    (b"%PDF-1.7\n", None),
    (b"PK\x03\x04 truncated", None),
])
def test_an_rtf_with_a_byte_order_mark_is_rtf_and_other_files_are_nothing(content, expected):
    assert sniff_word_format(content) == expected


def test_a_zip_with_another_mimetype_is_not_odt(tmp_path):
    path = write_zip(tmp_path / "sheet.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
    assert sniff_word_format(path.read_bytes()) is None
