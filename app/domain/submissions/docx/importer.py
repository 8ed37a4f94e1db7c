"""Importing a Word document (.docx) into a submission body.

The archive is inspected in this process, before anything decompresses it;
mammoth then runs in a child process that is killed at the time limit, so a
hostile document can cost at most that much time and the child's memory cap.
The HTML returned is not sanitised: it goes into the Markdown body, which
`app.domain.submissions.bodies.rendering.render_body` sanitises whenever it is shown or printed.
"""

import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.submissions.docx import converter
from app.domain.submissions.docx.checks import DocxImportError, check_archive
from app.domain.submissions.docx.converter import Conversion, child_main

__all__ = ["DocxImport", "DocxImportError", "import_docx"]


@dataclass(frozen=True)
class DocxImport:
    html: str
    messages: list[str] = field(default_factory=list)
    image_count: int = 0


def import_docx(
    data: bytes,
    *,
    store_image: Callable[[bytes, str], str],
    time_limit: float = 20.0,
) -> DocxImport:
    """Convert a .docx file's content to HTML for a submission body.

    Keeps headings, paragraphs, bold, italic, underline, lists, tables,
    footnotes and PNG/JPEG/GIF images. Each image is handed to
    `store_image(content, content_type)`, which returns the URL to use as its
    `src`. Raises DocxImportError with a message for the author when the file
    is not a usable Word document or takes longer than `time_limit` seconds.
    """
    check_archive(data)
    conversion = _convert_in_child(data, time_limit)
    html = conversion.html
    for placeholder, content, content_type in conversion.images:
        html = html.replace(f'src="{placeholder}"', f'src="{_attribute(store_image(content, content_type))}"')
    # In Markdown an HTML block ends at a blank line; without any, the import stays one block.
    html = re.sub(r"\n\s*\n", "\n", html).strip()
    return DocxImport(html=html, messages=conversion.messages, image_count=len(conversion.images))


def _attribute(url: str) -> str:
    return url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _convert_in_child(data: bytes, time_limit: float) -> Conversion:
    context = _converter_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=child_main, args=(data, sender), daemon=True)
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
