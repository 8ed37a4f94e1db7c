"""Checks on an uploaded Word file that need no decompression.

Everything here reads only the first bytes and the zip's central directory,
so a zip bomb is refused before any of it is inflated. The declared sizes can
be trusted for this: Python's zipfile stops at an entry's declared size and
fails its CRC check if the entry holds more.
"""

import io
import zipfile

MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Stream names inside an OLE compound file are stored in UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORD_97_STREAM = "WordDocument".encode("utf-16-le")


class DocxImportError(Exception):
    """A Word file that cannot be imported; the message is meant for the author."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_archive(data: bytes) -> None:
    """Raise DocxImportError unless `data` looks like a Word document that is safe to open."""
    if data.startswith(_OLE_MAGIC):
        raise DocxImportError(_describe_ole_file(data))
    if not data.startswith(_ZIP_MAGIC):
        raise DocxImportError("This file is not a Word document (.docx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise DocxImportError("The Word document is damaged: its archive cannot be read.") from None
    if len(entries) > MAX_ENTRIES:
        raise DocxImportError(
            f"The Word document has too many parts ({len(entries)}; at most {MAX_ENTRIES})."
        )
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise DocxImportError("This file is a zip archive, not a Word document (.docx).")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_UNCOMPRESSED or any(_looks_like_a_bomb(entry) for entry in entries):
        raise DocxImportError(
            "The Word document expands to more than 100 MB or is compressed suspiciously "
            "well, so it was not opened."
        )


def _looks_like_a_bomb(entry: zipfile.ZipInfo) -> bool:
    return entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)


def _describe_ole_file(data: bytes) -> str:
    if _ENCRYPTED_PACKAGE in data:
        return ("The Word document is password-protected. "
                "Remove the password in Word (File › Info › Protect Document) and upload it again.")
    if _WORD_97_STREAM in data:
        return ("This is an old Word 97–2003 document (.doc). "
                "Open it in Word and save it as a .docx document, then upload that.")
    return "This file is an old Office format, not a Word document (.docx)."
