"""A private clamd for the tests, with a signature database made here from the EICAR test string.

The machine cannot download ClamAV's signatures (production runs freshclam),
so the tests give clamd one body signature of their own, written by
``sigtool`` from the EICAR string: it matches the string anywhere, also
inside a Word document's archive or a PDF. clamd with one signature starts
in well under a second; one daemon serves the whole session.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.domain.submissions.scanning import Clamd

# The industry's harmless test file: every virus scanner must report it.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Huibian.Test.EICAR"
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])


@contextmanager
def running_clamd(folder: Path) -> Iterator[dict[str, str]]:
    """Start clamd on a unix socket in ``folder`` and on loopback TCP; yield both addresses; stop it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        tcp_port = probe.getsockname()[1]
    clamd, sigtool = shutil.which("clamd", path=_SEARCH_PATH), shutil.which("sigtool", path=_SEARCH_PATH)
    if not clamd or not sigtool:
        pytest.fail("ClamAV is not installed (clamd, sigtool): run `scripts/system-packages.sh test` "
                    "or `apt-get install clamav-daemon clamav`.")
    database = folder / "db"
    database.mkdir()
    hex_signature = subprocess.run([sigtool, "--hex-dump"], input=EICAR, capture_output=True, check=True).stdout
    (database / "huibian-test.ndb").write_text(f"{SIGNATURE}:0:*:{hex_signature.decode().strip()}\n")
    socket_path = folder / "clamd.sock"
    log = folder / "clamd.log"
    config = folder / "clamd.conf"
    config.write_text("\n".join([
        f"LocalSocket {socket_path}", f"TCPSocket {tcp_port}", "TCPAddr 127.0.0.1",
        f"DatabaseDirectory {database}", f"TemporaryDirectory {folder}", f"LogFile {log}",
        "Foreground yes", "StreamMaxLength 64M", "MaxThreads 4", "SelfCheck 0", "",
    ]))
    process = subprocess.Popen([clamd, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    addresses = {"unix": str(socket_path), "tcp": f"127.0.0.1:{tcp_port}"}
    try:
        deadline = time.monotonic() + 30
        while not (Clamd(addresses["unix"], timeout=2).ping() and Clamd(addresses["tcp"], timeout=2).ping()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"clamd did not start:\n{log.read_text() if log.exists() else '(no log)'}")
            time.sleep(0.02)
        yield addresses
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
