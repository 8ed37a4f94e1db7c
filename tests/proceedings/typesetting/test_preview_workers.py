"""Warm preview workers: reused while healthy, replaced when spent, never left behind."""
from __future__ import annotations

import os
import threading

import pytest

from app.domain.proceedings.typesetting.preview_workers import PreviewWorkers
from app.domain.proceedings.typesetting.typeset import TypesetJob
from app.domain.proceedings.typesetting.workers import BookBuildError

PAGE = TypesetJob(html='<html lang="zh-CN"><body><p>预览 preview</p></body></html>', attachments={})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a reaped child is gone; an unreaped zombie does not count as alive
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


@pytest.fixture
def workers():
    pool = PreviewWorkers(size=1)
    yield pool
    pool.shutdown()


@pytest.mark.slow
def test_one_warm_worker_answers_preview_after_preview(workers):
    first = workers.typeset(PAGE, 60)
    [pid] = workers.pids()
    second = workers.typeset(PAGE, 60)
    assert workers.pids() == [pid]
    assert first.pdf_bytes.startswith(b"%PDF") and second.page_count == 1
    assert pid != os.getpid()


@pytest.mark.slow
def test_a_spent_worker_is_replaced_by_a_fresh_one_at_once(workers):
    workers.max_jobs = 1
    workers.typeset(PAGE, 60)
    [first] = workers.pids()
    workers.typeset(PAGE, 60)
    [second] = workers.pids()
    assert first != second and not _alive(first)


@pytest.mark.slow
def test_a_worker_grown_past_its_warm_size_is_replaced(workers):
    workers.rss_margin_mb = -10_000   # any size after the first preview counts as grown
    workers.typeset(PAGE, 60)
    [first] = workers.pids()
    workers.typeset(PAGE, 60)
    assert workers.pids() != [first] and not _alive(first)


@pytest.mark.slow
def test_a_worker_swinging_within_its_warm_size_is_kept_preview_after_preview(workers):
    """Full pieces swing a worker by about 90 MB a preview; that alone never recycles it."""
    from tests.proceedings.typesetting import factories

    jobs = [TypesetJob(html=f'<html lang="zh-CN"><body>{factories.body_html(paragraphs=20, sentences=5, table=True)}'
                            "</body></html>", attachments={}) for _ in range(4)]
    workers.typeset(jobs[0], 60)
    [pid] = workers.pids()
    for job in jobs[1:]:
        assert workers.typeset(job, 60).page_count >= 2
    assert workers.pids() == [pid]


@pytest.mark.slow
def test_a_preview_out_of_time_kills_its_worker_and_the_next_one_gets_a_new_one(workers):
    workers.typeset(PAGE, 60)
    [first] = workers.pids()
    with pytest.raises(BookBuildError, match="time limit"):
        workers.typeset(PAGE, 0.0001)
    assert not _alive(first)
    assert workers.typeset(PAGE, 60).page_count == 1
    assert workers.pids() and workers.pids() != [first]


@pytest.mark.slow
def test_threads_share_the_pool_without_exceeding_its_size(workers):
    results, errors = [], []

    def preview():
        try:
            results.append(workers.typeset(PAGE, 60).page_count)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=preview) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [1, 1, 1, 1]
    assert len(workers.pids()) == 1


@pytest.mark.slow
def test_idle_workers_are_closed_and_shutdown_leaves_no_process(workers):
    workers.idle_seconds = 0.2
    workers.typeset(PAGE, 60)
    [idle] = workers.pids()
    # The reaper closes it soon after 0.2 s; a loaded machine may take longer, so wait for it (bounded).
    closed = threading.Event()
    for _ in range(300):
        if workers.pids() == [] and not _alive(idle):
            closed.set()
            break
        closed.wait(0.1)
    assert closed.is_set(), "the idle worker was not closed within 30 s"
    workers.typeset(PAGE, 60)
    [pid] = workers.pids()
    workers.shutdown()
    assert workers.pids() == [] and not _alive(pid)
