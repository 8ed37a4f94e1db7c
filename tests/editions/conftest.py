"""Editions tests typeset previews: close the warm preview workers when the session ends."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def no_preview_workers_left_behind():
    """xdist workers skip ``atexit``, so the session closes them itself."""
    yield
    from app.domain.proceedings.preview_workers import shutdown

    shutdown()
