import hashlib
import io
from pathlib import Path

import pytest

from app.domain.submissions.storage import (
    FileTooLarge,
    UnsupportedFileType,
    display_name,
    key_for,
    store_bytes,
    store_stream,
)
from app.storage.local import LocalStore
from tests.helpers import FIXTURES


def uploads(folder: Path) -> LocalStore:
    return LocalStore({"uploads": folder})


class ChunkCountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.largest_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.largest_read = max(self.largest_read, len(chunk))
        return chunk


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_a_file_is_stored_under_its_sha256(tmp_path):
    data = (FIXTURES / "iguana.jpg").read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    stream = ChunkCountingStream(data)
    stored = store_stream(stream, uploads(tmp_path), max_bytes=10 * 1024 * 1024)
    assert (stored.sha256, stored.size, stored.file_type) == (sha, len(data), "jpeg")
    assert stored.key == f"uploads/{sha[:2]}/{sha[2:4]}/{sha}"
    assert (tmp_path / sha[:2] / sha[2:4] / sha).read_bytes() == data
    assert files_in(tmp_path) == [tmp_path / sha[:2] / sha[2:4] / sha]
    assert stream.largest_read <= 64 * 1024


def test_storing_the_same_content_twice_keeps_one_file(tmp_path):
    data = (FIXTURES / "monty-truth.png").read_bytes()
    first = store_bytes(data, uploads(tmp_path), max_bytes=len(data))
    second = store_bytes(data, uploads(tmp_path), max_bytes=len(data))
    assert first == second
    assert files_in(tmp_path) == [tmp_path / first.key.removeprefix("uploads/")]


def test_a_word_document_is_stored_as_docx(tmp_path):
    stored = store_bytes((FIXTURES / "tables.docx").read_bytes(), uploads(tmp_path), max_bytes=1024 * 1024)
    assert stored.file_type == "docx"


def test_an_oversized_stream_is_refused_and_leaves_nothing(tmp_path):
    data = b"%PDF-1.7\n" + bytes(300 * 1024)
    with pytest.raises(FileTooLarge):
        store_stream(io.BytesIO(data), uploads(tmp_path), max_bytes=200 * 1024)
    assert files_in(tmp_path) == []


def test_a_stream_of_exactly_the_limit_is_accepted(tmp_path):
    data = b"%PDF-1.7\n" + bytes(1000)
    assert store_bytes(data, uploads(tmp_path), max_bytes=len(data)).size == len(data)


def test_an_unrecognised_file_is_refused_and_leaves_nothing(tmp_path):
    with pytest.raises(UnsupportedFileType):
        store_bytes(b"MZ\x90\x00 this is an executable", uploads(tmp_path), max_bytes=1024)
    assert files_in(tmp_path) == []


def test_key_for_accepts_only_a_sha256():
    sha = "ab" * 32
    assert key_for(sha) == f"uploads/ab/ab/{sha}"


@pytest.mark.parametrize(
    "bad", ["../" * 21 + "x", "AB" * 32, "ab" * 31, "ab" * 32 + "\n", "ab" * 31 + "/x", "", "g" * 64]
)
def test_key_for_refuses_anything_else(bad):
    with pytest.raises(ValueError):
        key_for(bad)


@pytest.mark.parametrize(
    ("original", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\x", "x"),
        ("C:\\Users\\张三\\Desktop\\交流材料.docx", "交流材料.docx"),
        ("..", "file"),
        ("", "file"),
        ("   ", "file"),
        (".bashrc", "bashrc"),
        ("报告\x00\x1f\x7f.pdf", "报告.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("dir/", "file"),
    ],
)
def test_display_names_are_cleaned(original, shown):
    assert display_name(original) == shown


def test_long_display_names_keep_their_extension():
    shown = display_name("长" * 300 + ".docx")
    assert len(shown) == 200
    assert shown.endswith("长.docx")


def test_long_display_names_without_an_extension_are_cut():
    assert display_name("a" * 500) == "a" * 200
