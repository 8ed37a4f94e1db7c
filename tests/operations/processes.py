"""Finding and killing this test process's children, as an operator (or the kernel's OOM killer) would."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        # Fields after "(command)": state, ppid, …, utime (index 11), stime (12).
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children(parent: int | None = None) -> set[int]:
    """Live worker processes ``parent`` (this process by default) started with multiprocessing's spawn.

    Not its resource tracker, nor a clamd or other helper a fixture started.
    """
    parent = os.getpid() if parent is None else parent
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and int(stat[1]) == parent and stat[0] != "Z" and b"spawn_main" in _cmdline(int(entry.name)):
                found.add(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cpu_seconds(pid: int) -> float:
    stat = _stat(pid)
    return (int(stat[11]) + int(stat[12])) / TICKS if stat else 0.0


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def wait_for_new_child(before: set[int], timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = children() - before
        if new:
            return min(new)
        time.sleep(0.02)
    raise AssertionError("no child process appeared")


def kill_once_busy(pid: int, cpu: float, timeout: float = 120) -> bool:
    """SIGKILL ``pid`` once it has used ``cpu`` seconds more than now: it is at work, not waiting."""
    start, deadline = cpu_seconds(pid), time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid):
        if cpu_seconds(pid) - start >= cpu:
            os.kill(pid, signal.SIGKILL)
            return True
        time.sleep(0.01)
    return False
