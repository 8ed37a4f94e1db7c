"""Who may start a preview now: one per person, a bounded wait, the ministry first.

Previews are answered within the web request, by a few warm workers per web
process (``preview_workers.py``). Without a gate a bureau's heavy draft held
the only worker while everybody else's request hung behind it. So, per
process:

* at most ``slots`` previews run at once, and ``reserved`` of those slots
  are kept for priority requests (the ministry's reviewers and editors): the
  bureaus together never hold more than ``slots - reserved``, so a
  reviewer's one-page preview never waits for a bureau's draft;
* waiting requests are served priority first, then in order of arrival;
* one person has at most one preview running or waiting; a second is
  refused at once (a double click, a second tab);
* at most ``max_waiting`` requests of each kind wait, each at most its
  ``wait`` seconds; past either, the request is refused with
  :class:`PreviewsBusy` rather than left hanging.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class PreviewsBusy(RuntimeError):
    """No preview slot could be had; ``own`` when the asker's previous preview still holds one."""

    def __init__(self, *, own: bool = False):
        super().__init__("the asker's previous preview is still running" if own
                         else "every preview slot stayed taken for the whole wait")
        self.own = own


class Admission:
    """The gate in front of a process's preview workers (thread-safe)."""

    def __init__(self, slots: int = 2, *, reserved: int = 1, max_waiting: int = 8):
        self._changed = threading.Condition()
        self.configure(slots=slots, reserved=reserved, max_waiting=max_waiting)
        self._running = 0          # admitted, all kinds
        self._running_shared = 0   # admitted without priority
        self._owners: set[Hashable] = set()
        self._waiting: list[tuple[bool, int]] = []   # (priority, ticket), in arrival order
        self._tickets = itertools.count()

    def configure(self, *, slots: int, reserved: int, max_waiting: int) -> None:
        """Change the limits; requests already admitted keep their slot."""
        with self._changed:
            self.slots = max(1, int(slots))
            # With a single slot nothing can be reserved: bureaus would never be served.
            self.reserved = max(0, min(int(reserved), self.slots - 1))
            self.max_waiting = max(0, int(max_waiting))
            self._changed.notify_all()

    @contextmanager
    def admitted(self, owner: Hashable | None = None, *, priority: bool = False,
                 wait: float | None = 10.0) -> Iterator[None]:
        """Hold a preview slot for the ``with`` block, or raise :class:`PreviewsBusy`.

        ``owner`` (a user id) may hold one slot or place in the queue at a
        time; None is nobody in particular (a background job). ``wait`` is
        the longest wait for a slot in seconds; None waits as long as it takes.
        """
        self._enter(owner, priority, wait)
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                if not priority:
                    self._running_shared -= 1
                self._owners.discard(owner)
                self._changed.notify_all()

    def state(self) -> dict:
        """Running and waiting counts (for tests and the curious)."""
        with self._changed:
            return {"running": self._running, "running_shared": self._running_shared,
                    "waiting": len(self._waiting), "waiting_priority": sum(p for p, _t in self._waiting)}

    # ------------------------------------------------------------ internals

    def _enter(self, owner: Hashable | None, priority: bool, wait: float | None) -> None:
        deadline = None if wait is None else time.monotonic() + max(0.0, wait)
        with self._changed:
            if owner is not None and owner in self._owners:
                raise PreviewsBusy(own=True)
            ticket = (priority, next(self._tickets))
            if not self._may_start(ticket, queued=False):
                if sum(1 for p, _t in self._waiting if p == priority) >= self.max_waiting:
                    raise PreviewsBusy()
                self._waiting.append(ticket)
                if owner is not None:
                    self._owners.add(owner)
                try:
                    while True:
                        # the deadline first: a thread woken late on a busy machine, just as a
                        # slot frees, has still waited longer than it may
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            raise PreviewsBusy()
                        if self._may_start(ticket, queued=True):
                            break
                        self._changed.wait(remaining)
                except BaseException:
                    self._owners.discard(owner)
                    raise
                finally:
                    self._waiting.remove(ticket)
                    # Whoever was behind this ticket may go now (or has moved up).
                    self._changed.notify_all()
            self._running += 1
            if not priority:
                self._running_shared += 1
            if owner is not None:
                self._owners.add(owner)

    def _may_start(self, ticket: tuple[bool, int], *, queued: bool) -> bool:
        priority = ticket[0]
        if self._running >= self.slots:
            return False
        if not priority and self._running_shared >= self.slots - self.reserved:
            return False
        # Nobody of the same or a higher rank waiting in front of this ticket.
        ahead = [t for t in self._waiting if t != ticket and (t[0] or not priority)]
        if not queued:
            return not ahead
        return not any(t[0] > priority or (t[0] == priority and t[1] < ticket[1]) for t in ahead)
