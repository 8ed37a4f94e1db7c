"""Warm worker processes for single-piece previews.

A preview is answered within the web request, and starting a fresh
WeasyPrint process (imports, fontconfig, the Chinese faces) costs more than
typesetting the piece. So previews go to long-lived child processes that
loaded all that once. WeasyPrint never gives memory back, and a child that
hangs or crashes must not take previews down with it, so a worker is
replaced

* after ``max_jobs`` previews, or once its resident memory passes its warm
  size (its size after its first preview) by ``rss_margin_mb`` — the
  replacement is spawned at once and warms up while nobody waits;
* after ``idle_seconds`` without work (closed, and spawned again lazily);
* when a preview fails, dies or runs out of time (killed by the pool).

Several web threads may ask at once. Each first passes the gate
(``admission.py``): one preview per person, a bounded wait, a slot kept for
the ministry; then it takes an idle worker or spawns one (there are never
more workers than slots). Every worker's address space is capped
(:class:`PreviewPolicy`), so a hostile body fails its own preview and
nothing else. Workers are daemons that also leave when their parent does;
:func:`shutdown` (run at exit) closes them at once.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass

from .admission import Admission, PreviewsBusy
from .typeset import TypesetJob, TypesetResult
from .workers import DEFAULT_MEMORY_LIMIT_MB, WorkerPool

__all__ = ["PreviewPolicy", "PreviewWorkers", "PreviewsBusy", "previews", "shutdown"]

log = logging.getLogger(__name__)

#: Previews typeset by one worker before it is replaced.
MAX_JOBS = 200
#: A worker is replaced once its resident memory passes its warm size by
#: this many MB. A fixed ceiling does not fit: the warm size depends on the
#: fonts and the machine (220–310 MB after a first 1,500-word preview here),
#: and a healthy worker then grows by about 90 MB a preview until its memory
#: is collected, up to about 500 MB more, so a ceiling of 350 MB made every
#: third preview a cold start.
RSS_MARGIN_MB = 600
#: Seconds a worker may sit idle before it is closed.
IDLE_SECONDS = 10 * 60


@dataclass(frozen=True)
class PreviewPolicy:
    """How a process's previews are bounded (``PREVIEW_*`` and ``TYPESETTING_MEMORY_LIMIT_MB`` settings)."""

    #: warm workers per web process, ``reserved`` of them kept for the ministry
    workers: int = 2
    reserved: int = 1
    #: requests of each kind (bureau, ministry) that may wait for a worker
    max_waiting: int = 8
    #: seconds a request waits for a worker before it is told to retry
    wait_seconds: float = 10.0
    #: seconds a preview may typeset before its worker is killed
    timeout_seconds: float = 60.0
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB


class _Worker:
    def __init__(self, memory_limit_mb: int | None):
        self.memory_limit_mb = memory_limit_mb
        self.pool = WorkerPool(1, warm_up=True, memory_limit_mb=memory_limit_mb)
        self.jobs = 0
        self.warm_rss_mb: float | None = None   # after its first preview
        self.idle_since = time.monotonic()

    def rss_mb(self) -> float | None:
        """Resident memory of the worker process, where /proc tells it."""
        pids = self.pool.pids()
        if not pids:
            return None
        try:
            with open(f"/proc/{pids[0]}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return None


class PreviewWorkers:
    """At most ``size`` warm typesetting processes shared by the threads of one process."""

    def __init__(self, size: int = 1, *, reserved: int = 0, max_waiting: int = 8, max_jobs: int = MAX_JOBS,
                 rss_margin_mb: float = RSS_MARGIN_MB, idle_seconds: float = IDLE_SECONDS,
                 memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB):
        self.size = size
        self.max_jobs, self.rss_margin_mb, self.idle_seconds = max_jobs, rss_margin_mb, idle_seconds
        self.memory_limit_mb = memory_limit_mb
        self.admission = Admission(size, reserved=reserved, max_waiting=max_waiting)
        self._idle: list[_Worker] = []
        self._count = 0          # workers alive: idle or busy
        self._changed = threading.Condition()
        self._reaper: threading.Timer | None = None

    def configure(self, policy: PreviewPolicy) -> None:
        """Apply ``policy``'s sizes and memory limit (idle workers with another limit are replaced)."""
        with self._changed:
            self.size, self.memory_limit_mb = max(1, policy.workers), policy.memory_limit_mb
            stale = [w for w in self._idle if w.memory_limit_mb != self.memory_limit_mb]
            self._idle = [w for w in self._idle if w not in stale]
            self._count -= len(stale)
            self._changed.notify_all()
        self.admission.configure(slots=policy.workers, reserved=policy.reserved, max_waiting=policy.max_waiting)
        for worker in stale:
            worker.pool.close()

    def typeset(self, job: TypesetJob, time_limit: float, *, owner: Hashable | None = None,
                priority: bool = False, wait: float | None = None) -> TypesetResult:
        """Typeset ``job`` in a warm worker once admitted (see ``admission.py``).

        Raises :class:`PreviewsBusy` when no worker could be had within
        ``wait`` seconds (None: as long as it takes), and ``BookBuildError``
        (``TypesetTimeout``, ``TypesetOutOfMemory``) on failure or after
        ``time_limit`` seconds, when the worker is killed.
        """
        with self.admission.admitted(owner, priority=priority, wait=wait):
            return self._typeset(job, time_limit)

    def _typeset(self, job: TypesetJob, time_limit: float) -> TypesetResult:
        worker = self._take()
        try:
            [result] = worker.pool.map([job], time.monotonic() + time_limit)
        except BaseException:
            self._discard(worker)   # map() has killed it already
            raise
        worker.jobs += 1
        rss = worker.rss_mb()
        if worker.warm_rss_mb is None:
            worker.warm_rss_mb = rss
        grown = (rss is not None and worker.warm_rss_mb is not None
                 and rss > worker.warm_rss_mb + self.rss_margin_mb)
        if worker.jobs >= self.max_jobs or grown or worker.memory_limit_mb != self.memory_limit_mb:
            self._discard(worker)
            self._spawn_spare()
        else:
            self._give_back(worker)
        return result

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and the curious)."""
        with self._changed:
            return [pid for w in self._idle for pid in w.pool.pids()]

    def shutdown(self) -> None:
        """Close every idle worker now; busy ones are closed when their preview ends."""
        with self._changed:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            if self._reaper is not None:
                self._reaper.cancel()
                self._reaper = None
            self._changed.notify_all()
        for worker in idle:
            worker.pool.close()

    # ------------------------------------------------------------ internals

    def _take(self) -> _Worker:
        with self._changed:
            while not self._idle and self._count >= self.size:
                self._changed.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            return _Worker(self.memory_limit_mb)
        except BaseException:
            self._discard(None)
            raise

    def _give_back(self, worker: _Worker) -> None:
        worker.idle_since = time.monotonic()
        with self._changed:
            self._idle.append(worker)
            self._arm_reaper()
            self._changed.notify()

    def _discard(self, worker: _Worker | None) -> None:
        if worker is not None:
            worker.pool.close(kill=True)
        with self._changed:
            self._count -= 1
            self._changed.notify()

    def _spawn_spare(self) -> None:
        """Replace a retired worker at once, so that it is warm by the next preview."""
        with self._changed:
            if self._count >= self.size:
                return
            self._count += 1
        try:
            self._give_back(_Worker(self.memory_limit_mb))
        except Exception:
            # The next preview spawns one itself; say why this one failed, or nobody will know.
            log.exception("could not spawn a spare preview worker")
            self._discard(None)

    def _arm_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Timer(self.idle_seconds, self._reap)
            self._reaper.daemon = True
            self._reaper.start()

    def _reap(self) -> None:
        """Close workers idle for ``idle_seconds``; check again while any remain."""
        now = time.monotonic()
        with self._changed:
            self._reaper = None
            stale = [w for w in self._idle if now - w.idle_since >= self.idle_seconds]
            self._idle = [w for w in self._idle if w not in stale]
            self._count -= len(stale)
            if self._idle:
                self._arm_reaper()
        for worker in stale:
            worker.pool.close()


#: The previews of this process (a web process: its threads share it);
#: ``configure``d from the settings by each preview.
previews = PreviewWorkers(PreviewPolicy.workers, reserved=PreviewPolicy.reserved)


def shutdown() -> None:
    """Close this process's preview workers (at exit, and after tests)."""
    previews.shutdown()


atexit.register(shutdown)
