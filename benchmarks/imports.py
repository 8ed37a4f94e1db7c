"""What does the web process pay for the heavy work it hands to children?

Four figures, each from a fresh Python process that stands in for a web worker:

* **word**: a Word import (``import_docx`` of a small fixture): the first
  one (which starts the converter's fork server) and the median of the
  next ones;
* **spawn**: one, then two typesetting workers started and warmed up one
  after the other: the wall time and the programs executed other than
  Python (counted with ``strace -f -e trace=execve``;
  ``ctypes.util.find_library`` runs ldconfig, gcc and ld for every library
  name WeasyPrint tries);
* **previews**: ten previews of 1,500-word pieces through one preview
  worker: how often it was recycled (each recycle makes the next preview
  wait for a cold worker), each preview's seconds, and the worker's
  resident memory before each;
* **build**: the resident memory of the web process before and after it
  builds the demo proceedings (sample content, 12 pieces) in the
  background thread, as ``flask run`` or gunicorn without Redis does.

usage: python benchmarks/imports.py [word|spawn|previews|build ...]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREVIEWS = 10


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_word() -> dict:
    from app.domain.submissions.docx.importer import import_docx

    data = (ROOT / "tests" / "fixtures" / "tiny-picture.docx").read_bytes()
    times = []
    for _ in range(6):
        start = time.perf_counter()
        import_docx(data, store_image=lambda content, content_type: "/image")
        times.append(time.perf_counter() - start)
    return {"first_s": round(times[0], 3), "median_next_s": round(statistics.median(times[1:]), 3)}


def _start_workers(count: int) -> None:
    """Start ``count`` typesetting workers one after another, as a long build or recycled previews do."""
    from app.domain.proceedings.typesetting.typeset import TypesetJob
    from app.domain.proceedings.typesetting.workers import WorkerPool

    for _ in range(count):
        pool = WorkerPool(1, warm_up=True)
        pool.map([TypesetJob(html="<p>ready</p>", attachments={})], time.monotonic() + 120)
        pool.close()


def _programs_executed(count: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "execve.log"
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(log),
                        sys.executable, __file__, "_workers", str(count)], check=True, cwd=ROOT)
        lines = [line for line in log.read_text().splitlines() if "execve(" in line and "= 0" in line]
    programs = [os.path.basename(line.split('"')[1]) for line in lines]
    return [p for p in programs if not p.startswith("python")]


def measure_spawn() -> dict:
    figures = {}
    for count in (1, 2):
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "_workers", str(count)], check=True, cwd=ROOT)
        figures[f"{count}_workers_wall_s"] = round(time.perf_counter() - start, 2)
        others = _programs_executed(count)
        figures[f"{count}_workers_toolchain_programs"] = len(others)
        figures[f"{count}_workers_by_program"] = dict(sorted({p: others.count(p) for p in others}.items()))
    return figures


def measure_previews() -> dict:
    sys.path.insert(0, str(ROOT))
    from app.domain.proceedings.typesetting.preview_workers import previews, shutdown
    from app.domain.proceedings.typesetting.render import render_piece_preview
    from tests.proceedings.typesetting import factories

    conference, key_tasks = factories.conference(), factories.key_tasks(8)
    times, recycled, rss = [], 0, []
    for n in range(PREVIEWS):
        piece = factories.piece(n + 1, body_html=factories.body_html(paragraphs=20, sentences=5, table=True))
        before = previews.pids()
        if before:
            rss.append(round(rss_mb(before[0])))   # the worker about to typeset, after its last preview
        start = time.perf_counter()
        render_piece_preview(piece, conference, key_tasks)
        times.append(round(time.perf_counter() - start, 2))
        recycled += bool(before) and previews.pids() != before   # replaced: the next preview waits for a spare
    shutdown()
    return {"workers_recycled": recycled, "seconds": times, "worker_rss_mb_before_each": rss}


def measure_build() -> dict:
    from datetime import date

    from app import create_app
    from app.background.builds import enqueue_build
    from app.domain.proceedings import editions
    from app.extensions import db
    from app.models import Conference, EditionStatus, ProceedingsEdition, User

    folder = Path(tempfile.mkdtemp(prefix="huibian-bench-"))
    app = create_app({"SECRET_KEY": "benchmark", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
                      "UPLOAD_DIR": folder / "uploads", "EDITIONS_DIR": folder / "editions",
                      "BACKGROUND_WORKER": "thread", "REDIS_URL": None, "MAIL_SERVER": None})
    with app.app_context():
        from flask_migrate import upgrade

        from app.seed.sample_content import seed_sample_content

        upgrade()
        seed_sample_content()
        db.session.commit()
        conference = db.session.scalars(db.select(Conference)).first()
        editor = db.session.scalars(db.select(User).where(User.username == "editor")).one()
        before = rss_mb()
        start = time.perf_counter()
        edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 20))
        db.session.commit()
        enqueue_build(edition.id)
        edition_id = edition.id
        while True:
            db.session.expire_all()
            edition = db.session.get(ProceedingsEdition, edition_id)
            if edition.status in (EditionStatus.DONE, EditionStatus.FAILED):
                break
            time.sleep(0.2)
        return {"status": edition.status.value, "pages": edition.page_count,
                "build_s": round(time.perf_counter() - start, 1),
                "web_rss_before_mb": round(before), "web_rss_after_mb": round(rss_mb())}


MEASURES = {"word": measure_word, "spawn": measure_spawn, "previews": measure_previews, "build": measure_build}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    names = sys.argv[1:] or list(MEASURES)
    if names[0] == "_workers":
        _start_workers(int(names[1]))
    elif len(names) == 1:
        print(json.dumps({names[0]: MEASURES[names[0]]()}, ensure_ascii=False))
    else:
        for name in names:  # each in its own process, so that nothing is warm
            subprocess.run([sys.executable, __file__, name], check=True, cwd=ROOT)
