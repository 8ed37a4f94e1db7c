"""Background builds: never inside a web request.

Three ways to run a queued edition, chosen by configuration:

* ``REDIS_URL`` set: an RQ job, run by ``flask --app wsgi worker`` on any host;
  its body items are RQ jobs too, typeset by any worker listening on the
  typesetting queue (``typeset_jobs.py``);
* otherwise a thread of the web process hands each build, one after
  another, to a child process that builds it and exits
  (``BACKGROUND_WORKER = "thread"``);
* ``BACKGROUND_WORKER = "inline"`` (tests): right away, in the caller, after its commit.

In every case WeasyPrint itself runs in child processes that ``render_book``
spawns and that exit when the book is done, because WeasyPrint never gives
memory back. The rest of a build (the book's HTML, fingerprints, merging the
font subsets, sewing the PDF together) is heavy too, so it never runs in a
web process either: the web worker would grow by the size of the biggest
book and keep it. Progress is committed to the edition row as it happens,
so a reload of the page (on any host) shows it.
"""
from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

from app.domain.proceedings import editions
from app.domain.proceedings.spec import piece_key, spec_for_edition
from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.extensions import db
from app.models import Conference, EditionStatus, ProceedingsEdition, utcnow
from app.storage import file_store

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "huibian"
# RQ kills a job past this; render_book stops its own workers well before.
JOB_TIMEOUT = 20 * 60


def heartbeat_interval(config) -> timedelta:
    """How often a build's process stamps its edition (``BUILD_HEARTBEAT_SECONDS``)."""
    seconds = config.get("BUILD_HEARTBEAT_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else editions.HEARTBEAT_INTERVAL


class Heartbeat(threading.Thread):
    """Stamps ``heartbeat_at`` on the running editions ``ids()`` names, every ``interval``, until stopped.

    On a connection of its own, so that a stamp never becomes part of the
    build's transaction. Losing a stamp is harmless; losing all of them
    for ``MISSED_HEARTBEATS`` intervals tells the editors' page the build is gone.
    """

    def __init__(self, engine: sa.Engine, ids: Callable[[], Iterable[int]], interval: timedelta):
        super().__init__(name="huibian-build-heartbeat", daemon=True)
        self.engine, self.ids, self.interval = engine, ids, interval.total_seconds()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self.beat()

    def beat(self) -> None:
        """Stamp now."""
        ids = list(self.ids())
        if ids:
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(ProceedingsEdition).where(
                        ProceedingsEdition.id.in_(ids), ProceedingsEdition.status.in_(editions.RUNNING),
                    ).values(heartbeat_at=utcnow()))
            except Exception:  # noqa: BLE001 - the database may be away for a moment; the next stamp will do
                log.warning("could not stamp the heartbeat of editions %s", ids, exc_info=True)

    def stop(self) -> None:
        self.stopping.set()


def build_mode(config) -> str:
    if config.get("BACKGROUND_WORKER") == "inline":
        return "inline"
    return "rq" if config.get("REDIS_URL") else "thread"


def enqueue_build(edition_id: int) -> None:
    """Hand a committed, queued edition to the background. Call after the commit."""
    app = current_app._get_current_object()
    mode = build_mode(app.config)
    if mode == "inline":
        run_build(edition_id)
    elif mode == "rq":
        try:
            rq_queue(app.config).enqueue_call(
                "app.background.builds.build_job", args=(edition_id,), timeout=JOB_TIMEOUT,
                result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"proceedings edition {edition_id}")
        except Exception as error:  # Redis down: say so on the edition rather than leave it queued
            log.exception("could not queue edition %s", edition_id)
            _fail(edition_id, f"The build queue could not be reached ({type(error).__name__}); try again later.")
    else:
        _thread_worker(app).submit(edition_id)


def rq_queue(config):
    from redis import Redis
    from rq import Queue

    return Queue(config.get("RQ_QUEUE") or DEFAULT_QUEUE, connection=Redis.from_url(config["REDIS_URL"]))


def build_job(edition_id: int) -> str:
    """The RQ entry point: a fresh app context (so a fresh session) for each job."""
    app = current_app._get_current_object() if has_app_context() else _make_app()
    with app.app_context():
        edition = run_build(edition_id)
        return edition.status.value if edition else "missing"


def _make_app() -> Flask:
    from app import create_app

    return create_app()


def run_build(edition_id: int, *, on_progress: Callable[[str, int, int], None] | None = None,
              processes: int | None = None) -> ProceedingsEdition | None:
    """Build one queued edition, committing its progress and its outcome.

    A failure is recorded on the edition (status failed, the error) and
    leaves no file; an edition no longer queued is left alone, so a job
    delivered twice builds once. While it builds, its row's heartbeat is
    stamped (see ``editions.abandon_stale_builds``).
    """
    edition = db.session.get(ProceedingsEdition, edition_id)
    if edition is None or edition.status is not EditionStatus.QUEUED:
        return edition
    editions.mark_building(edition)
    db.session.commit()
    heartbeat = Heartbeat(db.engine, lambda: [edition_id], heartbeat_interval(current_app.config))
    heartbeat.start()
    try:
        return _build(edition, on_progress, processes)
    finally:
        heartbeat.stop()


def _build(edition: ProceedingsEdition, on_progress, processes) -> ProceedingsEdition:
    from app.domain.proceedings.typesetting.render import render_book

    edition_id = edition.id
    conference = db.session.get(Conference, edition.conference_id)
    # Page counts are a local hint (a missing file only costs a less even split); the PDF goes to the store.
    editions_dir = Path(current_app.config["EDITIONS_DIR"])
    store = file_store()
    file_name = editions.file_name_for(edition, conference)
    key = editions.key_for_file(file_name)
    # The book is typeset on this host's disk, next to the editions (not in a /tmp that may be RAM).
    # Named after the book too, so that whoever finds the build's process gone can remove it.
    scratch = tempfile.TemporaryDirectory(prefix=f".{file_name}.building-", dir=editions_dir)
    out_path = Path(scratch.name) / file_name

    def report(stage: str, done: int, total: int) -> None:
        editions.record_progress(edition, stage, done, total)
        db.session.commit()
        if on_progress:
            on_progress(stage, done, total)

    try:
        from app.background.typeset_jobs import executor_for

        spec = spec_for_edition(edition, store)
        result = render_book(spec, out_path, progress=report,
                             processes=processes or current_app.config.get("PROCEEDINGS_PROCESSES"),
                             cache=piece_cache(current_app.config),
                             memory_limit_mb=current_app.config.get("TYPESETTING_MEMORY_LIMIT_MB"),
                             executor=executor_for(current_app.config))
        store.put(key, out_path)
    except BaseException as error:
        scratch.cleanup()
        log.exception("building edition %s failed", edition_id)
        _fail(edition_id, _describe(error))
        if not isinstance(error, Exception):
            raise
        return db.session.get(ProceedingsEdition, edition_id)

    scratch.cleanup()
    item_by_key = {piece_key(item.version): item.id for item in edition.items}
    start_pages = {item_by_key[key]: page for key, page in result.piece_start_pages.items() if key in item_by_key}
    try:
        editions.record_success(edition, file_name=file_name, page_count=result.page_count,
                                size=result.size, sha256=result.sha256, start_pages=start_pages)
        db.session.commit()
    except Exception as error:
        log.exception("recording edition %s as built failed", edition_id)
        store.delete(key)
        _fail(edition_id, _describe(error))
        return db.session.get(ProceedingsEdition, edition_id)
    return edition


def discard_partial_files(edition: ProceedingsEdition, editions_dir: Path) -> None:
    """Remove the half-written PDF (and the folder it was typeset in) a build's process left
    when it was killed (``_build`` and render_book name them after the book)."""
    conference = db.session.get(Conference, edition.conference_id)
    for partial in editions_dir.glob(f".{editions.file_name_for(edition, conference)}.building-*"):
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)


def piece_cache(config) -> PieceCache:
    """The typeset pieces kept between builds (``PIECE_CACHE_DIR``, bounded by ``PIECE_CACHE_MB``)."""
    return PieceCache(config["PIECE_CACHE_DIR"], max_bytes=int(config["PIECE_CACHE_MB"]) * 1024 * 1024)


def _describe(error: BaseException) -> str:
    from app.domain.proceedings.typesetting.workers import TypesetOutOfMemory, WorkerDied

    # A worker that reached its memory limit says so in full (below); one that just died says that.
    if isinstance(error, WorkerDied) and not isinstance(error, TypesetOutOfMemory):
        return editions.WORKER_DIED
    message = str(error).strip()
    from app.domain.proceedings.typesetting.render import BookBuildError, MissingFontError

    # Their messages say what happened (a time or memory limit, a missing font) in full.
    if isinstance(error, (MissingFontError, BookBuildError)) and message:
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _fail(edition_id: int, message: str) -> None:
    log.error("edition %s failed: %s", edition_id, message)
    db.session.rollback()
    edition = db.session.get(ProceedingsEdition, edition_id)
    if edition is not None:
        editions.record_failure(edition, message)
        db.session.commit()


def _build_in_child(app: Flask, edition_id: int) -> None:
    """Build one edition in a fresh process with this app's configuration; wait for it to exit.

    spawn, not fork: the web process has threads (and maybe a held lock) and
    its memory is what the child must not inherit. Not a daemon, since it
    starts the typesetting workers: a web process that stops lets the build
    finish (its exit waits for it). A child that dies or fails before it
    could record the outcome leaves the edition failed, not queued.
    """
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_child_build, args=(dict(app.config), edition_id),
                            name=f"huibian-build-{edition_id}")
    child.start()
    child.join()
    if child.exitcode != 0:
        with app.app_context():
            edition = db.session.get(ProceedingsEdition, edition_id)
            if edition is not None and edition.status in editions.RUNNING:
                log.error("the build process of edition %s exited with %s", edition_id, child.exitcode)
                _fail(edition_id, editions.BUILD_PROCESS_DIED)
                discard_partial_files(edition, Path(app.config["EDITIONS_DIR"]))


def _child_build(config: dict, edition_id: int) -> None:
    from app import create_app

    app = create_app(config)
    with app.app_context():
        try:
            run_build(edition_id)
        finally:
            db.session.remove()
            db.engine.dispose()


class _ThreadWorker:
    """One daemon thread per app, handing queued editions to a build process one after another.

    The editions it holds (waiting, or building in its child) are stamped
    by a heartbeat: if this web process dies, its queue dies with it, and
    the editors' page soon says so instead of waiting for ever.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[int] = queue.Queue()
        self.held: set[int] = set()
        with app.app_context():
            engine = db.engine
        self.heartbeat = Heartbeat(engine, lambda: set(self.held), heartbeat_interval(app.config))
        self.heartbeat.start()
        self.thread = threading.Thread(target=self._loop, name="huibian-builds", daemon=True)
        self.thread.start()

    def submit(self, edition_id: int) -> None:
        self.held.add(edition_id)
        self.heartbeat.beat()  # from now on, a restart of this process shows on the edition within minutes
        self.queue.put(edition_id)

    def _loop(self) -> None:
        while True:
            edition_id = self.queue.get()
            try:
                _build_in_child(self.app, edition_id)
            except Exception:
                log.exception("the build thread failed on edition %s", edition_id)
            finally:
                self.held.discard(edition_id)
                self.queue.task_done()


_thread_lock = threading.Lock()


def _thread_worker(app: Flask) -> _ThreadWorker:
    with _thread_lock:
        worker = app.extensions.get("huibian_build_thread")
        if worker is None:
            worker = app.extensions["huibian_build_thread"] = _ThreadWorker(app)
        return worker
