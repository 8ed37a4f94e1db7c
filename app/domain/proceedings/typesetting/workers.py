"""Worker processes that typeset, and die when the build is over (or their budget is spent).

Why not ``multiprocessing.Pool``: when a Pool worker dies (out of memory, a
crash in a C library) the Pool silently replaces it and the job is never
answered. Here every worker is watched through its process sentinel, so a
death or an overrun fails the build at once with a message, and the workers
are killed rather than left behind.

Each worker may also be given an address-space limit (``memory_limit_mb``,
``RLIMIT_AS`` set in the child before WeasyPrint is imported): a hostile
body that would make WeasyPrint eat the host then fails that one job with
:class:`TypesetOutOfMemory` instead.
"""
from __future__ import annotations

import multiprocessing
import time
import traceback
from multiprocessing.connection import wait

from .libraries import library_lookups, use_lookups


class BookBuildError(RuntimeError):
    """The book could not be typeset: a worker failed, died or ran out of time."""


class TypesetTimeout(BookBuildError):
    """Typesetting ran past its time limit; the workers were killed."""


class WorkerDied(BookBuildError):
    """A typesetting worker process ended without answering (killed, out of memory, a crash)."""


class TypesetOutOfMemory(WorkerDied):
    """A worker reached its memory limit (or died, which is most often the same thing)."""


class TypesetTooDeep(BookBuildError):
    """The HTML nests deeper than WeasyPrint's recursion allows: the same input always fails."""


#: Without a configured limit a worker may take this much address space.
#: A warm worker maps about 400 MB (fonts, WeasyPrint) and a 45-piece chunk
#: peaks well below 1 GB, so 2 GB only stops what would otherwise eat the host.
DEFAULT_MEMORY_LIMIT_MB = 2048


def limit_memory(limit_mb: int | None) -> None:
    """Cap this process's address space at ``limit_mb`` MB (nothing where the system has no rlimits)."""
    if not limit_mb:
        return
    try:
        import resource
    except ImportError:  # not on Unix; the time limit still applies
        return
    limit = int(limit_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _serve(connection, warm_up: bool = False, library_lookups: dict | None = None,
           memory_limit_mb: int | None = None) -> None:
    """Worker loop: typeset each job received until told to stop (or the parent is gone)."""
    limit_memory(memory_limit_mb)
    if library_lookups:
        use_lookups(library_lookups)
    from .typeset import typeset, warm_up_engine  # WeasyPrint is imported here, in the worker

    if warm_up:
        warm_up_engine()

    try:
        while (job := connection.recv()) is not None:
            try:
                connection.send(("ok", typeset(job)))
            except MemoryError:
                # Say so before anything else allocates; the parent replaces this worker.
                connection.send(("memory", ""))
            except RecursionError:
                # Not worth a thousand-frame traceback: blocks nested hundreds deep.
                connection.send(("too-deep", ""))
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
    to do: WeasyPrint never gives memory back. Each worker's address space
    is capped at ``memory_limit_mb``.
    """

    def __init__(self, processes: int, *, warm_up: bool = False,
                 work_per_worker: float | None = None, memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB):
        # spawn: the parent may be a threaded web server, and a fresh
        # interpreter neither inherits its memory nor its locks.
        self._context = multiprocessing.get_context("spawn")
        self._warm_up = warm_up
        self._work_per_worker = work_per_worker
        self._memory_limit_mb = memory_limit_mb
        self._retired = []
        self._workers = [self._spawn() for _ in range(processes)]

    def grow(self, processes: int) -> None:
        """Start workers until there are ``processes`` (a build knows how many it needs
        only after its first worker has started)."""
        while len(self._workers) < processes:
            self._workers.append(self._spawn())

    def _spawn(self):
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child_end, self._warm_up, library_lookups(),
                                                                   self._memory_limit_mb),
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
                            raise _died() from None
                        busy[worker[1]] = (index, worker[0])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TypesetTimeout("typesetting took longer than its time limit")
                watched = list(busy) + [p.sentinel for _c, (_i, p) in busy.items()]
                for ready in wait(watched, timeout=remaining):
                    if ready in busy:
                        index, _process = busy[ready]
                        try:
                            status, value = ready.recv()
                        except EOFError:
                            raise _died() from None
                        del busy[ready]
                        if status == "memory":
                            raise TypesetOutOfMemory(self._out_of_memory())
                        if status == "too-deep":
                            raise TypesetTooDeep("typesetting failed: a piece nests blocks (div, lists, quotes) "
                                                 "too deeply for the typesetter; simplify its layout")
                        if status == "error":
                            raise BookBuildError(f"typesetting failed:\n{value}")
                        results[index] = value
                        self._count_work(ready, getattr(jobs[index], "weight", 0))
                        if on_result:
                            on_result(index, value)
                    elif not any(w and w[0].sentinel == ready and w[1] not in busy for w in self._workers):
                        raise _died()
        except BaseException:
            self.close(kill=True)
            raise
        return results

    def _out_of_memory(self) -> str:
        limit = f" of {self._memory_limit_mb} MB" if self._memory_limit_mb else ""
        return (f"typesetting ran out of memory: a worker reached its limit{limit} "
                "(TYPESETTING_MEMORY_LIMIT_MB); a piece is probably far too long, too deeply nested or holds a huge image")

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


def _died() -> WorkerDied:
    # Killed, crashed, or out of memory in C code (no MemoryError to report):
    # the same input may well succeed next time, so nothing is remembered as too heavy.
    return WorkerDied("a typesetting worker died (killed, or out of memory?)")
