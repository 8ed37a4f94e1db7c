"""The WeasyPrint side of a build: runs inside a worker process.

Nothing here imports WeasyPrint at module level: the parent (a web process
or a CLI) only pickles :class:`TypesetJob` values and reads back
:class:`TypesetResult` values, so WeasyPrint's memory — which it never gives
back — lives and dies with the worker.
"""
from __future__ import annotations

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

    ``first_page`` numbers the pages of ``first_page_group`` from that
    number (None: as the stylesheet says). ``folios`` False leaves the folio
    out: a body piece is typeset without it, and its folios are stamped
    when the book is assembled, so its pages do not depend on where it
    lands (``folios.py``). ``label_body_from`` names the anchor where arabic page labels begin
    (lower-case roman before it), for a book typeset in one piece.
    """

    html: str
    attachments: dict
    first_page: int | None = None
    out_path: Path | None = None
    first_page_group: str = "body"
    label_body_from: str | None = None
    #: the book's document information (``render.pdf_metadata``), written
    #: over WeasyPrint's own: one document or chunks, the same information
    info: dict | None = None
    weight: int = 0   # rough size of the work, for worker budgets (see WorkerPool)
    folios: bool = True
    #: report the fonts of the PDF (``font_merge.font_signatures``): a body piece does, so
    #: that its fonts are known without reading it again when it comes from the cache
    list_fonts: bool = False
    #: the PDF standard of a book typeset as one document (book.PDF_VARIANTS): WeasyPrint
    #: writes it, tagged; ``tagged`` alone tags a part of a book assembled later
    pdf_variant: str = ""
    tagged: bool = False
    #: ((anchor, lang), ...): the language of the pages from each anchor on, for the
    #: structure tree of a tagged document; ``lang`` before the first
    langs: tuple = ()
    lang: str = "zh-CN"
    #: a part of an assembled book: its shareable faces get placeholders for the book's
    #: shared programs instead of subsets of their own (``font_placeholders.py``)
    shared_fonts: bool = False


@dataclass
class TypesetResult:
    """What a worker reports back: where things landed, in its own page indices."""

    page_count: int
    first_page: int | None
    anchors: dict = field(default_factory=dict)      # name -> (page index, x pt, y pt)
    bookmarks: list = field(default_factory=list)    # (level, label, page index, x pt, y pt)
    dangling_links: list = field(default_factory=list)  # (page index, target, (x0, y0, x1, y1) in pt)
    refused: list = field(default_factory=list)
    blank_pages: list = field(default_factory=list)  # indices of pages left blank (no folio)
    fonts: dict = field(default_factory=dict)        # see TypesetJob.list_fonts
    pdf_bytes: bytes | None = None


def padded(page_count: int) -> int:
    """Pages a body chunk takes in the book: every piece opens on a right-hand page,
    so a chunk ending on one is followed by a blank verso."""
    return page_count + page_count % 2


def typeset(job: TypesetJob) -> TypesetResult:
    """Lay out ``job.html`` with the safe fetcher and write it to ``job.out_path``.

    Without ``out_path`` the PDF is returned as bytes (previews, body pieces).
    """
    from . import cjk_justify, font_placeholders, tagging
    from .fetcher import BookURLFetcher

    cjk_justify.install()
    font_placeholders.install()
    tagged = job.tagged or tagging.is_tagged(job.pdf_variant)
    if tagged:
        tagging.install_artifact_margins()
    fetcher = BookURLFetcher(job.attachments)
    with font_placeholders.sharing(job.shared_fonts):
        return _typeset(job, fetcher, tagged)


def _typeset(job: TypesetJob, fetcher, tagged: bool) -> TypesetResult:
    from . import tagging

    document = _layout(job.html, fetcher, job.first_page, job.first_page_group, job.folios)
    result = TypesetResult(page_count=len(document.pages), first_page=job.first_page)
    _collect_navigation(document, result)
    result.blank_pages = [i for i, page in enumerate(document.pages) if _is_blank(page)]
    labels = ()
    if job.label_body_from in result.anchors:
        labels = ((0, "/r"), (result.anchors[job.label_body_from][0], "/D"))
    options = {}
    if tagged:
        options = {"pdf_tags": True, "pdf_version": "1.7"}
        if job.pdf_variant:
            options["pdf_variant"] = job.pdf_variant
        page_langs = tagging.lang_of_pages(len(document.pages), result.anchors, job.langs, job.lang)
    finisher = None
    if labels or job.info or tagged:
        finisher = _book_finisher(labels, job.info, page_langs if tagged else None, job.pdf_variant)
    if job.out_path is None:
        result.pdf_bytes = document.write_pdf(finisher=finisher, **options)
    else:
        document.write_pdf(job.out_path, finisher=finisher, **options)
    if job.list_fonts:
        from . import font_placeholders

        result.fonts = font_placeholders.document_fonts(document)
        if result.fonts is None:
            import io

            from .font_merge import font_signatures

            result.fonts = font_signatures(io.BytesIO(result.pdf_bytes) if job.out_path is None else job.out_path)
    result.refused = list(fetcher.refused)
    return result


def _is_blank(page) -> bool:
    """A page WeasyPrint inserted to open the next thing on a recto (``@page :blank``)."""
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    return bool(getattr(page_type, "blank", False))


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


#: Leaves the folio out of a body piece: it is stamped at assembly (``folios.py``).
#: !important because the stylesheet's own margin boxes are more specific.
#: (The western style, print-western.css, prints it at the outer corner.)
NO_FOLIO = ("@page { @bottom-center { content: none !important } @bottom-left { content: none !important }"
            " @bottom-right { content: none !important } }")


def _layout(html, fetcher, first_page, group, folios=True):
    from weasyprint import CSS, HTML

    from .fetcher import BASE_URL

    stylesheets = [] if folios else [CSS(string=NO_FOLIO, url_fetcher=fetcher)]
    counter_style = None
    if STYLESHEET_LINK in html:
        # the book's stylesheet, parsed once per worker rather than once per document
        html = html.replace(STYLESHEET_LINK, "", 1)
        sheet, counter_style = _print_css()
        stylesheets.insert(0, sheet)
    if first_page is not None:
        # A chunk starts where the previous one ended. !important because a
        # user stylesheet otherwise loses to print.css's own counter-reset.
        selector = ":first" if group == "body" else f":nth(1 of {group})"
        rule = f"@page {selector} {{ counter-reset: page {first_page} !important }}"
        stylesheets.append(CSS(string=rule, url_fetcher=fetcher))
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=stylesheets, presentational_hints=False, cache=_IMAGE_CACHE,
        font_config=_font_config(),
        counter_style=None if counter_style is None else _copy(counter_style))


#: How every document of the book links its stylesheet (templates/book/book.html).
STYLESHEET_LINK = '<link rel="stylesheet" href="/static/css/print.css">'
_PRINT_CSS = None


def _print_css():
    """print.css parsed once (with its @counter-style rules): it has no url() to fetch."""
    global _PRINT_CSS
    if _PRINT_CSS is None:
        from weasyprint import CSS
        from weasyprint.css.counters import CounterStyle

        from app.config import ROOT

        from .fetcher import BASE_URL

        counter_style = CounterStyle()
        sheet = CSS(string=(ROOT / "static" / "css" / "print.css").read_text(encoding="utf-8"),
                    base_url=BASE_URL + "/static/css/print.css", font_config=_font_config(),
                    counter_style=counter_style)
        _PRINT_CSS = (sheet, counter_style)
    return _PRINT_CSS


def _copy(counter_style):
    copy = type(counter_style)()
    copy.update(counter_style)
    return copy


def _font_config():
    """One font configuration per worker: each document would otherwise load the fonts anew.
    The stylesheet has no @font-face, so documents add nothing to it."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


_FONT_CONFIG = None


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


def _book_finisher(labels, info, page_langs=None, variant=""):
    """Add /PageLabels ((first page index, style), ...) and the book's document information
    (with the outline open, as ``assemble.py`` writes it) to the PDF WeasyPrint writes; in a
    tagged PDF, the language of each page's elements (``page_langs``) and, for a book's
    ``variant``, XMP metadata that says the document information again."""
    import pydyf

    from . import tagging

    def finish(_document, pdf):
        if page_langs is not None:
            tagging.set_languages(pdf, page_langs, whole_book=bool(variant))
        if variant and info:
            # WeasyPrint's packet (written by the variant) says its own producer, and no dates
            metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
            metadata.stream = [tagging.xmp_packet(info, variant)]
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
