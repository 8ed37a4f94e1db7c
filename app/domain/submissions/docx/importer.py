"""Importing a document into a submission body: .docx, or .doc, .wps, .odt and .rtf by way of .docx.

The file's format is judged from its content (`checks.word_format`); any
format but .docx is first converted by LibreOffice (`conversion`). The
archive is inspected in this process, before anything decompresses it;
mammoth then runs in a child process that is killed at the time limit, so a
hostile document can cost at most that much time and the child's memory cap.
At most ``max_concurrent`` imports run at once in one process, each author at
most one, and the children run at a lower CPU priority than the web workers:
eight simultaneous imports made every other page 45 times slower before; now
the next is told to retry. The child answers in notes (`messages`), described
here in the author's language. The HTML returned is not sanitised: it goes into the body, which
`app.domain.submissions.bodies.rendering.render_body` sanitises whenever it is shown or printed.
"""

import html as html_module
import multiprocessing
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.domain.submissions.docx import conversion, converter
from app.domain.submissions.docx.checks import DocxImportError, check_archive, damaged, word_format
from app.domain.submissions.docx.converter import Conversion, child_main
from app.domain.submissions.docx.messages import describe_all

_TAG = re.compile(r"<[^>]*>")

__all__ = [
    "ConversionsBusy", "DocxImport", "DocxImportError", "OwnConversionRunning", "conversion_slot",
    "import_document", "import_docx",
]


class ConversionsBusy(DocxImportError):
    """Every import slot of this process is taken; the author should try again shortly."""


class OwnConversionRunning(ConversionsBusy):
    """This author's previous document is still being imported (a double click, a second tab)."""


_slots: dict[int, threading.BoundedSemaphore] = {}
_owners: set[object] = set()
_slots_lock = threading.Lock()


@contextmanager
def conversion_slot(max_concurrent: int, owner: object = None) -> Iterator[None]:
    """Hold one of this process's ``max_concurrent`` import slots, or raise ConversionsBusy at once.

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
    source_format: str = "docx"


def import_document(
    data: bytes,
    *,
    store_image: Callable[[bytes, str], str],
    check_images: Callable[[list[bytes]], None] | None = None,
    time_limit: float = 20.0,
    conversion_time_limit: float = conversion.TIME_LIMIT,
    max_concurrent: int = 2,
    owner: object = None,
) -> DocxImport:
    """Convert a .docx, .doc, .wps, .odt or .rtf file's content to HTML for a submission body.

    Formats other than .docx are converted to .docx by LibreOffice within
    `conversion_time_limit` seconds, then imported like one (`import_docx`);
    the whole import holds one of the process's `max_concurrent` slots.
    """
    source_format = word_format(data)
    with conversion_slot(max_concurrent, owner):
        if source_format != "docx":
            data = conversion.convert_to_docx(data, source_format, time_limit=conversion_time_limit)
        result = import_docx(data, store_image=store_image, check_images=check_images, time_limit=time_limit)
    return DocxImport(html=result.html, messages=result.messages, image_count=result.image_count,
                      source_format=source_format)


def import_docx(
    data: bytes,
    *,
    store_image: Callable[[bytes, str], str],
    check_images: Callable[[list[bytes]], None] | None = None,
    time_limit: float = 20.0,
) -> DocxImport:
    """Convert a .docx file's content to HTML for a submission body.

    Keeps headings, paragraphs, bold, italic, underline, lists, tables,
    footnotes and endnotes (as a body's own notes) and PNG/JPEG/GIF images.
    Each image is handed to `store_image(content, content_type)`, which
    returns the URL to use as its `src`; `messages` name what was left out
    or changed. `check_images(contents)` sees every image before the first
    is stored, so that a refusal it raises leaves nothing behind. Raises
    DocxImportError with a message for the author when the file is not a
    usable Word document, has nothing to import, or takes longer than
    `time_limit` seconds.
    """
    check_archive(data)
    converted = _convert_in_child(data, time_limit)
    messages = describe_all(converted.notes)
    # In Markdown an HTML block ends at a blank line; without any, the import stays one block.
    html = re.sub(r"\n\s*\n", "\n", converted.html).strip()
    if not converted.images and not html_module.unescape(_TAG.sub("", html)).strip():
        raise DocxImportError(" ".join([_("The document has no text or pictures to import, so the body "
                                          "was left as it was."), *messages]))
    if check_images is not None:
        check_images([content for _placeholder, content, _type in converted.images])
    for placeholder, content, content_type in converted.images:
        html = html.replace(f'src="{placeholder}"', f'src="{_attribute(store_image(content, content_type))}"')
    return DocxImport(html=html, messages=messages, image_count=len(converted.images))


def _attribute(url: str) -> str:
    return url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _converter_context():
    """The fork server that forks converter children, preloaded with the converter alone.

    forkserver, not fork: forking a threaded web server could copy a held lock
    into the child. Its default preload is the parent's ``__main__`` (gunicorn,
    flask), and a child unpickling a target in the app would import the app:
    about 0.7 s an import. Preloading just the converter and mammoth makes
    each child a fork of a server that has them: a few hundredths of a second.
    The preload takes effect when the process starts its fork server, which
    only this module uses.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([converter.__name__, "mammoth"])
    return context


def _convert_in_child(data: bytes, time_limit: float) -> Conversion:
    context = _converter_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=child_main, args=(data, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise DocxImportError(_("The document took longer than %(seconds)s seconds to import; "
                                    "save it again in Word or WPS, or split it.", seconds=format(time_limit, "g")))
        try:
            outcome = receiver.recv()
        except EOFError:
            raise DocxImportError(_CHILD_FAILURES["failed"]()) from None
    finally:
        receiver.close()
        child.kill()
        child.join()
        child.close()
    if isinstance(outcome, str):
        raise DocxImportError(_CHILD_FAILURES[outcome]())
    return outcome


_CHILD_FAILURES = {
    "too-large": lambda: _("The document is too large to import; split it into parts."),
    "damaged": damaged,
    "failed": lambda: _("The document could not be imported. Open it in Word or WPS, save it "
                        "again as .docx and import that."),
}
