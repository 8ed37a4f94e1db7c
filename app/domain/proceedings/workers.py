"""Worker processes that typeset, and die when the build is over.

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


class BookBuildError(RuntimeError):
    """The book could not be typeset: a worker failed, died or ran out of time."""


def _serve(connection) -> None:
    """Worker loop: typeset each job received until told to stop."""
    from .typeset import typeset  # WeasyPrint is imported here, in the worker

    def ask_first_page(page_count):
        connection.send(("ask", page_count))
        return connection.recv()

    while (job := connection.recv()) is not None:
        try:
            connection.send(("ok", typeset(job, ask_first_page)))
        except Exception:
            connection.send(("error", traceback.format_exc()))


class WorkerPool:
    """``processes`` spawned workers, each typesetting one job at a time."""

    def __init__(self, processes: int):
        # spawn: the parent may be a threaded web server, and a fresh
        # interpreter neither inherits its memory nor its locks.
        context = multiprocessing.get_context("spawn")
        self._workers = []
        for _ in range(processes):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_serve, args=(child_end,), daemon=True)
            process.start()
            child_end.close()
            self._workers.append((process, parent_end))

    def map(self, jobs, deadline: float, on_result=None, on_ask=None) -> list:
        """Results of ``jobs`` in order; raise :class:`BookBuildError` on failure or after ``deadline``.

        A job may ask a question mid-way (a chunk telling its page count and
        asking its first page number): ``on_ask(job index, value)`` returns
        the answers that can be given now, as {job index: answer}.
        """
        results = [None] * len(jobs)
        queue = list(enumerate(jobs))
        busy = {}  # connection -> (job index, process)
        try:
            while queue or busy:
                for process, connection in self._workers:
                    if queue and connection not in busy:
                        index, job = queue.pop(0)
                        connection.send(job)
                        busy[connection] = (index, process)
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
                        if status == "ask":
                            asked = {i: c for c, (i, _p) in busy.items()}
                            for answered, answer in on_ask(index, value).items():
                                asked[answered].send(answer)
                            continue
                        del busy[ready]
                        if status == "error":
                            raise BookBuildError(f"typesetting failed:\n{value}")
                        results[index] = value
                        if on_result:
                            on_result(index, value)
                    elif not any(p.sentinel == ready and c not in busy for p, c in self._workers):
                        raise BookBuildError("a typesetting worker died (out of memory?)")
        except BaseException:
            self.close(kill=True)
            raise
        return results

    def close(self, *, kill: bool = False) -> None:
        """Ask idle workers to stop; kill any still working (all of them with ``kill``)."""
        for process, connection in self._workers:
            try:
                connection.send(None)
            except (BrokenPipeError, OSError):
                pass
            process.join(timeout=0 if kill else 2)
            if process.is_alive():
                process.kill()
                process.join()
            connection.close()
        self._workers = []
