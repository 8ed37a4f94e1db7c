"""Typeset a :class:`BookSpec` into the proceedings PDF.

The book is one Jinja template (``templates/book/book.html``) and one
stylesheet (``static/css/print.css``). WeasyPrint runs only in worker
processes that exit after the build, because it never gives memory back.

Two ways through:

* one document (``processes=1`` without a piece cache, the default for a
  small book built without one): the whole book is one HTML document; the
  contents find their page numbers with ``target-counter()``;
* piece by piece (a build with a piece cache, or several processes): every
  body item (a section divider or a piece) is its own document, typeset
  without its folio, so its pages do not depend on where it lands; it is
  taken from the piece cache (``piece_cache.py``) when its fingerprint was
  seen, else typeset by one of the worker processes — no item needs
  anything from another. A thread of this process sews the items' pages
  together in reading order as they arrive (:class:`_BodySewing`). Once
  every item's page count is known, the front matter (cover, contents) and
  the back matter (index) are typeset with the page numbers, one on each
  worker, while the thread cuts the one program per face the parts share
  (``font_merge.py``; the parts embed placeholders, ``font_placeholders.py``);
  ``assemble.py`` then adds the frame's pages, the navigation and the
  book's fonts, and stamps the body's folios (``folios.py``). Every piece
  opens on a right-hand page, so an item that ends on one gets a blank verso
  (:func:`padded`).

Single-piece previews go to a warm, long-lived worker instead
(``preview_workers.py``).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .book import SECTION_TITLES, BookConference, BookKeyTask, BookPiece, BookSection, BookSpec, book_metadata
from .fonts import MissingFontError, check_cjk_fonts  # noqa: F401  (re-exported)
from .html import BodyItem, body_items, book_html
from .piece_cache import PieceCache, engine_fingerprint, piece_key
from .tagging import is_tagged
from .typeset import TypesetJob, TypesetResult, padded
from .workers import (  # noqa: F401  (re-exported)
    DEFAULT_MEMORY_LIMIT_MB,
    BookBuildError,
    TypesetOutOfMemory,
    TypesetTimeout,
    TypesetTooDeep,
    WorkerPool,
)

if TYPE_CHECKING:
    from .preview_workers import PreviewPolicy

#: Seconds a whole build may take before its workers are killed.
BUILD_TIME_LIMIT = 15 * 60
#: Body weight (about 45 pieces of 1,500 words) of one chunk: a worker
#: typesetting it peaks below 400 MB, most of it the Chinese fonts.
CHUNK_WEIGHT = 400_000
#: Weight a worker typesets before it exits and a fresh one takes over:
#: a worker reuses the memory of its last chunk for the next, but a very big
#: book should not rely on that for ever.
WORKER_BUDGET = 3 * CHUNK_WEIGHT
#: Below this body weight (about 23 pieces) a book is typeset in one process.
SMALL_BOOK_WEIGHT = 200_000
#: The /Producer of every book, one document or assembled from chunks.
PRODUCER = "Huibian (WeasyPrint)"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BookResult:
    """What a build produced."""

    page_count: int
    size: int
    sha256: str
    piece_start_pages: dict[str, int]   # piece key -> printed (arabic) page number
    refused_urls: list[str]


def render_book(spec: BookSpec, out_path: Path, *, progress: Progress | None = None,
                processes: int | None = None, cache: PieceCache | None = None,
                time_limit: float = BUILD_TIME_LIMIT,
                memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB, executor=None) -> BookResult:
    """Typeset ``spec`` into ``out_path`` and describe the result.

    ``processes`` defaults to the number of cores (one for a small book).
    With a ``cache`` (``piece_cache.py``), or with more than one process,
    every body item is typeset on its own (or taken from the cache) and the
    book assembled from them; without a cache and with one process, the
    book is typeset as one document. Workers still running after
    ``time_limit`` seconds are killed; each worker's address space is capped
    at ``memory_limit_mb`` MB (``TypesetOutOfMemory`` past it,
    ``TypesetTimeout`` past the time). ``progress`` is called with
    ("queued" | "rendering" | "assembling" | "done", pieces done, pieces).
    ``executor`` (anything with ``WorkerPool``'s ``map(jobs, deadline,
    on_result)`` and ``close()``, such as the RQ executor of
    ``app/background/typeset_jobs.py``) typesets the body items and the frame
    instead of local worker processes; the book is then always built piece by
    piece, and comes out the same, byte for byte.
    The file appears only when complete: a failed build leaves nothing at
    ``out_path`` (and an older file there untouched).

    Raises :class:`MissingFontError` before any work if the Chinese faces are
    not installed, and :class:`BookBuildError` if typesetting fails.
    """
    check_cjk_fonts()
    deadline = time.monotonic() + time_limit
    report = progress or (lambda stage, k, n: None)
    out_path = Path(out_path)
    items = body_items(spec)
    total = len(spec.pieces)
    report("queued", 0, total)
    processes = max(1, min(processes or _default_processes(items, os.cpu_count() or 1), len(items) + 1))
    # Named after the book, so that whoever finds the build's process gone can remove it.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.building-", suffix=".pdf", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if processes == 1 and cache is None and executor is None:
            starts, refused, page_count = _render_whole(spec, items, tmp, report, total, deadline,
                                                        memory_limit_mb)
        else:
            starts, refused, page_count = _render_pieces(
                spec, items, tmp, report, total, processes, cache or PieceCache(None), deadline,
                memory_limit_mb, executor)
        data = tmp.read_bytes()
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report("done", total, total)
    return BookResult(page_count=page_count, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(),
                      piece_start_pages={p.key: starts[p.anchor] for p in spec.pieces},
                      refused_urls=refused)


def render_piece_preview(piece: BookPiece, conference: BookConference,
                         key_tasks: tuple[BookKeyTask, ...] = (), *, policy: PreviewPolicy | None = None,
                         owner: Hashable | None = None, priority: bool = False,
                         wait: float | None = None, style: str = "ministry") -> bytes:
    """One piece as a PDF, typeset with the book's own template and stylesheet.

    ``style`` (``book.BOOK_STYLES``) is the edition's: the preview has that
    style's pages, as the piece will print.

    It is typeset by a warm preview worker (see ``preview_workers.py``),
    never in this process, within ``policy``'s limits: ``owner`` (a user
    id) one preview at a time, ``priority`` for the ministry, waiting for a
    worker at most ``wait`` seconds (the policy's by default; ``math.inf``
    as long as it takes).
    """
    from .preview_workers import PreviewPolicy, previews

    policy = policy or PreviewPolicy()
    previews.configure(policy)

    check_cjk_fonts()
    section = BookSection(kind=piece.kind, title_zh=SECTION_TITLES[piece.kind][0],
                          title_en=SECTION_TITLES[piece.kind][1], pieces=(piece,))
    spec = BookSpec(conference=conference, edition_number=None,
                    edition_date=datetime.now(timezone.utc).date(), cover_note="",
                    foreword_html="", sections=(section,), key_tasks=key_tasks, style=style)
    html = book_html(spec, parts=("body",), items=[BodyItem("piece", section, piece.anchor, piece)])
    job = TypesetJob(html=html, attachments=_attachments([piece]))
    wait = policy.wait_seconds if wait is None else wait
    return previews.typeset(job, policy.timeout_seconds, owner=owner, priority=priority,
                            wait=None if math.isinf(wait) else wait).pdf_bytes


def _attachments(pieces) -> dict:
    return {sha: Path(path) for p in pieces for sha, path in p.attachment_paths.items()}


# ---------------------------------------------------------------- one process

def _render_whole(spec, items, tmp, report, total, deadline, memory_limit_mb=None):
    report("rendering", 0, total)
    job = TypesetJob(html=book_html(spec, items=items), attachments=_attachments(spec.pieces),
                     out_path=tmp, label_body_from=items[0].anchor if items else None,
                     info=pdf_metadata(spec), pdf_variant=spec.pdf_variant,
                     langs=tuple((item.anchor, item_lang(spec, item)) for item in items)
                     + (("key-task-index", book_lang(spec)),), lang=book_lang(spec))
    with _workers(1, memory_limit_mb=memory_limit_mb) as pool:
        [result] = pool.map([job], deadline)
    report("assembling", total, total)
    body_start = result.anchors[items[0].anchor][0] if items else 0
    starts = {name: index - body_start + 1 for name, (index, _x, _y) in result.anchors.items()}
    return starts, result.refused, result.page_count


# ---------------------------------------------------------------- pieces

def _render_pieces(spec, items, tmp, report, total, processes, cache, deadline, memory_limit_mb=None,
                   executor=None):
    """Every body item from the cache or typeset on its own, then the frame, then assembled.

    A build from nothing takes this very path with an empty cache, so a
    rebuild gives the same bytes as a build from nothing by construction:
    the book is made from the same typeset items whichever build typeset them.
    """
    from .assemble import assemble, frame_result
    from .folios import FolioKit, kit_html
    from .font_merge import book_font_programs

    # a warm worker from the start: it loads WeasyPrint while this process makes the HTML
    pool = executor or WorkerPool(1, work_per_worker=WORKER_BUDGET, warm_up=True,
                                  memory_limit_mb=memory_limit_mb)
    try:
        engine = engine_fingerprint()
        tagged = is_tagged(spec.pdf_variant)
        htmls = [piece_html(spec, item) for item in items]
        keys = [piece_key(engine, html, tagged) for html in htmls]
        # the style is in each item's HTML (its root class and stylesheet), so a western
        # piece never has a ministry piece's key; the kit is the style's own
        kit_source = kit_html(spec.style)
        kit_key = piece_key(engine, kit_source)
        typeset_parts: dict[str, tuple[bytes, dict]] = {}
        wanted = {}   # key -> job, each distinct key once, in book order
        for key, item, html in zip(keys, items, htmls):
            if key not in typeset_parts and key not in wanted:
                found = cache.get(key)
                if found is not None:
                    typeset_parts[key] = found
                else:
                    wanted[key] = TypesetJob(html=html, attachments=_attachments(
                        [item.piece] if item.piece else []), folios=False, list_fonts=True,
                        shared_fonts=True, weight=_weight(item), tagged=tagged, lang=item_lang(spec, item))
        for key, html in ((kit_key, kit_source),):
            found = cache.get(key)
            if found is not None:
                typeset_parts[key] = found
            else:
                wanted[key] = TypesetJob(html=html, attachments={}, list_fonts=True, shared_fonts=True, weight=200)
        pieces_of = {}
        for key, item in zip(keys, items):
            pieces_of[key] = pieces_of.get(key, 0) + (1 if item.piece else 0)
        done_pieces = sum(pieces_of.get(k, 0) for k in typeset_parts)
        report("rendering", done_pieces, total)
        jobs = list(wanted.items())
    except BaseException:
        pool.close(kill=True)
        raise
    if executor is None:
        # another warm worker or two if there is that much to do: a worker costs more to
        # start than the front and back matter (which often come from the cache) to typeset
        pool.grow(max(1, min(processes, len(jobs))))

    def piece_done(j, result):
        nonlocal done_pieces
        key = jobs[j][0]
        pdf, result.pdf_bytes = result.pdf_bytes, None
        # what a later build will read back, so that both builds assemble the same thing
        meta = json.loads(json.dumps(asdict(result)))
        if not meta["refused"]:   # a file it could not read may be there next time
            cache.put(key, pdf, meta)
        typeset_parts[key] = (pdf, meta)
        sewing.arrived()
        done_pieces += pieces_of.get(key, 0)
        report("rendering", done_pieces, total)

    closing = threading.Thread(target=pool.close, name="huibian-workers-exit")
    sewing = _BodySewing(keys, typeset_parts, kit_key, cache, engine)
    sewing.start()
    try:
        try:
            pool.map([job for _key, job in jobs], deadline, on_result=piece_done)
            sewing.arrived()
            parts = [typeset_parts[key] for key in keys]
            starts, body_pages, stamps = _positions(items, parts)
            # the front matter and the back matter at once, one on each worker
            front_job = TypesetJob(html=book_html(spec, parts=("front",), items=[], page_numbers=starts),
                                   attachments={}, list_fonts=True, shared_fonts=True,
                                   tagged=tagged, lang=book_lang(spec))
            back_job = TypesetJob(html=book_html(spec, parts=("back",), items=[], page_numbers=starts),
                                  attachments={}, first_page=body_pages + 1, first_page_group="back",
                                  list_fonts=True, shared_fonts=True, tagged=tagged, lang=book_lang(spec))
            front, back = _frame_parts(pool, [front_job, back_job], cache, engine, deadline)
        finally:
            # the workers take a while to exit (they give back a lot of memory): meanwhile, assemble
            closing.start()
        report("assembling", total, total)
        body = sewing.sewn()
        # one program per face: the union of the glyphs of every part
        kit_pdf = typeset_parts[kit_key][0]
        # (cut while the pages are assembled; most were cut by the sewing)
        with ThreadPoolExecutor(max_workers=1) as cutting:
            book_fonts = cutting.submit(book_font_programs, sewing.signatures + [front.fonts, back.fonts],
                                        cache, engine, sewing.programs)
            kit = FolioKit.read(io.BytesIO(kit_pdf), spec.style)
            frame = frame_result(front, back)
            assemble(tmp, (io.BytesIO(front.pdf_bytes), io.BytesIO(back.pdf_bytes)), frame, body,
                     [_result(meta) for _pdf, meta in parts], metadata=pdf_metadata(spec),
                     book_fonts=book_fonts, folios=(kit, stamps), pdf_variant=spec.pdf_variant,
                     langs=[item_lang(spec, item) for item in items], lang=book_lang(spec))
        refused = sorted({url for _pdf, meta in parts for url in meta["refused"]} | set(frame.refused))
        return starts, refused, frame.page_count + body_pages
    finally:
        sewing.cancel()
        cache.trim()
        if closing.is_alive():
            closing.join()


def _frame_parts(pool, jobs, cache, engine, deadline) -> list[TypesetResult]:
    """The front and back matter, typeset or, when their HTML and numbering are those of an
    earlier build (no piece changed its length), taken from the piece cache."""
    keys = [piece_key(engine, f"{job.html}\0frame\0{job.first_page}\0{job.first_page_group}", job.tagged)
            for job in jobs]
    parts = [cache.get(key) for key in keys]
    missing = [i for i, part in enumerate(parts) if part is None]
    for i, result in zip(missing, pool.map([jobs[i] for i in missing], deadline) if missing else []):
        pdf, result.pdf_bytes = result.pdf_bytes, None
        # what a later build reads back, so that both builds assemble the same thing
        parts[i] = (pdf, json.loads(json.dumps(asdict(result))))
        if not result.refused:
            cache.put(keys[i], *parts[i])
    results = []
    for pdf, meta in parts:
        result = _result(meta)
        result.pdf_bytes, result.fonts = pdf, meta["fonts"]
        results.append(result)
    return results


class _BodySewing(threading.Thread):
    """Sews the body's parts together in reading order as they arrive (``parts``: key ->
    (PDF, metadata), filled in by the build), then cuts the fonts the body and the folio
    kit need: the frame is typeset meanwhile, and the assembling left is short.

    What it makes depends only on the parts, not on when they arrived.
    """

    def __init__(self, keys, parts, kit_key, cache, engine):
        super().__init__(name="huibian-body-sewing", daemon=True)
        from .assemble import Body

        self.body = Body()
        self.signatures = []
        self.programs = {}   # font programs cut (see font_merge.book_font_programs)
        self._keys, self._parts, self._kit_key = keys, parts, kit_key
        self._cache, self._engine = cache, engine
        self._ready = threading.Condition()
        self._cancelled = False
        self._error = None

    def arrived(self) -> None:
        """Tell the thread a part arrived."""
        with self._ready:
            self._ready.notify()

    def cancel(self) -> None:
        with self._ready:
            self._cancelled = True
            self._ready.notify()

    def _wait_for(self, key):
        with self._ready:
            while key not in self._parts and not self._cancelled:
                self._ready.wait()
            return None if self._cancelled else self._parts[key]

    def run(self) -> None:
        from .font_merge import book_font_programs

        try:
            for key in self._keys:
                part = self._wait_for(key)
                if part is None:
                    return
                pdf, meta = part
                self.body.add(io.BytesIO(pdf), meta["page_count"])
                self.signatures.append(meta["fonts"])
            kit = self._wait_for(self._kit_key)
            if kit is None:
                return
            self.signatures.append(kit[1]["fonts"])
            # most often the frame uses no glyph the body does not: these are the book's
            book_font_programs(self.signatures, self._cache, self._engine, self.programs)
        except BaseException as error:   # handed to the build by sewn()
            self._error = error

    def sewn(self):
        """The sewn body (once every part has arrived)."""
        self.join()
        if self._error is not None:
            raise self._error
        return self.body


def _positions(items, parts):
    """Printed first page of every anchor, the body's length, and (body page index, folio)
    of every body page that prints one."""
    starts, stamps, page = {}, [], 1
    for item, (_pdf, meta) in zip(items, parts):
        for name, (index, _x, _y) in meta["anchors"].items():
            starts.setdefault(name, page + index)
        starts[item.anchor] = page
        blank = set(meta["blank_pages"])
        stamps.extend((page - 1 + i, page + i) for i in range(meta["page_count"]) if i not in blank)
        page += padded(meta["page_count"])
    starts["key-task-index"] = page
    return starts, page - 1, stamps


def _result(meta: dict) -> TypesetResult:
    return TypesetResult(
        page_count=meta["page_count"], first_page=None,
        anchors={name: tuple(where) for name, where in meta["anchors"].items()},
        bookmarks=[tuple(b) for b in meta["bookmarks"]],
        dangling_links=[(i, target, tuple(rect)) for i, target, rect in meta["dangling_links"]],
        refused=list(meta["refused"]), blank_pages=list(meta["blank_pages"]))


def piece_html(spec: BookSpec, item: BodyItem) -> str:
    """One body item as its own document: what it prints, and nothing of the edition around it
    (no date, no edition number), so that its fingerprint changes only when its pages would."""
    return book_html(spec, parts=("body",), items=[item], created=datetime(2000, 1, 1),
                     neutral_head=True)


def book_lang(spec: BookSpec) -> str:
    """The language of the book's own pages (cover, contents, index), as its HTML says."""
    return "en" if spec.style == "western" else "zh-CN"


def item_lang(spec: BookSpec, item: BodyItem) -> str:
    """A piece's language; a section divider speaks the book's."""
    return item.piece.lang if item.piece else book_lang(spec)


def _default_processes(items, cores: int) -> int:
    """All cores, except for a small book, where a second worker and the
    assembling of parts would cost more than they save."""
    return 1 if sum(map(_weight, items)) < SMALL_BOOK_WEIGHT else cores


def _weight(item) -> int:
    """Rough typesetting work (and memory) of a body item."""
    return len(item.piece.body_html) + 2000 if item.piece else 200


def pdf_metadata(spec: BookSpec) -> dict:
    """The document information of the book, whichever way it is built; dated from the edition."""
    meta = book_metadata(spec)
    date = spec.edition_date.strftime("D:%Y%m%d000000Z")
    return {"/CreationDate": date, "/ModDate": date, "/Producer": PRODUCER,
            "/Title": meta.title, "/Author": meta.author, "/Subject": meta.subject, "/Keywords": meta.keywords,
            "/Creator": "Huibian"}


# ---------------------------------------------------------------- workers

@contextmanager
def _workers(processes: int, *, work_per_worker: float | None = None, warm_up: bool = False,
             memory_limit_mb: int | None = None):
    """Fresh worker processes for one build; they exit (or are killed) when the block ends,
    or each once it has typeset ``work_per_worker`` (see ``WorkerPool``)."""
    pool = WorkerPool(processes, work_per_worker=work_per_worker, warm_up=warm_up, memory_limit_mb=memory_limit_mb)
    try:
        yield pool
    finally:
        pool.close()

