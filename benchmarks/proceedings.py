"""How fast and how heavy is a proceedings build, against one plain WeasyPrint call?

For synthetic books of 12, 40 and 160 pieces (about 1,500 words each, half
in Chinese, some with a table, a footnote and an image) this prints, for
the project's builder (``render_book`` with an empty piece cache: a build
from nothing; then a rebuild after one piece changed, its cache filled by
a build of the book before the change) and for the very same HTML rendered
by one plain ``weasyprint.HTML(...).write_pdf()`` call: pages, seconds, pages per second,
CPU seconds (wall time alone misleads on a busy machine), peak memory (the
max RSS of the biggest single process: the measuring process or any of its
worker processes), size. Then the wall time of a single-piece preview once
its warm worker runs; the last line gives the ratios against the goals,
among them the rebuild's time as a share of a build from nothing, and
whether the rebuild's PDF is byte-identical to a build from nothing of the
changed book.

Each measurement runs in a fresh Python process, so peak memory is its own.

With ``--tagged-cost N`` it answers another question: what PDF/UA costs. The
book of N pieces is built from nothing twice, plain and as PDF/UA-1 (tagged,
its parts' structure trees merged at assembly), each in a fresh process;
it prints seconds, CPU seconds and size per page of each, and the ratios.

On a shared machine the load changes from one minute to the next, and a
plain pass measured in a quiet minute against a build measured in a busy one
says nothing: ``--repeat N`` measures the plain pass and the build N times,
alternately, and reports the median of each (and every pair's ratio).

usage: python benchmarks/proceedings.py [--sizes 12,40,160] [--repeat 1] [--tagged-cost 160]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.proceedings.typesetting import factories  # noqa: E402  (after the path is set)
from tests.proceedings.typesetting.factories import synthetic_book  # noqa: E402,F401  (distributed.py too)

FIXTURE = ROOT / "tests" / "fixtures" / "iguana.jpg"
#: Previews timed: the first starts the warm worker, the median of the rest is reported.
PREVIEWS = 6


def changed_book(spec):
    """The book with one piece, in the middle, corrected: a paragraph added to its body."""
    pieces = spec.pieces
    target = pieces[len(pieces) // 2]
    sentence = (factories.ZH_SENTENCES if target.lang == "zh-CN" else factories.EN_SENTENCES)[2]
    fixed = replace(target, body_html=target.body_html + f"<p>{sentence * 3}</p>")
    sections = tuple(replace(s, pieces=tuple(fixed if p is target else p for p in s.pieces))
                     for s in spec.sections)
    return replace(spec, sections=sections)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: honest on a busy machine."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mb() -> float:
    """Peak resident memory (max RSS) of the biggest single process of the measurement:
    this process or any child it waited for (the typesetting workers) — not their sum."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure(kind: str, size: int) -> dict:
    """One measurement, run in this (fresh) process."""
    from pypdf import PdfReader

    from app.domain.proceedings.typesetting.render import book_html, render_book, render_piece_preview

    spec = synthetic_book(size)
    out = Path(tempfile.mkdtemp()) / "book.pdf"
    extra = {}
    cpu_before = cpu_seconds()
    cpu = 0.0
    if kind == "plain":
        from weasyprint import HTML

        from app.domain.proceedings.typesetting.fetcher import BASE_URL, BookURLFetcher

        html = book_html(spec)
        attachments = {sha: p for piece in spec.pieces for sha, p in piece.attachment_paths.items()}
        cpu_before = cpu_seconds()
        start = time.perf_counter()
        HTML(string=html, base_url=BASE_URL, url_fetcher=BookURLFetcher(attachments)).write_pdf(out)
        seconds = time.perf_counter() - start
    elif kind == "preview":
        from app.domain.proceedings.typesetting.preview_workers import shutdown

        # The first preview also starts the warm worker; the next ones are
        # what a user waits for. Different pieces, so nothing is reused but
        # the warm engine.
        timings = []
        for piece in spec.pieces[2:2 + PREVIEWS]:
            start = time.perf_counter()
            data = render_piece_preview(piece, spec.conference, spec.key_tasks)
            timings.append(time.perf_counter() - start)
        out.write_bytes(data)
        shutdown()  # so that the worker's peak memory is counted below
        seconds = statistics.median(timings[1:])
        extra = {"cold": timings[0]}
    else:
        from app.domain.proceedings.typesetting.piece_cache import PieceCache

        if kind == "tagged":
            spec = replace(spec, pdf_variant="pdf/ua-1")
        cache = PieceCache(out.parent / "piece-cache")
        if kind == "rebuild":
            render_book(spec, out, cache=cache)     # the book before the change fills the cache
            spec = changed_book(spec)
            cache = PieceCache(out.parent / "piece-cache")   # its own count of what it typesets
            cpu_before = cpu_seconds()
        start = time.perf_counter()
        result = render_book(spec, out, cache=cache)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_before
        if kind == "rebuild":
            cold = render_book(spec, out.with_name("cold.pdf"), cache=PieceCache(out.parent / "empty"))
            extra = {"identical": cold.sha256 == result.sha256
                     and out.read_bytes() == out.with_name("cold.pdf").read_bytes(),
                     "typeset": cache.misses}
    return {"pages": len(PdfReader(out).pages), "seconds": seconds, "mb": peak_mb(),
            "cpu": cpu if kind in ("project", "rebuild", "tagged") else cpu_seconds() - cpu_before,
            "size": out.stat().st_size, **extra}


def in_fresh_process(kind: str, size: int) -> dict:
    run = subprocess.run([sys.executable, __file__, "--measure", kind, str(size)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="12,40,160")
    parser.add_argument("--tagged-cost", type=int, metavar="PIECES",
                        help="build a book of PIECES pieces plain and as PDF/UA-1, and compare")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure the plain pass and the build this many times, alternately")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    if not FIXTURE.exists():
        raise SystemExit(f"missing {FIXTURE} (copy it from /work/shared/fixtures/)")
    if args.tagged_cost:
        tagged_cost(args.tagged_cost)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'pieces':>6} {'builder':<9} {'pages':>5} {'seconds':>8} {'pages/s':>8} {'cpu s':>7} "
          f"{'peak MB':>8} {'size MB':>8}")
    figures = {}
    pair_ratios = {}
    for size in sizes:
        runs = {"plain": [], "project": []}
        kinds = ["plain", "project"] * args.repeat + ["rebuild"]  # rebuild: after one piece changed
        for kind in kinds:
            f = in_fresh_process(kind, size)
            runs.setdefault(kind, []).append(f)
            print(f"{size:>6} {kind:<9} {f['pages']:>5} {f['seconds']:>8.2f} "
                  f"{f['pages'] / f['seconds']:>8.1f} {f['cpu']:>7.1f} {f['mb']:>8.0f} "
                  f"{f['size'] / 1e6:>8.2f}", flush=True)
        pair_ratios[size] = [p["seconds"] / q["seconds"] for p, q in zip(runs["plain"], runs["project"])]
        for kind, measured in runs.items():
            # the median run (by time), with its own figures; the worst memory of all
            median = sorted(measured, key=lambda f: f["seconds"])[len(measured) // 2]
            figures[size, kind] = {**median, "mb": max(f["mb"] for f in measured)}
        if args.repeat > 1:
            print(f"{size:>6} median of {args.repeat}: plain {figures[size, 'plain']['seconds']:.2f} s, "
                  f"project {figures[size, 'project']['seconds']:.2f} s; plain/project of each pair: "
                  + ", ".join(f"{r:.2f}" for r in pair_ratios[size]), flush=True)
    preview = in_fresh_process("preview", sizes[0])
    print(f"single-piece preview (warm worker, wall, median of {PREVIEWS - 1}): "
          f"{preview['seconds']:.2f} s; the first, starting the worker: {preview['cold']:.2f} s "
          f"({preview['pages']} pages, peak {preview['mb']:.0f} MB)")
    big = max(sizes)
    plain, project, rebuild = (figures[big, kind] for kind in ("plain", "project", "rebuild"))
    ratios = [f"speed-up at {big} (plain s / project s): {plain['seconds'] / project['seconds']:.2f} (goal >= 1.5)",
              f"rebuild after one of {big} pieces changed / build from nothing: "
              f"{rebuild['seconds'] / project['seconds']:.0%} (goal <= 15%; CPU "
              f"{rebuild['cpu'] / project['cpu']:.0%}), byte-identical to a "
              f"build from nothing of the changed book: {'yes' if rebuild['identical'] else 'NO'}",
              f"size project/plain: {project['size'] / plain['size']:.2f} (goal <= 1.5)"]
    if 40 in sizes and 160 in sizes:
        ratios.append(f"time 160/40: {figures[160, 'project']['seconds'] / figures[40, 'project']['seconds']:.2f}"
                      " (goal <= 4.4)")
    ratios.append(f"project peak MB at {big}: {project['mb']:.0f} (goal < 400)")
    ratios.append(f"warm preview: {preview['seconds']:.2f} s (goal < 1.5)")
    print("ratios: " + "; ".join(ratios))


def tagged_cost(size: int) -> None:
    """The same book built from nothing plain and as PDF/UA-1, each in a fresh process."""
    print(f"{'pieces':>6} {'pdf':<9} {'pages':>5} {'seconds':>8} {'ms/page':>8} {'cpu s':>7} "
          f"{'peak MB':>8} {'KB/page':>8}")
    figures = {}
    for kind, label in (("project", "plain"), ("tagged", "pdf/ua-1")):
        f = figures[kind] = in_fresh_process(kind, size)
        print(f"{size:>6} {label:<9} {f['pages']:>5} {f['seconds']:>8.2f} "
              f"{1000 * f['seconds'] / f['pages']:>8.1f} {f['cpu']:>7.1f} {f['mb']:>8.0f} "
              f"{f['size'] / f['pages'] / 1e3:>8.1f}", flush=True)
    plain, tagged = figures["project"], figures["tagged"]
    print(f"ratios (pdf/ua-1 / plain) at {size} pieces: time {tagged['seconds'] / plain['seconds']:.2f}, "
          f"CPU {tagged['cpu'] / plain['cpu']:.2f}, size {tagged['size'] / plain['size']:.2f}, "
          f"peak memory {tagged['mb'] / plain['mb']:.2f}")


if __name__ == "__main__":
    main()
