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
    assert requests > 10
    # The table names the pages each kind of user opened.
    assert {"auth.login", "submissions.save", "review.queue", "review.coverage"} <= {
        line.split()[0] for line in lines if line and not line.startswith(" ")}
