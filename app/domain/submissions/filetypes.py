"""Recognising uploaded files by their content, never by their name."""

import io
import zipfile
from pathlib import Path
from typing import NamedTuple


class FileType(NamedTuple):
    mime_type: str
    extension: str


ALLOWED_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", ".pdf"),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"
    ),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "jpeg": FileType("image/jpeg", ".jpg"),
    "png": FileType("image/png", ".png"),
    # Word documents carry GIFs; the docx import keeps them.
    "gif": FileType("image/gif", ".gif"),
}

# How many leading bytes to hand to `sniff_file_type` (more than its magic numbers need).
HEAD_SIZE = 512

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_ZIP_MAGIC = b"PK\x03\x04"
# Office documents with macros use the same main parts; their code lives here.
_MACRO_PARTS = {"word/vbaProject.bin", "xl/vbaProject.bin"}


def sniff_file_type(head: bytes, path: Path | None = None) -> str | None:
    """The type of a file (a key of ALLOWED_TYPES) judged from its first bytes, or None.

    Word and Excel files are both zip archives, so telling them apart needs
    `path` to read the archive's member list; without it a zip is None.
    Old binary Office files, macro-enabled documents, executables, HTML and
    everything else are None.
    """
    for magic, file_type in _MAGIC:
        if head.startswith(magic):
            return file_type
    if head.startswith(_ZIP_MAGIC) and path is not None:
        return _office_type(path)
    return None


def _office_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names or names & _MACRO_PARTS:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RTF_MAGIC = b"{\\rtf"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff_word_format(data: bytes) -> str | None:
    """The word-processing format of a whole file, judged from its content.

    "docx" (a zip with a Word main part), "odt" (a zip whose first member is
    the OpenDocument text mimetype), "rtf", or "ole" for an OLE2 compound
    file: old Word (.doc) and WPS (.wps) documents are those, and so are
    password-protected .docx files, so telling them apart needs a look
    inside (app.domain.submissions.docx.checks). Anything else is None.
    """
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data[:16].removeprefix(b"\xef\xbb\xbf").startswith(_RTF_MAGIC):
        return "rtf"
    if not data.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if any(entry.filename == "word/document.xml" for entry in entries):
                return "docx"
            # ODF stores its mimetype first and uncompressed, so reading it costs nothing.
            first = entries[0] if entries else None
            if first and first.filename == "mimetype" and first.file_size < 100:
                return "odt" if archive.read(first).strip() == _ODT_MIMETYPE else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError):
        return None
    return None


# Other spellings a name may rightly end with for a type.
_OTHER_EXTENSIONS = {"jpeg": {".jpeg", ".jpe"}}


def named_for_type(name: str, file_type: str, max_length: int) -> str:
    """``name`` ending with the extension of the type its content has, at most ``max_length`` long.

    A picture uploaded as ``photo.pdf`` is kept and downloaded as ``photo.png``:
    a wrong extension would open the file in the wrong program, or in none.
    """
    extension = ALLOWED_TYPES[file_type].extension
    stem, dot, current = name.rpartition(".")
    current = f".{current.lower()}" if dot and stem else ""
    if current == extension or current in _OTHER_EXTENSIONS.get(file_type, ()):
        return name
    base = stem if current else name
    return f"{base[:max_length - len(extension)]}{extension}"
