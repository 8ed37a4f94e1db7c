"""Importing a Word document (.docx) into a submission body.

The archive is inspected in this process, before anything decompresses it;
mammoth then runs in a child process that is killed at the time limit, so a
hostile document can cost at most that much time and the child's memory cap.
At most ``max_concurrent`` conversions run at once in one process, each at a
lower CPU priority than the web workers: eight simultaneous imports made
every other page 45 times slower before; now the ninth is told to retry.
The HTML returned is not sanitised: it goes into the Markdown body, which
`app.domain.submissions.bodies.rendering.render_body` sanitises whenever it is shown or printed.
"""

import io
import multiprocessing
import os
import re
import secrets
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from app.domain.submissions.docx.checks import DocxImportError, check_archive
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
# Web workers run at the default niceness 0; conversions yield the CPU to them.
CHILD_NICENESS = 10

__all__ = [
    "ConversionsBusy", "DocxImport", "DocxImportError", "OwnConversionRunning", "conversion_slot", "import_docx",
]


class ConversionsBusy(DocxImportError):
    """Every conversion slot of this process is taken; the author should try again shortly."""


class OwnConversionRunning(ConversionsBusy):
    """This author's previous document is still being converted (a double click, a second tab)."""


_slots: dict[int, threading.BoundedSemaphore] = {}
_owners: set[object] = set()
_slots_lock = threading.Lock()


@contextmanager
def conversion_slot(max_concurrent: int, owner: object = None) -> Iterator[None]:
    """Hold one of this process's ``max_concurrent`` conversion slots, or raise ConversionsBusy at once.

    An ``owner`` (the author) holds at most one slot at a time, so that one
    person cannot take them all.
    """
    with _slots_lock:
        if owner is not None and owner in _owners:
            raise OwnConversionRunning("Your previous Word document is still being converted.")
        slots = _slots.setdefault(max_concurrent, threading.BoundedSemaphore(max_concurrent))
        if not slots.acquire(blocking=False):
            raise ConversionsBusy("Too many Word documents are being converted at the moment.")
        if owner is not None:
            _owners.add(owner)
    try:
        yield
    finally:
        with _slots_lock:
            _owners.discard(owner)
            slots.release()


@dataclass(frozen=True)
class DocxImport:
    html: str
    messages: list[str] = field(default_factory=list)
    image_count: int = 0


@dataclass(frozen=True)
class _Conversion:
    html: str
    messages: list[str]
    images: list[tuple[str, bytes, str]]  # (placeholder, content, content type)


def import_docx(
    data: bytes,
    *,
    store_image: Callable[[bytes, str], str],
    check_images: Callable[[list[bytes]], None] | None = None,
    time_limit: float = 20.0,
    max_concurrent: int = 2,
    owner: object = None,
) -> DocxImport:
    """Convert a .docx file's content to HTML for a submission body.

    Keeps headings, paragraphs, bold, italic, underline, lists, tables,
    footnotes and PNG/JPEG/GIF images. Each image is handed to
    `store_image(content, content_type)`, which returns the URL to use as its
    `src`. `check_images(contents)` sees every image before the first is
    stored, so that a refusal it raises leaves nothing behind. Raises
    DocxImportError with a message for the author when the file is not a
    usable Word document or takes longer than `time_limit` seconds, and
    ConversionsBusy when `max_concurrent` conversions (or one of `owner`'s)
    are already running.
    """
    check_archive(data)
    with conversion_slot(max_concurrent, owner):
        conversion = _convert_in_child(data, time_limit)
    if check_images is not None:
        check_images([content for _placeholder, content, _type in conversion.images])
    html = conversion.html
    for placeholder, content, content_type in conversion.images:
        html = html.replace(f'src="{placeholder}"', f'src="{_attribute(store_image(content, content_type))}"')
    # In Markdown an HTML block ends at a blank line; without any, the import stays one block.
    html = re.sub(r"\n\s*\n", "\n", html).strip()
    return DocxImport(html=html, messages=conversion.messages, image_count=len(conversion.images))


def _attribute(url: str) -> str:
    return url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _convert_in_child(data: bytes, time_limit: float) -> _Conversion:
    # forkserver: forking a threaded web server could copy a held lock into the child.
    context = multiprocessing.get_context("forkserver")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(data, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise DocxImportError(
                f"The Word document took longer than {time_limit:g} seconds to convert; "
                "try saving it again, or splitting it."
            )
        try:
            outcome = receiver.recv()
        except EOFError:
            raise DocxImportError("The Word document could not be converted.") from None
    finally:
        receiver.close()
        child.kill()
        child.join()
        child.close()
    if isinstance(outcome, str):
        raise DocxImportError(outcome)
    return outcome


def _child_main(data: bytes, sender: Connection) -> None:
    _limit_memory()
    os.nice(CHILD_NICENESS)
    try:
        outcome: _Conversion | str = _convert(data)
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


def _convert(data: bytes) -> _Conversion:
    import mammoth  # only the child needs it

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
    return _Conversion(html=result.value, messages=messages, images=images)
