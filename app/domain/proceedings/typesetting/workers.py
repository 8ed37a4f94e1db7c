"""Worker processes that typeset, and die when the build is over (or their budget is spent).

Why not ``multiprocessing.Pool``: when a Pool worker dies (out of memory, a
crash in a C library) the Pool silently replaces it and the job is never
answered. Here every worker is watched through its process sentinel, so a
death or an overrun fails the build at once with a message, and the workers
are killed rather than left behind.
"""
from __future__ import annotations

import multiprocessing
import time
import traceback
from multiprocessing.connection import wait

from .libraries import library_lookups, use_lookups


class BookBuildError(RuntimeError):
    """The book could not be typeset: a worker failed, died or ran out of time."""


def _serve(connection, warm_up: bool = False, library_lookups: dict | None = None) -> None:
    """Worker loop: typeset each job received until told to stop (or the parent is gone)."""
    if library_lookups:
        use_lookups(library_lookups)
    from .typeset import typeset, warm_up_engine  # WeasyPrint is imported here, in the worker

    if warm_up:
        warm_up_engine()

    try:
        while (job := connection.recv()) is not None:
            try:
                connection.send(("ok", typeset(job)))
            except Exception:
                connection.send(("error", traceback.format_exc()))
    except (EOFError, BrokenPipeError):
        pass  # the parent died: nobody is waiting for an answer


class WorkerPool:
    """``processes`` spawned workers, each typesetting one job at a time.

    With ``warm_up`` each worker loads WeasyPrint and the fonts as soon as it
    starts, before its first job arrives (see ``preview_workers.py``). With
    ``work_per_worker`` a worker exits once the ``weight`` of the jobs it
    finished reaches it, and a fresh one takes its place when there is more
    to do: WeasyPrint never gives memory back.
    """

    def __init__(self, processes: int, *, warm_up: bool = False,
                 work_per_worker: float | None = None):
        # spawn: the parent may be a threaded web server, and a fresh
        # interpreter neither inherits its memory nor its locks.
        self._context = multiprocessing.get_context("spawn")
        self._warm_up = warm_up
        self._work_per_worker = work_per_worker
        self._retired = []
        self._workers = [self._spawn() for _ in range(processes)]

    def _spawn(self):
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child_end, self._warm_up, library_lookups()),
                                        daemon=True)
        process.start()
        child_end.close()
        return [process, parent_end, 0]  # process, connection, work done

    def _retire(self, slot: int) -> None:
        """Let a worker go: it exits once it reads the None."""
        process, connection, _done = self._workers[slot]
        try:
            connection.send(None)
        except (BrokenPipeError, OSError):
            pass
        connection.close()
        self._retired.append(process)
        self._workers[slot] = None

    def map(self, jobs, deadline: float, on_result=None) -> list:
        """Results of ``jobs`` in order; raise :class:`BookBuildError` on failure or after ``deadline``.

        A job needs nothing from any other: ``on_result(job index, result)``
        is called as each one finishes.
        """
        results = [None] * len(jobs)
        queue = list(enumerate(jobs))
        busy = {}  # connection -> (job index, process)
        try:
            while queue or busy:
                for slot, worker in enumerate(self._workers):
                    if queue and worker is None:
                        worker = self._workers[slot] = self._spawn()
                    if queue and worker[1] not in busy:
                        index, job = queue.pop(0)
                        try:
                            worker[1].send(job)
                        except OSError:  # BrokenPipeError: it died before its first job
                            raise BookBuildError("a typesetting worker died (out of memory?)") from None
                        busy[worker[1]] = (index, worker[0])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BookBuildError("typesetting took longer than its time limit")
                watched = list(busy) + [p.sentinel for _c, (_i, p) in busy.items()]
                for ready in wait(watched, timeout=remaining):
                    if ready in busy:
                        index, _process = busy[ready]
                        try:
                            status, value = ready.recv()
                        except EOFError:
                            raise BookBuildError("a typesetting worker died (out of memory?)") from None
                        del busy[ready]
                        if status == "error":
                            raise BookBuildError(f"typesetting failed:\n{value}")
                        results[index] = value
                        self._count_work(ready, getattr(jobs[index], "weight", 0))
                        if on_result:
                            on_result(index, value)
                    elif not any(w and w[0].sentinel == ready and w[1] not in busy for w in self._workers):
                        raise BookBuildError("a typesetting worker died (out of memory?)")
        except BaseException:
            self.close(kill=True)
            raise
        return results

    def _count_work(self, connection, weight: float) -> None:
        for slot, worker in enumerate(self._workers):
            if worker and worker[1] is connection:
                worker[2] += weight
                if self._work_per_worker and worker[2] >= self._work_per_worker:
                    self._retire(slot)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w[0].pid for w in self._workers if w and w[0].is_alive()]

    def close(self, *, kill: bool = False) -> None:
        """Ask idle workers to stop; kill any still working (all of them with ``kill``)."""
        for slot, worker in enumerate(self._workers):
            if worker is not None:
                self._retire(slot)
        for process in self._retired:
            process.join(timeout=0 if kill else 2)
            if process.is_alive():
                process.kill()
                process.join()
        self._workers, self._retired = [], []
