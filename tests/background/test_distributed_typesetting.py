"""A book's pieces typeset by RQ workers in other processes (any host), assembled by the build.

Real Redis (db 9, flushed), real workers: ``flask --app wsgi worker --queues typeset``
in subprocesses, as an operator would start them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from app.background.typeset_jobs import RQTypesetExecutor, executor_for, typeset_workers
from app.domain.proceedings.typesetting.piece_cache import PieceCache
from app.domain.proceedings.typesetting.render import render_book
from app.domain.proceedings.typesetting.workers import TypesetTimeout
from tests.proceedings.typesetting import factories

# A Redis database of each test process's own (9, 10, 11): the tests flush it, and
# ``make test`` runs two processes at once.
REDIS_URL = f"redis://127.0.0.1:6379/{9 + int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:] or 0) % 3}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def connection():
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    yield connection
    connection.flushdb()


def finished_by(queue, at_least: int) -> set:
    """Names of the workers that finished the queue's jobs: a job answers its coordinator just
    before its worker records it finished, so wait (a little) for the records."""
    deadline = time.monotonic() + 20
    while len(queue.finished_job_registry.get_job_ids()) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return {queue.fetch_job(job_id).worker_name for job_id in queue.finished_job_registry.get_job_ids()}


@contextmanager
def workers(count: int, tmp_path: Path):
    """``count`` typesetting workers, each a ``flask --app wsgi worker`` process of its own."""
    env = dict(os.environ, REDIS_URL=REDIS_URL, HUIBIAN_INSTANCE=str(tmp_path / "instance"))
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queues", "typeset"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(count)]
    try:
        connection = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 60
        while typeset_workers(connection) < count:
            assert time.monotonic() < deadline, "the workers did not register"
            assert all(p.poll() is None for p in processes), "a worker exited"
            time.sleep(0.2)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)   # a warm shutdown, as systemd does
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def book(size: int):
    pieces = [factories.piece(n, lang="zh-CN" if n % 2 else "en",
                              body_html=factories.body_html(lang="zh-CN" if n % 2 else "en", paragraphs=6))
              for n in range(1, size + 1)]
    pieces[2] = factories.with_image(pieces[2])   # an attachment travels with its job
    spec = factories.spec(pieces_by_kind={"oral": pieces[:2], "written": pieces[2:]})
    return replace(spec, key_tasks=factories.key_tasks(3))


@pytest.mark.slow
def test_a_book_typeset_by_two_workers_is_the_local_book_byte_for_byte(connection, tmp_path):
    spec = book(8)
    local = render_book(spec, tmp_path / "local.pdf", processes=2, cache=PieceCache(None))
    with workers(2, tmp_path) as processes:
        executor = RQTypesetExecutor(connection)
        cache = PieceCache(tmp_path / "cache")
        result = render_book(spec, tmp_path / "rq.pdf", cache=cache, executor=executor)
        took = finished_by(executor.queue, len(spec.pieces))
        # a rebuild takes every piece from the cache the workers' results filled
        again = render_book(spec, tmp_path / "again.pdf", cache=cache, executor=executor)
        assert all(p.poll() is None for p in processes)

    assert (tmp_path / "rq.pdf").read_bytes() == (tmp_path / "local.pdf").read_bytes()
    assert result.sha256 == local.sha256 and result.piece_start_pages == local.piece_start_pages
    assert len(took) == 2, took   # both workers typeset some of it
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "local.pdf").read_bytes()
    assert cache.hits >= len(spec.pieces)


@pytest.mark.slow
def test_a_worker_killed_mid_piece_has_its_piece_typeset_again_and_the_book_completes(connection, tmp_path, caplog):
    spec = book(6)
    local = render_book(spec, tmp_path / "local.pdf", processes=2, cache=PieceCache(None))
    killed = []

    def kill_one_while_it_works():
        # the first worker seen holding a piece (its liveness key) is killed outright
        while not killed:
            for job_id in executor.queue.started_job_registry.get_job_ids():
                job = executor.queue.fetch_job(job_id)
                pid = job and pids.get(job.worker_name)
                if pid and connection.exists(f"huibian:typeset:{job.args[0]}:alive:{job.args[1]}:0"):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(job.args[1])
                    return
            time.sleep(0.02)

    import threading

    from rq import Worker

    with workers(2, tmp_path):
        pids = {w.name: w.pid for w in Worker.all(connection=connection)}
        executor = RQTypesetExecutor(connection)
        killer = threading.Thread(target=kill_one_while_it_works, daemon=True)
        killer.start()
        result = render_book(spec, tmp_path / "rq.pdf", executor=executor, time_limit=300)
        killer.join(timeout=1)

    assert killed, "no worker was killed"
    assert f"typesetting item {killed[0]} of build" in caplog.text and "enqueued again" in caplog.text
    assert (tmp_path / "rq.pdf").read_bytes() == (tmp_path / "local.pdf").read_bytes()
    assert result.sha256 == local.sha256


def test_with_no_worker_the_build_fails_at_its_deadline_saying_why_and_leaves_nothing(connection, tmp_path):
    executor = RQTypesetExecutor(connection)
    started = time.monotonic()
    with pytest.raises(TypesetTimeout) as failure:
        render_book(book(3), tmp_path / "book.pdf", executor=executor, time_limit=3)

    assert 3 <= time.monotonic() - started < 15
    assert "no typesetting worker took any" in str(failure.value) and "huibian-typeset" in str(failure.value)
    assert not list(tmp_path.iterdir())            # no partial book
    assert executor.queue.count == 0               # its jobs were cancelled, not left for a worker to waste


def test_without_a_free_typesetting_worker_a_build_typesets_locally(connection):
    config = {"REDIS_URL": REDIS_URL, "PROCEEDINGS_DISTRIBUTED": True, "TYPESET_QUEUE": "huibian-typeset"}
    assert executor_for(config) is None                                  # nobody listens: local processes
    assert executor_for({**config, "REDIS_URL": None}) is None
    from rq import Queue, Worker

    worker = Worker([Queue("huibian-typeset", connection=connection)], connection=connection)
    worker.register_birth()
    try:
        assert isinstance(executor_for(config), RQTypesetExecutor)
        assert executor_for({**config, "PROCEEDINGS_DISTRIBUTED": False}) is None
    finally:
        worker.register_death()


def test_the_worker_command_refuses_a_queue_it_does_not_know(app):
    app.config.update(REDIS_URL=REDIS_URL)

    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--queues", "typeset,mail"])

    assert result.exit_code != 0
    assert "a comma-separated list of builds and typeset" in result.output


@pytest.mark.slow
def test_an_edition_queued_on_redis_is_coordinated_by_one_worker_and_typeset_by_another(app, factory, connection,
                                                                                         tmp_path, caplog):
    import hashlib
    import uuid
    from datetime import date

    from app.background.builds import enqueue_build, rq_queue
    from app.domain.proceedings import editions
    from app.models import EditionStatus, ProceedingsEdition, Role
    from app.storage import file_store
    from tests.factories import EN_BODY, approved_piece

    app.config.update(BACKGROUND_WORKER="thread", REDIS_URL=REDIS_URL, RQ_QUEUE=f"test-{uuid.uuid4().hex}")
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean soil in the north", body=EN_BODY)
    approved_piece(factory, conference, title="蓝天保卫战")
    edition = editions.create_edition(conference, actor=factory.user(Role.EDITOR), edition_date=date(2024, 12, 1))
    factory.commit()
    enqueue_build(edition.id)

    with workers(1, tmp_path) as [typesetter]:
        # this process takes the build (and only builds); the worker above typesets its pieces
        result = app.test_cli_runner().invoke(args=["worker", "--burst", "--queues", "builds"])
        assert result.exit_code == 0, (result.output, result.exception)
        typeset_queue = RQTypesetExecutor(connection).queue
        took = finished_by(typeset_queue, 5)
    rq_queue(app.config).delete(delete_jobs=True)

    factory.db.session.expire_all()
    edition = factory.db.session.get(ProceedingsEdition, edition.id)
    assert edition.status is EditionStatus.DONE, edition.error
    # Every piece and the frame were typeset by the other worker: the build did not fall back to
    # local processes (it says so when it does), and RQ's records, when it has written them
    # (it may answer the coordinator before it records a job finished), name that one worker.
    assert "typesets in local processes" not in caplog.text
    assert len(took) <= 1 and None not in took, (took, sorted(k.decode() for k in connection.keys()))
    data = file_store(app).local_path(editions.edition_key(edition)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == edition.sha256
