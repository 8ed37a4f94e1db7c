"""The child side of the Word import: mammoth, and nothing of the web app.

This module and mammoth are loaded once by the converter's fork server (see
``importer.py``); each import is then a fork of that server, ready at once.
So it imports nothing of the web app (Flask's app, the models): the fork
server would carry them, and each web process has one. The web process
itself imports this module only to read the answer, so mammoth is imported
where it is used. The child answers in notes, which the parent describes in
the author's language.
"""

import io
import os
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from multiprocessing.connection import Connection

from app.domain.submissions.docx.inspection import unsupported_content
from app.domain.submissions.docx.notes import as_body_notes
from app.domain.submissions.docx.warnings import Note, note_for_warning

# mammoth ignores underline unless told; the rest of its default style map
# stays. LibreOffice names the note reference styles its own way in the .docx
# it converts, and those marks are already the notes' references.
STYLE_MAP = "\n".join([
    "u => u",
    "r[style-name='Footnote Characters'] =>",
    "r[style-name='Endnote Characters'] =>",
])
IMAGE_CONTENT_TYPES = {"image/png", "image/jpeg", "image/gif"}
_IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
CHILD_MEMORY_LIMIT = 1536 * 1024 * 1024
# Web workers run at the default niceness 0; conversions yield the CPU to them.
CHILD_NICENESS = 10


@dataclass(frozen=True)
class Conversion:
    html: str
    notes: list[Note]
    images: list[tuple[str, bytes, str]]  # (placeholder, content, content type)


def child_main(data: bytes, sender: Connection) -> None:
    """Convert ``data`` and send back a :class:`Conversion`, or the name of what went wrong."""
    _limit_memory()
    os.nice(CHILD_NICENESS)
    try:
        outcome: Conversion | str = _convert(data)
    except MemoryError:
        outcome = "too-large"
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError, SyntaxError):
        outcome = "damaged"
    except Exception:
        # The child must always answer; the parent shows a message, not a trace.
        outcome = "failed"
    sender.send(outcome)
    sender.close()


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on Unix; the time limit still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))


def _convert(data: bytes) -> Conversion:
    import mammoth  # only the child needs it

    token = secrets.token_hex(8)
    images: list[tuple[str, bytes, str]] = []
    dropped: list[Note] = []

    def convert_image(image) -> list:
        content_type = (image.content_type or "").lower()
        with image.open() as stream:
            content = stream.read()
        if content_type not in IMAGE_CONTENT_TYPES:
            dropped.append(("image-type", (content_type,)))
            return []
        if not content.startswith(_IMAGE_MAGIC[content_type]):
            dropped.append(("image-fake", (content_type,)))
            return []
        placeholder = f"huibian-image-{token}-{len(images)}"
        images.append((placeholder, content, content_type))
        return mammoth.images.img_element(lambda _image: {"src": placeholder})(image)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unsupported = [(kind, ()) for kind in unsupported_content(archive)]
    result = mammoth.convert_to_html(
        io.BytesIO(data), style_map=STYLE_MAP, convert_image=convert_image
    )
    warnings = [note_for_warning(message.message) for message in result.messages]
    notes = list(dict.fromkeys(unsupported + warnings + dropped))
    return Conversion(html=as_body_notes(result.value), notes=notes, images=images)
