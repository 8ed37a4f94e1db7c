"""Typeset a :class:`BookSpec` into the proceedings PDF.

The book is one Jinja template (``templates/book/book.html``) and one
stylesheet (``static/css/print.css``). WeasyPrint runs only in worker
processes that exit after the build, because it never gives memory back.

Two ways through:

* one process (``processes=1``, and the default for a small book): the
  whole book is one HTML document; the contents find their page numbers
  with ``target-counter()``;
* several processes: the body is cut into chunks — one per process, more
  for a big book so that no worker outgrows the memory budget
  (``CHUNK_WEIGHT``) — typeset side by side. Each chunk, once paginated,
  tells its page count and is told its first page number (see
  ``typeset.py``); then the front matter (cover, contents) and back matter
  (index) are typeset with the page numbers the chunks reported, while this
  process merges the chunks' Chinese font subsets (``font_merge.py``), and
  ``assemble.py`` sews the parts together. Every piece opens on a
  right-hand page, so a chunk that ends on one gets a blank verso at the
  join (:func:`padded`): each chunk then starts on a recto, as in the
  one-document book. A rebuild that passes the
  previous ``page_counts`` knows every number in advance and typesets the
  front and back matter alongside the chunks.

Single-piece previews go to a warm, long-lived worker instead
(``preview_workers.py``).
"""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import ROOT

from .book import SECTION_TITLES, BookConference, BookKeyTask, BookPiece, BookSection, BookSpec, book_metadata
from .fonts import MissingFontError, check_cjk_fonts  # noqa: F401  (re-exported)
from .html import BodyItem, body_items, book_html
from .typeset import TypesetJob, TypesetResult, padded
from .workers import DEFAULT_MEMORY_LIMIT_MB, WorkerPool
from .workers import BookBuildError, TypesetOutOfMemory, TypesetTimeout, TypesetTooDeep  # noqa: F401  (re-exported)

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
    # item fingerprint -> pages; pass back as ``page_counts`` next time
    page_counts: dict[str, int] = field(default_factory=dict)


def render_book(spec: BookSpec, out_path: Path, *, progress: Progress | None = None,
                processes: int | None = None,
                page_counts: Mapping[str, int] | None = None,
                time_limit: float = BUILD_TIME_LIMIT,
                memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB) -> BookResult:
    """Typeset ``spec`` into ``out_path`` and describe the result.

    ``processes`` defaults to the number of cores (one for a small book); 1
    typesets the book as one document. ``page_counts`` is a previous result's ``page_counts`` (pages
    per piece, keyed by a fingerprint of its HTML, the stylesheet and the
    engine): with it nothing waits for anything else; wrong counts are
    detected and the build redone without them. Workers still running after
    ``time_limit`` seconds are killed; each worker's address space is capped
    at ``memory_limit_mb`` MB. ``progress`` is called with
    ("queued" | "rendering" | "assembling" | "done", pieces done, pieces).
    The file appears only when complete: a failed build leaves nothing at
    ``out_path`` (and an older file there untouched).

    Raises :class:`MissingFontError` before any work if the Chinese faces are
    not installed, and :class:`BookBuildError` if typesetting fails
    (``TypesetTimeout``, ``TypesetOutOfMemory`` for the limits).
    """
    check_cjk_fonts()
    deadline = time.monotonic() + time_limit
    report = progress or (lambda stage, k, n: None)
    out_path = Path(out_path)
    items = body_items(spec)
    total = len(spec.pieces)
    report("queued", 0, total)
    processes = max(1, min(processes or _default_processes(items, os.cpu_count() or 1), len(items)))
    # Named after the book, so that whoever finds the build's process gone can remove it.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.building-", suffix=".pdf", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if processes == 1:
            starts, refused, counts = _render_whole(spec, items, tmp, report, total, deadline, memory_limit_mb)
        else:
            starts, refused, counts = _render_chunked(spec, items, tmp, report, total,
                                                      processes, page_counts or {}, deadline, memory_limit_mb)
        data = tmp.read_bytes()
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    from pypdf import PdfReader  # a cheap read-back; pypdf is light

    page_count = len(PdfReader(out_path).pages)
    report("done", total, total)
    return BookResult(page_count=page_count, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(),
                      piece_start_pages={p.key: starts[p.anchor] for p in spec.pieces},
                      refused_urls=refused, page_counts=counts)


def render_piece_preview(piece: BookPiece, conference: BookConference,
                         key_tasks: tuple[BookKeyTask, ...] = (), *, policy: PreviewPolicy | None = None,
                         owner: Hashable | None = None, priority: bool = False,
                         wait: float | None = None) -> bytes:
    """One piece as a PDF, typeset with the book's own template and stylesheet.

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
                    foreword_html="", sections=(section,), key_tasks=key_tasks)
    html = book_html(spec, parts=("body",), items=[BodyItem("piece", section, piece.anchor, piece)])
    job = TypesetJob(html=html, attachments=_attachments([piece]))
    wait = policy.wait_seconds if wait is None else wait
    return previews.typeset(job, policy.timeout_seconds, owner=owner, priority=priority,
                            wait=None if math.isinf(wait) else wait).pdf_bytes


def _attachments(pieces) -> dict:
    return {sha: Path(path) for p in pieces for sha, path in p.attachment_paths.items()}


# ---------------------------------------------------------------- one process

def _render_whole(spec, items, tmp, report, total, deadline, memory_limit_mb):
    report("rendering", 0, total)
    job = TypesetJob(html=book_html(spec, items=items), attachments=_attachments(spec.pieces),
                     out_path=tmp, label_body_from=items[0].anchor if items else None,
                     info=pdf_metadata(spec))
    with _workers(1, memory_limit_mb=memory_limit_mb) as pool:
        [result] = pool.map([job], deadline)
    report("assembling", total, total)
    body_start = result.anchors[items[0].anchor][0] if items else 0
    starts = {name: index - body_start + 1 for name, (index, _x, _y) in result.anchors.items()}
    # Each item starts a page, so its length here is its length in a chunk too.
    firsts = [result.anchors[i.anchor][0] for i in items] + [result.anchors["key-task-index"][0]]
    counts = {_fingerprint(spec, item): firsts[k + 1] - firsts[k] for k, item in enumerate(items)}
    return starts, result.refused, counts


# ---------------------------------------------------------------- chunks

def _render_chunked(spec, items, tmp, report, total, processes, known_counts, deadline, memory_limit_mb):
    from .assemble import assemble
    from .font_merge import merged_cff_programs, with_subsets_of

    fingerprints = [_fingerprint(spec, item) for item in items]
    all_known = all(f in known_counts for f in fingerprints)
    chunks = _split(items, _chunk_count(items, processes))
    jobs, first = [], 0
    for j, chunk in enumerate(chunks):
        jobs.append(TypesetJob(
            html=book_html(spec, parts=("body",), items=chunk),
            attachments=_attachments(spec.pieces),
            # unknown in a first build: each chunk asks once laid out
            first_page=1 + sum(known_counts[f] for f in fingerprints[:first]) if all_known else None,
            out_path=tmp.with_name(f"{tmp.stem}-chunk{j}.pdf"),
            weight=sum(map(_weight, chunk))))
        first += len(chunk)
    paths = [job.out_path for job in jobs] + [tmp.with_name(f"{tmp.stem}-frame.pdf")]

    def frame_job(starts, body_pages):
        return TypesetJob(
            html=book_html(spec, parts=("front", "back"), items=[], page_numbers=starts),
            attachments={}, first_page=body_pages + 1, first_page_group="back",
            out_path=paths[-1])

    done_pieces, done_chunks, body_fonts = 0, set(), {}

    def chunk_done(j, _result):
        nonlocal done_pieces
        if j < len(chunks):
            done_pieces += sum(1 for i in chunks[j] if i.piece)
            done_chunks.add(j)
        report("rendering", done_pieces, total)
        if all_known and j < len(chunks) and len(done_chunks) == len(chunks):
            # A rebuild's last chunk is done: merge the chunks' fonts while
            # the frame, queued last, is still being typeset.
            body_fonts.update(merged_cff_programs(paths[:-1]))

    try:
        report("rendering", 0, total)
        with _workers(processes, work_per_worker=WORKER_BUDGET, memory_limit_mb=memory_limit_mb) as pool:
            if all_known:
                # A rebuild knows every page number: the front and back matter
                # are typeset alongside the body.
                starts, body_pages = _known_starts(items, fingerprints, known_counts)
                *results, frame = pool.map(jobs + [frame_job(starts, body_pages)], deadline,
                                           on_result=chunk_done)
                counts = {f: known_counts[f] for f in fingerprints}
                landed = _where_things_landed(chunks, results, fingerprints)[0]
                stale = any(landed[anchor] != page for anchor, page in starts.items())
                if not stale:
                    body_fonts = body_fonts or merged_cff_programs(paths[:-1])
            else:
                stale = False
                results = pool.map(jobs, deadline, on_result=chunk_done,
                                   on_ask=_FirstPages(len(jobs)))
                starts, counts, body_pages = _where_things_landed(chunks, results, fingerprints)
                # The chunks' fonts are merged here while a worker typesets the frame.
                with ThreadPoolExecutor(max_workers=1) as background:
                    framing = background.submit(pool.map, [frame_job(starts, body_pages)], deadline)
                    body_fonts = merged_cff_programs(paths[:-1])
                    [frame] = framing.result()
        if stale:
            # The page counts given were wrong (other fonts?): build as if none were known.
            return _render_chunked(spec, items, tmp, report, total, processes, {}, deadline, memory_limit_mb)
        report("assembling", total, total)
        # the front and back matter's subsets join the body's: one program per face
        book_fonts = with_subsets_of(body_fonts, paths[-1])
        assemble(tmp, paths[-1], frame, paths[:-1], results, metadata=pdf_metadata(spec),
                 book_fonts=book_fonts)
        refused = [url for r in [*results, frame] for url in r.refused]
        return starts, refused, counts
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _known_starts(items, fingerprints, known_counts):
    """Printed first page of every item, and the body's length, from known page counts."""
    starts, page = {}, 1
    for item, fingerprint in zip(items, fingerprints):
        starts[item.anchor] = page
        page += known_counts[fingerprint]
    starts["key-task-index"] = page
    return starts, page - 1


def _where_things_landed(chunks, results, fingerprints):
    """Printed page of every anchor, page count of every item, and the body's length."""
    starts, counts, body_pages = {}, {}, 0
    for chunk, result, prints in zip(chunks, results, _slices(fingerprints, chunks)):
        for name, (index, _x, _y) in result.anchors.items():
            starts.setdefault(name, result.first_page + index)
        counts.update(_item_page_counts(chunk, result, prints))
        body_pages += padded(result.page_count)
    starts["key-task-index"] = body_pages + 1
    return starts, counts, body_pages


def _fingerprint(spec, item) -> str:
    """What decides how many pages an item takes: its HTML, the stylesheet, the engine."""
    html = book_html(spec, parts=("body",), items=[item], created=datetime(2000, 1, 1))
    digest = hashlib.sha256(_engine_and_stylesheet())
    digest.update(html.encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _engine_and_stylesheet() -> bytes:
    from importlib.metadata import version

    return version("weasyprint").encode() + (ROOT / "static" / "css" / "print.css").read_bytes()


def _default_processes(items, cores: int) -> int:
    """All cores, except for a small book, where a second worker and the
    assembling of parts would cost more than they save."""
    return 1 if sum(map(_weight, items)) < SMALL_BOOK_WEIGHT else cores


def _weight(item) -> int:
    """Rough typesetting work (and memory) of a body item."""
    return len(item.piece.body_html) + 2000 if item.piece else 200


def _chunk_count(items, processes: int) -> int:
    """At least one chunk per process; more for a big book, so that no worker grows too big.

    Each chunk is typeset by a fresh process that exits afterwards, and a
    worker's memory grows with its chunk: ``CHUNK_WEIGHT`` keeps every one
    well under the build's memory budget. A multiple of ``processes`` keeps
    the cores equally busy.
    """
    needed = math.ceil(sum(map(_weight, items)) / CHUNK_WEIGHT)
    rounds = max(1, math.ceil(needed / processes))
    return min(len(items), rounds * processes)


def _split(items, n):
    """Cut the body into ``n`` consecutive chunks of about equal work."""
    weights = [_weight(i) for i in items]
    share = sum(weights) / n
    chunks, current, done = [], [], 0.0
    for item, weight in zip(items, weights):
        if current and done >= share * (len(chunks) + 1) and len(chunks) < n - 1:
            chunks.append(current)
            current = []
        current.append(item)
        done += weight
    chunks.append(current)
    return chunks


class _FirstPages:
    """Tells each body chunk its first page number once every chunk before it told its length."""

    def __init__(self, chunks: int):
        self._counts = [None] * chunks
        self._waiting = set()

    def __call__(self, index: int, page_count: int) -> dict[int, int]:
        self._counts[index] = padded(page_count)
        self._waiting.add(index)
        answers, first = {}, 1
        for j, count in enumerate(self._counts):
            if j in self._waiting:
                answers[j] = first
                self._waiting.discard(j)
            if count is None:
                break
            first += count
        return answers


def _slices(values, chunks):
    start = 0
    for chunk in chunks:
        yield values[start:start + len(chunk)]
        start += len(chunk)


def _item_page_counts(chunk, result: TypesetResult, prints) -> dict[str, int]:
    starts = [result.anchors[item.anchor][0] for item in chunk] + [padded(result.page_count)]
    return {f: starts[k + 1] - starts[k] for k, f in enumerate(prints)}


def pdf_metadata(spec: BookSpec) -> dict:
    """The document information of the book, whichever way it is built; dated from the edition."""
    meta = book_metadata(spec)
    date = spec.edition_date.strftime("D:%Y%m%d000000Z")
    return {"/CreationDate": date, "/ModDate": date, "/Producer": PRODUCER,
            "/Title": meta.title, "/Author": meta.author, "/Subject": meta.subject, "/Keywords": meta.keywords,
            "/Creator": "Huibian"}


# ---------------------------------------------------------------- workers

@contextmanager
def _workers(processes: int, *, work_per_worker: float | None = None, memory_limit_mb: int | None = None):
    """Fresh worker processes for one build; they exit (or are killed) when the block ends,
    or each once it has typeset ``work_per_worker`` (see ``WorkerPool``)."""
    pool = WorkerPool(processes, work_per_worker=work_per_worker, memory_limit_mb=memory_limit_mb)
    try:
        yield pool
    finally:
        pool.close()

