"""benchmarks/load.py runs end to end: a production gunicorn, a few users, every acknowledged change stored."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from app.config import ROOT
from tests.dbsetup import POSTGRES_URL

LAST_LINE = re.compile(r"requests (\d+), 5xx (\d+), lost (\d+), p95 (\d+)ms")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_three_users_for_five_seconds_get_no_5xx_and_lose_nothing(backend):
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (HUIBIAN_TEST_POSTGRES_URL unset)")
    database = ["--sqlite"] if backend == "sqlite" else ["--postgres", POSTGRES_URL]
    done = subprocess.run([sys.executable, "benchmarks/load.py", "--users", "3", "--seconds", "5", *database],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = done.stdout.strip().splitlines()
    match = LAST_LINE.fullmatch(lines[-1]) if lines else None
    assert match, done.stdout[-3000:] + done.stderr[-3000:]
    requests, failures, lost, _p95 = map(int, match.groups())
    assert (failures, lost) == (0, 0) and done.returncode == 0, done.stdout[-3000:]
    # Each user logged in through the form (GET, then POST); on a busy machine five seconds
    # may end before much more than that.
    assert requests >= 6
    [login] = [line for line in lines if line.startswith("auth.login ")]
    assert login.split()[1:5] == ["6", "0", "0", "0"]  # requests, refused, busy, 5xx


def test_the_check_finds_every_kind_of_acknowledged_change_that_is_missing():
    """What load.py would report had the server acknowledged changes it did not keep."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.live_server import LiveServer
    from benchmarks.load import Ledger, check

    ledger = Ledger()
    ledger.saved[999] = ("标题", "正文")
    ledger.submitted[999].append("正文")
    ledger.decided[(999, "approve", "reviewer1")] += 1
    ledger.attached.append((999, "0" * 64))
    ledger.built["editor"] += 1
    with LiveServer() as server:
        server.flask("db", "upgrade")
        lost = check(server, ledger)
    assert lost == [
        "save of submission 999 not stored",
        "submission 999: an acknowledged submit has no version",
        "decision (999, 'approve', 'reviewer1') acknowledged 1×, stored 0×",
        f"attachment (999, '{'0' * 64}') not stored",
        "editor's build has no edition",
    ]
