"""Checks on an uploaded document that need no decompression of its content.

`word_format` tells which format a file really is and refuses encrypted or
damaged ones before LibreOffice or mammoth sees them. `check_archive` reads
only a .docx's central directory, so a zip bomb is refused before any of it
is inflated. The declared sizes can be trusted for this: Python's zipfile
stops at an entry's declared size and fails its CRC check if it holds more.
"""

import io
import zipfile
import zlib

import olefile
from flask_babel import gettext as _

from app.domain.submissions.filetypes import sniff_word_format

MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
_MAX_MANIFEST_BYTES = 1024 * 1024

# Word 97–2003 File Information Block: the flags word at offset 10 of the
# WordDocument stream; fEncrypted and fObfuscated both mean a password.
_FIB_FLAGS = slice(10, 12)
_FIB_ENCRYPTED = 0x0100
_FIB_OBFUSCATED = 0x8000


class DocxImportError(Exception):
    """A document that cannot be imported; the message is meant for the author."""

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def not_a_document() -> str:
    return _("This file is not a document Huibian can import: judged by its content, it is not "
             "Word (.docx or .doc), WPS (.wps), OpenDocument (.odt) or RTF. Save it in one of these "
             "formats and upload it again.")


def damaged() -> str:
    return _("The document is damaged and could not be read. Open it in Word or WPS, "
             "save it again as .docx and upload that.")


def password_protected() -> str:
    return _("The document is password-protected. Remove the password in Word or WPS "
             "(in Word: File › Info › Protect Document) and upload it again.")


def word_format(data: bytes) -> str:
    """The format to import `data` as: "docx", "doc", "odt" or "rtf".

    Raises DocxImportError when the file is encrypted, damaged, or another
    kind of Office file. Anything unrecognised is "docx", which
    `check_archive` then refuses with a precise reason.
    """
    kind = sniff_word_format(data)
    if kind == "ole":
        return _ole_format(data)
    if kind == "odt":
        _check_odt(data)
        return "odt"
    if kind == "rtf":
        return "rtf"
    return "docx"


def check_archive(data: bytes) -> None:
    """Raise DocxImportError unless `data` looks like a .docx that is safe to open."""
    if not data.startswith(b"PK\x03\x04"):
        raise DocxImportError(not_a_document())
    entries = _entries(data)
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise DocxImportError(not_a_document())


def _entries(data: bytes) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise DocxImportError(damaged()) from None
    if len(entries) > MAX_ENTRIES:
        raise DocxImportError(_("The document has too many parts (%(count)d; at most %(max)d).",
                                count=len(entries), max=MAX_ENTRIES))
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_UNCOMPRESSED or any(_looks_like_a_bomb(entry) for entry in entries):
        raise DocxImportError(_("The document expands to more than 100 MB or is compressed "
                                "suspiciously well, so it was not opened."))
    return entries


def _looks_like_a_bomb(entry: zipfile.ZipInfo) -> bool:
    return entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)


def _ole_format(data: bytes) -> str:
    # olefile takes anything shorter than a minimal compound file for a file name.
    if len(data) < olefile.MINIMAL_OLEFILE_SIZE:
        raise DocxImportError(damaged())
    try:
        with olefile.OleFileIO(data) as ole:
            if ole.exists("EncryptedPackage"):
                raise DocxImportError(password_protected())
            if not ole.exists("WordDocument"):
                raise DocxImportError(_("This is an Office file of another kind (a spreadsheet or a "
                                        "presentation, for example), not a text document."))
            fib = ole.openstream("WordDocument").read(12)
    except DocxImportError:
        raise
    except Exception:
        # olefile raises many kinds of errors on a damaged file; all mean the same to the author.
        raise DocxImportError(damaged()) from None
    if len(fib) < 12:
        raise DocxImportError(damaged())
    flags = int.from_bytes(fib[_FIB_FLAGS], "little")
    if flags & (_FIB_ENCRYPTED | _FIB_OBFUSCATED):
        raise DocxImportError(password_protected())
    return "doc"


def _check_odt(data: bytes) -> None:
    entries = {entry.filename: entry for entry in _entries(data)}
    manifest = entries.get("META-INF/manifest.xml")
    if manifest is None or manifest.file_size > _MAX_MANIFEST_BYTES:
        raise DocxImportError(damaged())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read(manifest)
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
        raise DocxImportError(damaged()) from None
    if b"encryption-data" in content:
        raise DocxImportError(password_protected())
