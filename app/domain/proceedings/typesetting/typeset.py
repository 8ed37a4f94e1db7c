"""The WeasyPrint side of a build: runs inside a worker process.

Nothing here imports WeasyPrint at module level: the parent (a web process
or a CLI) only pickles :class:`TypesetJob` values and reads back
:class:`TypesetResult` values, so WeasyPrint's memory — which it never gives
back — lives and dies with the worker.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: PDF user units per CSS pixel (WeasyPrint lays out at 96 px per inch).
PT_PER_PX = 0.75

# One image cache per worker process: the same logo or chart used by several
# pieces (or counted and then rendered) is decoded once.
_IMAGE_CACHE: dict = {}


@dataclass(frozen=True)
class TypesetJob:
    """One HTML document to lay out and, if ``out_path`` is set, write.

    ``first_page`` None means: ask for it (see :func:`typeset`).
    ``label_body_from`` names the anchor where arabic page labels begin
    (lower-case roman before it), for a book typeset in one piece.
    """

    html: str
    attachments: dict
    first_page: int | None = 1
    out_path: Path | None = None
    first_page_group: str = "body"
    label_body_from: str | None = None
    #: the book's document information (``render.pdf_metadata``), written
    #: over WeasyPrint's own: one document or chunks, the same information
    info: dict | None = None
    weight: int = 0   # rough size of the work, for worker budgets (see WorkerPool)


@dataclass
class TypesetResult:
    """What a worker reports back: where things landed, in its own page indices."""

    page_count: int
    first_page: int | None
    anchors: dict = field(default_factory=dict)      # name -> (page index, x pt, y pt)
    bookmarks: list = field(default_factory=list)    # (level, label, page index, x pt, y pt)
    dangling_links: list = field(default_factory=list)  # (page index, target, (x0, y0, x1, y1) in pt)
    refused: list = field(default_factory=list)
    pdf_bytes: bytes | None = None


def padded(page_count: int) -> int:
    """Pages a body chunk takes in the book: every piece opens on a right-hand page,
    so a chunk ending on one is followed by a blank verso."""
    return page_count + page_count % 2


def typeset(job: TypesetJob, ask_first_page: Callable[[int], int] | None = None) -> TypesetResult:
    """Lay out ``job.html`` with the safe fetcher and write it to ``job.out_path``.

    Without ``out_path`` the PDF is returned as bytes (single-piece previews).
    A job without ``first_page`` (a body chunk of a first build) calls
    ``ask_first_page(its page count)`` once laid out, and numbers its pages
    from the answer.
    """
    from . import cjk_justify
    from .fetcher import BookURLFetcher

    cjk_justify.install()
    fetcher = BookURLFetcher(job.attachments)
    if job.first_page is None:
        document, first_page = _layout_then_number(job.html, fetcher, ask_first_page)
    else:
        first_page = job.first_page
        document = _layout(job.html, fetcher, first_page, job.first_page_group)
    result = TypesetResult(page_count=len(document.pages), first_page=first_page)
    _collect_navigation(document, result)
    labels = ()
    if job.label_body_from in result.anchors:
        labels = ((0, "/r"), (result.anchors[job.label_body_from][0], "/D"))
    finisher = _book_finisher(labels, job.info) if labels or job.info else None
    if job.out_path is None:
        result.pdf_bytes = document.write_pdf(finisher=finisher)
    else:
        document.write_pdf(job.out_path, finisher=finisher)
    result.refused = list(fetcher.refused)
    return result


#: A page that touches what every piece touches: the stylesheet, both Chinese
#: faces and the Latin ones, bold, italic, a table.
_WARM_UP_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/css/print.css"></head><body>
<section class="piece" lang="zh-CN"><h1>预热排版引擎</h1><h2>小标题</h2>
<p>各地区认真贯彻落实，<strong>坚持稳中求进</strong>。<em>强调</em></p>
<table><tr><th>项目</th><td>一二三</td></tr></table></section>
<section class="piece" lang="en"><h1>Warming up</h1><h2>Heading</h2>
<p>The bureau <strong>reorganised</strong> its <em>teams</em>.</p></section>
</body></html>"""


def warm_up_engine() -> None:
    """Import WeasyPrint and load the stylesheet and fonts, so that the first real job is fast."""
    typeset(TypesetJob(html=_WARM_UP_HTML, attachments={}))


def _layout_then_number(html, fetcher, ask):
    """Lay out a chunk whose first page number depends on chunks still being laid out elsewhere.

    Page numbers only appear in the margin boxes, which WeasyPrint builds
    after the whole chunk is paginated. Hooking that step lets the chunk tell
    its page count and learn its first page number in between, so no chunk
    lays out twice. Should a WeasyPrint release move that step, the chunk
    asks after layout and lays out again from the right number instead.
    """
    answer = []

    def first_page(total_pages):
        if not answer:
            answer.append(ask(total_pages))
        return answer[0]

    with _numbering_from(first_page) as hooked:
        document = _layout(html, fetcher, None, "body")
    if not answer:
        first_page(len(document.pages))
        if not hooked and answer[0] != 1:
            document = _layout(html, fetcher, answer[0], "body")
    return document, answer[0]


@contextmanager
def _numbering_from(first_page):
    """While active, margin boxes print page numbers counted from ``first_page(total)``."""
    try:
        from weasyprint import layout

        original = layout.make_margin_boxes
    except (ImportError, AttributeError):
        yield False
        return

    def make_margin_boxes(context, page, state):
        counters = dict(state[1])
        shift = first_page(counters["pages"][-1]) - 1
        counters["page"] = [counters["page"][-1] + shift]
        return original(context, page, (state[0], counters, *state[2:]))

    layout.make_margin_boxes = make_margin_boxes
    try:
        yield True
    finally:
        layout.make_margin_boxes = original


def _layout(html, fetcher, first_page, group):
    from weasyprint import CSS, HTML

    from .fetcher import BASE_URL

    stylesheets = []
    if first_page is not None:
        # A chunk starts where the previous one ended. !important because a
        # user stylesheet otherwise loses to print.css's own counter-reset.
        selector = ":first" if group == "body" else f":nth(1 of {group})"
        rule = f"@page {selector} {{ counter-reset: page {first_page} !important }}"
        stylesheets.append(CSS(string=rule, url_fetcher=fetcher))
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=stylesheets, presentational_hints=False, cache=_IMAGE_CACHE)


def _collect_navigation(document, result: TypesetResult) -> None:
    """Record where anchors and bookmarks landed, in PDF points, for assembling chunks."""
    anchors_here = set()
    for index, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        for name, (x, y, *_rest) in page.anchors.items():
            result.anchors.setdefault(name, (index, x * PT_PER_PX, height - y * PT_PER_PX))
            anchors_here.add(name)
        for level, label, (x, y), _state in page.bookmarks:
            result.bookmarks.append((level, label, index, x * PT_PER_PX, height - y * PT_PER_PX))
    for index, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        # WeasyPrint gives a link's box by two corners (top left, bottom
        # right) in CSS pixels from the top; PDF counts points from the bottom.
        for link_type, target, (x0, y0, x1, y1), _box in page.links:
            if link_type == "internal" and target not in anchors_here:
                rect = (x0 * PT_PER_PX, height - y1 * PT_PER_PX,
                        x1 * PT_PER_PX, height - y0 * PT_PER_PX)
                result.dangling_links.append((index, target, rect))


def _book_finisher(labels, info):
    """Add /PageLabels ((first page index, style), ...) and the book's document information
    (with the outline open, as ``assemble.py`` writes it) to the PDF WeasyPrint writes."""
    import pydyf

    def finish(_document, pdf):
        if labels:
            nums = pydyf.Array()
            for start, style in dict(labels).items():
                nums.extend([start, pydyf.Dictionary({"S": style})])
            pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        if info:
            for key, value in info.items():
                pdf.info[key.lstrip("/")] = pydyf.String(value)
            pdf.catalog["PageMode"] = "/UseOutlines"

    return finish
