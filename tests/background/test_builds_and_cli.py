"""The build runs outside the request: on RQ with Redis, or from the command line."""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date

import pytest
import redis
from pypdf import PdfReader

from app.storage import file_store
from app.background.builds import build_mode, enqueue_build, rq_queue
from app.domain.proceedings import editions
from app.models import EditionStatus, ProceedingsEdition, Role
from tests.factories import EN_BODY, approved_piece

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_the_mode_follows_the_configuration():
    assert build_mode({"BACKGROUND_WORKER": "inline", "REDIS_URL": REDIS_URL}) == "inline"
    assert build_mode({"BACKGROUND_WORKER": "thread", "REDIS_URL": REDIS_URL}) == "rq"
    assert build_mode({"BACKGROUND_WORKER": "thread", "REDIS_URL": None}) == "thread"


@pytest.mark.slow
def test_with_redis_the_build_is_an_rq_job_that_flask_worker_runs(app, factory):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    app.config.update(BACKGROUND_WORKER="thread", REDIS_URL=REDIS_URL, RQ_QUEUE=f"test-{uuid.uuid4().hex}")
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean soil in the north", body=EN_BODY)
    editor = factory.user(Role.EDITOR)
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    factory.commit()
    queue = rq_queue(app.config)
    try:
        enqueue_build(edition.id)
        assert queue.count == 1
        factory.db.session.expire_all()
        assert factory.db.session.get(ProceedingsEdition, edition.id).status is EditionStatus.QUEUED

        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)

    factory.db.session.expire_all()
    edition = factory.db.session.get(ProceedingsEdition, edition.id)
    assert edition.status is EditionStatus.DONE, edition.error
    data = file_store(app).local_path(editions.edition_key(edition)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == edition.sha256


@pytest.mark.slow
def test_the_command_line_builds_an_edition_with_a_progress_bar_and_copies_it(app, factory, tmp_path):
    conference = factory.conference(slug="cli-conf")
    approved_piece(factory, conference, title="命令行构建的汇编")
    factory.user(Role.EDITOR, username="cli-editor")
    factory.commit()
    out = tmp_path / "book.pdf"

    result = app.test_cli_runner().invoke(args=["proceedings", "build", "--conference", "cli-conf", "--out", str(out), "--as", "cli-editor"])

    assert result.exit_code == 0, result.output
    assert "Edition 1 of cli-conf: 1 pieces." in result.output and "Done:" in result.output
    assert re.search(r"(Rendering|Assembling|Done) \(\d+ s\)", result.output)  # the stage and its seconds
    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.built_by.username == "cli-editor" and edition.status is EditionStatus.DONE
    assert hashlib.sha256(out.read_bytes()).hexdigest() == edition.sha256
    assert "命令行构建的汇编" in "".join(page.extract_text() for page in PdfReader(out).pages)


def test_the_command_line_says_why_it_cannot_build(app, factory):
    factory.conference(slug="empty-conf")
    factory.user(Role.EDITOR)
    factory.commit()

    result = app.test_cli_runner().invoke(args=["proceedings", "build", "--conference", "empty-conf"])
    assert result.exit_code != 0 and "nothing to build" in result.output
    result = app.test_cli_runner().invoke(args=["proceedings", "build", "--conference", "nope"])
    assert result.exit_code != 0 and "No conference with slug 'nope'" in result.output
