"""The gate in front of the preview workers: one per person, a bounded wait, the ministry first.

These drive ``Admission`` directly with threads; nothing is typeset.
"""
from __future__ import annotations

import threading
import time

import pytest

from app.domain.proceedings.typesetting.admission import Admission, PreviewsBusy


def _waiting_in(gate: Admission, count: int, *, priority: int | None = None) -> None:
    """Block until ``count`` requests wait at the gate (``priority`` of them priority ones)."""
    for _ in range(500):
        state = gate.state()
        if state["waiting"] == count and (priority is None or state["waiting_priority"] == priority):
            return
        time.sleep(0.01)
    raise AssertionError(f"never {count} waiting: {gate.state()}")


class Request(threading.Thread):
    """A request that waits at the gate, notes when it got in, and holds its slot until released."""

    def __init__(self, gate: Admission, name: str, log: list, *, owner=None, priority=False, wait=30.0):
        super().__init__(daemon=True)
        self.gate, self.label, self.log = gate, name, log
        self.owner, self.priority, self.wait = owner, priority, wait
        self.release, self.refused = threading.Event(), None

    def run(self):
        try:
            with self.gate.admitted(self.owner, priority=self.priority, wait=self.wait):
                self.log.append(self.label)
                self.release.wait(30)
        except PreviewsBusy as busy:
            self.refused = busy


def test_one_person_has_one_preview_running_or_waiting_and_others_are_not_held_up():
    gate = Admission(2, reserved=0)
    with gate.admitted("bureau-a"):
        with pytest.raises(PreviewsBusy) as second:
            with gate.admitted("bureau-a", wait=30):
                pass
        assert second.value.own
        with gate.admitted("bureau-b", wait=0):   # somebody else is served at once
            assert gate.state()["running"] == 2
    with gate.admitted("bureau-a", wait=0):      # the first one over, the same person may again
        pass
    assert gate.state() == {"running": 0, "running_shared": 0, "waiting": 0, "waiting_priority": 0}


def test_a_request_that_cannot_be_served_within_its_wait_is_refused_not_left_hanging():
    gate = Admission(1, reserved=0)
    with gate.admitted("someone"):
        started = time.monotonic()
        with pytest.raises(PreviewsBusy) as busy:
            with gate.admitted("another", wait=0.2):
                pass
        waited = time.monotonic() - started
    assert not busy.value.own
    assert 0.2 <= waited < 10   # it waited its wait, and no more than a generous bound
    # Refused, it left no trace: the same person gets the next free slot at once.
    with gate.admitted("another", wait=0):
        assert gate.state()["waiting"] == 0


def test_the_waiting_room_is_bounded_per_kind():
    gate = Admission(2, reserved=1, max_waiting=1)
    log: list[str] = []
    running = Request(gate, "bureau 1", log)
    waiting = Request(gate, "bureau 2", log)
    running.start()
    while not log:
        time.sleep(0.01)
    waiting.start()
    _waiting_in(gate, 1)
    with pytest.raises(PreviewsBusy):   # the bureaus' queue is full: refused at once, not after a wait
        with gate.admitted("bureau 3", wait=30):
            pass
    with gate.admitted("reviewer", priority=True, wait=0):   # the ministry's queue is its own
        pass
    running.release.set()
    for _ in range(500):
        if "bureau 2" in log:
            break
        time.sleep(0.01)
    waiting.release.set()
    running.join(5)
    waiting.join(5)
    assert log == ["bureau 1", "bureau 2"]


def test_bureaus_never_hold_the_ministrys_slot_and_the_ministry_is_served_first():
    gate = Admission(2, reserved=1)
    log: list[str] = []
    first = Request(gate, "bureau 1", log, owner=1)
    first.start()
    while not log:
        time.sleep(0.01)
    second = Request(gate, "bureau 2", log, owner=2)
    second.start()
    _waiting_in(gate, 1)
    # Two bureau previews in flight (one running, one waiting): the reviewer walks in.
    reviewer = Request(gate, "reviewer", log, owner=3, priority=True)
    reviewer.start()
    for _ in range(500):
        if "reviewer" in log:
            break
        time.sleep(0.01)
    assert log == ["bureau 1", "reviewer"]
    assert gate.state()["running_shared"] == 1   # the second bureau still waits for the bureaus' slot

    # Every slot taken: when one frees, a waiting reviewer goes before the bureau that came first.
    editor = Request(gate, "editor", log, owner=4, priority=True)
    editor.start()
    _waiting_in(gate, 2, priority=1)
    reviewer.release.set()
    reviewer.join(5)
    for _ in range(500):
        if len(log) == 3:
            break
        time.sleep(0.01)
    assert log == ["bureau 1", "reviewer", "editor"]
    for request in (first, editor):
        request.release.set()
        request.join(5)
    second.release.set()
    second.join(5)
    assert log == ["bureau 1", "reviewer", "editor", "bureau 2"]
    assert second.refused is None


def test_with_a_single_worker_nothing_is_reserved_so_bureaus_are_still_served():
    gate = Admission(1, reserved=1)
    with gate.admitted("bureau", wait=0):
        assert gate.state()["running_shared"] == 1
