"""Typeset a :class:`BookSpec` into the proceedings PDF.

The book is one Jinja template (``templates/proceedings/book.html``) and one
stylesheet (``static/css/print.css``). WeasyPrint runs only in worker
processes that exit after the build, because it never gives memory back.

Two ways through:

* one process (``processes=1``): the whole book is one HTML document; the
  contents find their page numbers with ``target-counter()``;
* several processes: the body is cut into as many chunks as processes,
  typeset side by side. Each chunk, once paginated, tells its page count and
  is told its first page number (see ``typeset.py``); then the front matter
  (cover, contents) and back matter (index) are typeset with the page
  numbers the chunks reported, and ``assemble.py`` sews the parts together.
  A rebuild that passes the previous ``page_counts`` knows every number in
  advance and typesets the front and back matter alongside the chunks.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from .book import BookConference, BookKeyTask, BookPiece, BookSection, BookSpec
from .fonts import MissingFontError, check_cjk_fonts  # noqa: F401  (re-exported)
from .html import SECTION_TITLES, BodyItem, body_items, book_html
from .typeset import TypesetJob, TypesetResult
from .workers import BookBuildError, WorkerPool  # noqa: F401  (BookBuildError re-exported)

ROOT = Path(__file__).resolve().parents[3]

#: Seconds a whole build may take before its workers are killed.
BUILD_TIME_LIMIT = 15 * 60
#: Seconds a single-piece preview may take.
PREVIEW_TIME_LIMIT = 60

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
                time_limit: float = BUILD_TIME_LIMIT) -> BookResult:
    """Typeset ``spec`` into ``out_path`` and describe the result.

    ``processes`` defaults to the number of cores; 1 typesets the book as one
    document. ``page_counts`` is a previous result's ``page_counts`` (pages
    per piece, keyed by a fingerprint of its HTML, the stylesheet and the
    engine): with it nothing waits for anything else; wrong counts are
    detected and the build redone without them. Workers still running after
    ``time_limit`` seconds are killed. ``progress`` is called with
    ("queued" | "rendering" | "assembling" | "done", pieces done, pieces).
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
    processes = max(1, min(processes or os.cpu_count() or 1, len(items)))
    fd, tmp_name = tempfile.mkstemp(prefix=".building-", suffix=".pdf", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if processes == 1:
            starts, refused, counts = _render_whole(spec, items, tmp, report, total, deadline)
        else:
            starts, refused, counts = _render_chunked(spec, items, tmp, report, total,
                                                      processes, page_counts or {}, deadline)
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
                         key_tasks: tuple[BookKeyTask, ...] = ()) -> bytes:
    """One piece as a PDF, typeset with the book's own template and stylesheet."""
    check_cjk_fonts()
    section = BookSection(kind=piece.kind, title_zh=SECTION_TITLES[piece.kind][0],
                          title_en=SECTION_TITLES[piece.kind][1], pieces=(piece,))
    spec = BookSpec(conference=conference, edition_number=None,
                    edition_date=datetime.now(timezone.utc).date(), cover_note="",
                    foreword_html="", sections=(section,), key_tasks=key_tasks)
    html = book_html(spec, parts=("body",), items=[BodyItem("piece", section, piece.anchor, piece)])
    job = TypesetJob(html=html, attachments=_attachments([piece]))
    [result] = _run([job], processes=1, time_limit=PREVIEW_TIME_LIMIT)
    return result.pdf_bytes


def _attachments(pieces) -> dict:
    return {sha: Path(path) for p in pieces for sha, path in p.attachment_paths.items()}


# ---------------------------------------------------------------- one process

def _render_whole(spec, items, tmp, report, total, deadline):
    report("rendering", 0, total)
    job = TypesetJob(html=book_html(spec, items=items), attachments=_attachments(spec.pieces),
                     out_path=tmp, label_body_from=items[0].anchor if items else None)
    with _workers(1) as pool:
        [result] = pool.map([job], deadline)
    report("assembling", total, total)
    body_start = result.anchors[items[0].anchor][0] if items else 0
    starts = {name: index - body_start + 1 for name, (index, _x, _y) in result.anchors.items()}
    # Each item starts a page, so its length here is its length in a chunk too.
    firsts = [result.anchors[i.anchor][0] for i in items] + [result.anchors["key-task-index"][0]]
    counts = {_fingerprint(spec, item): firsts[k + 1] - firsts[k] for k, item in enumerate(items)}
    return starts, result.refused, counts


# ---------------------------------------------------------------- chunks

def _render_chunked(spec, items, tmp, report, total, processes, known_counts, deadline):
    from .assemble import assemble

    fingerprints = [_fingerprint(spec, item) for item in items]
    all_known = all(f in known_counts for f in fingerprints)
    chunks = _split(items, processes)
    jobs, first = [], 0
    for j, chunk in enumerate(chunks):
        jobs.append(TypesetJob(
            html=book_html(spec, parts=("body",), items=chunk),
            attachments=_attachments(spec.pieces),
            # unknown in a first build: each chunk asks once laid out
            first_page=1 + sum(known_counts[f] for f in fingerprints[:first]) if all_known else None,
            out_path=tmp.with_name(f"{tmp.stem}-chunk{j}.pdf")))
        first += len(chunk)
    paths = [job.out_path for job in jobs] + [tmp.with_name(f"{tmp.stem}-frame.pdf")]

    def frame_job(starts, body_pages):
        return TypesetJob(
            html=book_html(spec, parts=("front", "back"), items=[], page_numbers=starts),
            attachments={}, first_page=body_pages + 1, first_page_group="back",
            out_path=paths[-1])

    done_pieces = 0

    def chunk_done(j, _result):
        nonlocal done_pieces
        done_pieces += sum(1 for i in chunks[j] if i.piece) if j < len(chunks) else 0
        report("rendering", done_pieces, total)

    try:
        report("rendering", 0, total)
        with _workers(processes) as pool:
            if all_known:
                # A rebuild knows every page number: the front and back matter
                # are typeset alongside the body.
                starts, body_pages = _known_starts(items, fingerprints, known_counts)
                *results, frame = pool.map(jobs + [frame_job(starts, body_pages)], deadline,
                                           on_result=chunk_done)
                counts = {f: known_counts[f] for f in fingerprints}
                landed = _where_things_landed(chunks, results, fingerprints)[0]
                stale = any(landed[anchor] != page for anchor, page in starts.items())
            else:
                stale = False
                results = pool.map(jobs, deadline, on_result=chunk_done,
                                   on_ask=_FirstPages(len(jobs)))
                starts, counts, body_pages = _where_things_landed(chunks, results, fingerprints)
                [frame] = pool.map([frame_job(starts, body_pages)], deadline)
        if stale:
            # The page counts given were wrong (other fonts?): build as if none were known.
            return _render_chunked(spec, items, tmp, report, total, processes, {}, deadline)
        report("assembling", total, total)
        assemble(tmp, paths[-1], frame, paths[:-1], results, metadata=_pdf_metadata(spec))
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
        body_pages += result.page_count
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


def _split(items, n):
    """Cut the body into ``n`` consecutive chunks of about equal work."""
    weights = [len(i.piece.body_html) + 2000 if i.piece else 200 for i in items]
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
        self._counts[index] = page_count
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
    starts = [result.anchors[item.anchor][0] for item in chunk] + [result.page_count]
    return {f: starts[k + 1] - starts[k] for k, f in enumerate(prints)}


def _pdf_metadata(spec: BookSpec) -> dict:
    c = spec.conference
    return {"/Title": f"{c.title_zh} 交流材料汇编", "/Author": c.organiser_zh,
            "/Subject": f"{c.title_en}: proceedings"
                        + (f", edition {spec.edition_number}" if spec.edition_number else ""),
            "/Keywords": ", ".join(t.title_zh for t in spec.key_tasks),
            "/Creator": "Huibian"}


# ---------------------------------------------------------------- workers

@contextmanager
def _workers(processes: int):
    """Fresh worker processes for one build; they exit (or are killed) when the block ends."""
    pool = WorkerPool(processes)
    try:
        yield pool
    finally:
        pool.close()


def _run(jobs, *, processes, time_limit) -> list[TypesetResult]:
    with _workers(processes) as pool:
        return pool.map(jobs, time.monotonic() + time_limit)
