"""The child side of the Word import: mammoth, and nothing of the web app.

This module and mammoth are loaded once by the converter's fork server (see
``importer.py``); each import is then a fork of that server, ready at once.
So it imports nothing of the web app (Flask, the models): the fork server
would carry them, and each web process has one. The web process itself
imports this module only to read the answer, so mammoth is imported where
it is used.
"""

import io
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from multiprocessing.connection import Connection

from app.domain.submissions.docx.messages import plain_message

# mammoth ignores underline unless told; the rest of its default style map stays.
STYLE_MAP = "u => u"
IMAGE_CONTENT_TYPES = {"image/png", "image/jpeg", "image/gif"}
_IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
CHILD_MEMORY_LIMIT = 1536 * 1024 * 1024


@dataclass(frozen=True)
class Conversion:
    html: str
    messages: list[str]
    images: list[tuple[str, bytes, str]]  # (placeholder, content, content type)


def child_main(data: bytes, sender: Connection) -> None:
    """Convert ``data`` and send back a :class:`Conversion` or a message for the author."""
    _limit_memory()
    try:
        outcome: Conversion | str = _convert(data)
    except MemoryError:
        outcome = "The Word document is too large to convert."
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError):
        outcome = "The Word document is damaged and could not be read."
    except Exception:
        # The child must always answer; the parent shows a message, not a trace.
        outcome = "The Word document could not be converted."
    sender.send(outcome)
    sender.close()


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on Unix; the time limit still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))


def _convert(data: bytes) -> Conversion:
    import mammoth  # preloaded in the fork server; the web process never needs it

    token = secrets.token_hex(8)
    images: list[tuple[str, bytes, str]] = []
    dropped: list[str] = []

    def convert_image(image) -> list:
        content_type = (image.content_type or "").lower()
        with image.open() as stream:
            content = stream.read()
        if content_type not in IMAGE_CONTENT_TYPES:
            dropped.append(f"An image of type {content_type or 'unknown'} was left out: "
                           "only PNG, JPEG and GIF images are kept.")
            return []
        if not content.startswith(_IMAGE_MAGIC[content_type]):
            dropped.append(f"An image that claims to be {content_type} but is not was left out.")
            return []
        placeholder = f"huibian-image-{token}-{len(images)}"
        images.append((placeholder, content, content_type))
        return mammoth.images.img_element(lambda _image: {"src": placeholder})(image)

    result = mammoth.convert_to_html(
        io.BytesIO(data), style_map=STYLE_MAP, convert_image=convert_image
    )
    messages = [plain_message(message.message) for message in result.messages]
    messages = list(dict.fromkeys(messages + dropped))
    return Conversion(html=result.value, messages=messages, images=images)
