"""Typesetting across hosts: the body items of one book build as RQ jobs.

When ``REDIS_URL`` is set (and ``PROCEEDINGS_DISTRIBUTED`` is not off), the
build job — the coordinator — hands every body item it could not take from
the piece cache, and then the frame (cover, contents, index), to
:class:`RQTypesetExecutor`. Each item is one job on the queue
``TYPESET_QUEUE`` (``huibian-typeset``), taken by any ``flask --app wsgi
worker`` listening on it, on any host. The worker typesets in its own
process (a SimpleWorker), so WeasyPrint, the stylesheet and the fonts stay
warm from one job to the next.

A job carries everything it needs: the HTML and the bytes of the piece's
attachments (the worker's host need not share a disk). It writes its result
(the PDF and what the assembler needs, a pickled ``TypesetResult``) to a
Redis key of its own with a short lifetime and pushes its index on the
build's "done" list, which the coordinator waits on. The typesetter never
imports rq: the executor is handed to ``render_book`` as ``executor=`` and
looks like ``WorkerPool`` (``map(jobs, deadline, on_result)``).

A worker that dies mid-piece (SIGKILL, out of memory, its host gone) stops
refreshing the piece's liveness key; the coordinator then enqueues the
piece again, for any worker, up to ``retries`` times. Past the build's
deadline the remaining jobs are cancelled and the build fails with a message
that says how far it got and, if no worker ever took a piece, that none is
listening on the queue.
"""
from __future__ import annotations

import logging
import pickle
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import replace
from pathlib import Path

log = logging.getLogger(__name__)

TYPESET_QUEUE = "huibian-typeset"
#: A job's result waits this long in Redis for its coordinator.
RESULT_TTL = 600
#: A working job refreshes its liveness key this often; the key lives ALIVE_TTL.
ALIVE_INTERVAL = 1.0
ALIVE_TTL = 6
#: How often a worker's death (or a job that vanished) is looked for.
CHECK_INTERVAL = 1.0


def _key(batch: str, *parts) -> str:
    return ":".join(("huibian", "typeset", batch, *map(str, parts)))


# ---------------------------------------------------------------- the worker side

def typeset_item(batch: str, index: int, attempt: int, job, attachments: dict[str, bytes]) -> str:
    """RQ job: typeset one item, write its result to Redis, and say it is done.

    Failures of the content (an exception, too deep, out of memory) are
    results too, reported to the coordinator; only a death goes unanswered.
    """
    from rq import get_current_job

    from app.domain.proceedings.typesetting.typeset import typeset

    connection = get_current_job().connection
    alive = _key(batch, "alive", index, attempt)
    stop = threading.Event()

    def keep_alive() -> None:
        while True:
            try:
                connection.set(alive, b"1", ex=ALIVE_TTL)
            except Exception:  # noqa: BLE001 - a missed beat only risks a retry
                log.warning("could not refresh %s", alive, exc_info=True)
            if stop.wait(ALIVE_INTERVAL):
                return

    beat = threading.Thread(target=keep_alive, name="huibian-typeset-alive", daemon=True)
    beat.start()
    try:
        with tempfile.TemporaryDirectory(prefix="huibian-typeset-") as folder:
            paths = {}
            for sha, data in attachments.items():
                path = Path(folder) / sha
                path.write_bytes(data)
                paths[sha] = path
            try:
                answer = ("ok", typeset(replace(job, attachments=paths, out_path=None)))
            except MemoryError:
                answer = ("memory", "")
            except RecursionError:
                answer = ("too-deep", "")
            except Exception:  # noqa: BLE001 - reported to the coordinator, which fails the build
                answer = ("error", traceback.format_exc())
        pipe = connection.pipeline()
        pipe.set(_key(batch, "result", index), pickle.dumps(answer), ex=RESULT_TTL)
        pipe.rpush(_key(batch, "done"), f"{index}:{attempt}")
        pipe.expire(_key(batch, "done"), RESULT_TTL)
        pipe.execute()
    finally:
        stop.set()
        beat.join()
        connection.delete(alive)
    return answer[0]


# ---------------------------------------------------------------- the coordinator side

class RQTypesetExecutor:
    """Typeset jobs on RQ workers; a drop-in for ``WorkerPool`` in ``render_book``."""

    def __init__(self, connection, queue_name: str = TYPESET_QUEUE, *, retries: int = 2,
                 job_timeout: int = 15 * 60):
        from rq import Queue

        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.retries = retries
        self.job_timeout = job_timeout

    def close(self, *, kill: bool = False) -> None:
        """Nothing to stop: the workers outlive the build."""

    def _enqueue(self, batch, index, attempt, job, attachments):
        return self.queue.enqueue_call(
            typeset_item, args=(batch, index, attempt, job, attachments), timeout=self.job_timeout,
            result_ttl=60, failure_ttl=3600, description=f"typeset item {index} of build {batch}")

    def map(self, jobs, deadline: float, on_result=None) -> list:
        """Results of ``jobs`` in order, typeset by whichever workers take them.

        Raises ``BookBuildError`` (``TypesetTimeout`` past ``deadline``,
        ``WorkerDied`` when a piece's workers died more than ``retries`` times).
        """
        from app.domain.proceedings.typesetting.workers import (
            BookBuildError,
            TypesetOutOfMemory,
            TypesetTimeout,
            TypesetTooDeep,
            WorkerDied,
        )

        batch = uuid.uuid4().hex
        payloads = [(replace(job, attachments={}, out_path=None), _read_attachments(job.attachments))
                    for job in jobs]
        results = [None] * len(jobs)
        attempts = [0] * len(jobs)
        rq_jobs = {}
        seen_alive = set()   # (index, attempt) a worker has started
        for index, (job, attachments) in enumerate(payloads):
            rq_jobs[index] = self._enqueue(batch, index, 0, job, attachments)
        pending = set(range(len(jobs)))
        done_list = _key(batch, "done")
        next_check = time.monotonic() + CHECK_INTERVAL
        try:
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TypesetTimeout(self._timeout_message(len(jobs), len(pending), seen_alive))
                popped = self.connection.blpop([done_list], timeout=max(0.05, min(remaining, CHECK_INTERVAL)))
                if popped:
                    index = int(popped[1].split(b":")[0])
                    if index in pending:
                        status, value = pickle.loads(self.connection.get(_key(batch, "result", index)))
                        if status == "memory":
                            raise TypesetOutOfMemory("typesetting ran out of memory on a worker: a piece is "
                                                     "probably far too long, too deeply nested or holds a huge image")
                        if status == "too-deep":
                            raise TypesetTooDeep("typesetting failed: a piece nests blocks (div, lists, quotes) "
                                                 "too deeply for the typesetter; simplify its layout")
                        if status == "error":
                            raise BookBuildError(f"typesetting failed:\n{value}")
                        pending.discard(index)
                        self.connection.delete(_key(batch, "result", index))
                        if jobs[index].out_path is not None:
                            # the frame is written here, where the assembler reads it
                            Path(jobs[index].out_path).write_bytes(value.pdf_bytes)
                            value.pdf_bytes = None
                        results[index] = value
                        if on_result:
                            on_result(index, value)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_INTERVAL
                    for index in sorted(pending):
                        self._check(batch, index, attempts, rq_jobs, seen_alive, payloads, WorkerDied)
        except BaseException:
            self._cancel(rq_jobs, pending)
            raise
        finally:
            self.connection.delete(done_list)
        return results

    def _check(self, batch, index, attempts, rq_jobs, seen_alive, payloads, WorkerDied) -> None:
        """Enqueue a piece again if the worker that took it is gone."""
        attempt = attempts[index]
        if self.connection.exists(_key(batch, "alive", index, attempt)):
            seen_alive.add((index, attempt))
            return
        status = rq_jobs[index].get_status(refresh=True)
        started_and_gone = (index, attempt) in seen_alive
        failed = status is not None and status.value in {"failed", "stopped", "canceled"}
        if not (started_and_gone or failed):
            return   # still waiting for a worker (or finishing: its answer is on the way)
        if self.connection.exists(_key(batch, "result", index)):
            return   # it finished between our two looks
        if attempt >= self.retries:
            raise WorkerDied(f"a typesetting worker died on the same piece {attempt + 1} times "
                             "(killed, or out of memory?)")
        log.warning("typesetting item %s of build %s: its worker is gone; enqueued again", index, batch)
        try:
            rq_jobs[index].cancel()
        except Exception:  # noqa: BLE001 - it may already be gone from every registry
            pass
        attempts[index] = attempt + 1
        job, attachments = payloads[index]
        rq_jobs[index] = self._enqueue(batch, index, attempt + 1, job, attachments)

    @staticmethod
    def _timeout_message(total: int, left: int, seen_alive) -> str:
        message = f"typesetting took longer than its time limit: {left} of {total} items were not typeset"
        if not seen_alive:
            message += (f"; no typesetting worker took any: is a `flask --app wsgi worker` listening on the "
                        f"{TYPESET_QUEUE!r} queue running?")
        return message

    @staticmethod
    def _cancel(rq_jobs, pending) -> None:
        for index in pending:
            try:
                rq_jobs[index].cancel()
            except Exception:  # noqa: BLE001 - best effort: a cancelled job that runs anyway is only waste
                pass


def _read_attachments(attachments: dict) -> dict[str, bytes]:
    """The attachments' bytes travel with the job: the worker's host may not share this disk."""
    return {sha: Path(path).read_bytes() for sha, path in (attachments or {}).items()}


def typeset_workers(connection, queue_name: str = TYPESET_QUEUE, *, besides: str | None = None) -> int:
    """How many RQ workers listen on the typesetting queue and are free to typeset: not
    ``besides`` (by name), and not busy coordinating a build of their own."""
    from rq import Queue, Worker

    queue = Queue(queue_name, connection=connection)
    count = 0
    for worker in Worker.all(queue=queue):
        if worker.name == besides:
            continue
        try:
            current = worker.get_current_job()
        except Exception:  # noqa: BLE001 - its job vanished: the worker is as good as free
            current = None
        if current is None or current.func_name == f"{__name__}.typeset_item":
            count += 1
    return count


def executor_for(config):
    """The executor for a build in this configuration, or None to typeset in local worker processes.

    Distributed when ``REDIS_URL`` is set, ``PROCEEDINGS_DISTRIBUTED`` is on and
    some worker other than this one listens on the typesetting queue (a lone
    worker coordinating the build could not also typeset it).
    """
    if not config.get("REDIS_URL") or not config.get("PROCEEDINGS_DISTRIBUTED", True):
        return None
    from redis import Redis
    from rq import get_current_job

    connection = Redis.from_url(config["REDIS_URL"])
    queue_name = config.get("TYPESET_QUEUE") or TYPESET_QUEUE
    current = get_current_job()
    me = current.worker_name if current is not None else None
    if typeset_workers(connection, queue_name, besides=me) == 0:
        log.warning("no worker listens on %r: this build typesets in local processes", queue_name)
        return None
    return RQTypesetExecutor(connection, queue_name)
