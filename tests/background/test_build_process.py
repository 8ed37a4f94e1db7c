"""Without Redis, a build runs in a child process of its own, never in the web process."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest

from app.storage import file_store
from app.background.builds import _thread_worker, enqueue_build
from app.domain.proceedings import editions
from app.models import EditionStatus, ProceedingsEdition, Role
from tests.factories import EN_BODY, approved_piece


def _queue_edition(factory):
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean soil in the north", body=EN_BODY)
    edition = editions.create_edition(conference, actor=factory.user(Role.EDITOR), edition_date=date(2024, 12, 1))
    factory.commit()
    return edition.id


def _build_in_background(app, factory, edition_id) -> ProceedingsEdition:
    enqueue_build(edition_id)
    _thread_worker(app).queue.join()
    factory.db.session.expire_all()
    return factory.db.session.get(ProceedingsEdition, edition_id)


@pytest.mark.slow
def test_the_build_process_builds_the_edition_and_records_it(app, factory):
    app.config.update(BACKGROUND_WORKER="thread", REDIS_URL=None)
    edition_id = _queue_edition(factory)

    edition = _build_in_background(app, factory, edition_id)

    assert edition.status is EditionStatus.DONE, edition.error
    data = file_store(app).local_path(editions.edition_key(edition)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == edition.sha256 and edition.page_count >= 1


def test_a_build_process_that_fails_before_building_leaves_the_edition_failed_not_queued(app, factory, tmp_path):
    app.config.update(BACKGROUND_WORKER="thread", REDIS_URL=None)
    edition_id = _queue_edition(factory)
    # The web process keeps its engine; the child, made from this configuration, cannot open a database.
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"

    edition = _build_in_background(app, factory, edition_id)

    assert edition.status is EditionStatus.FAILED
    assert edition.error == editions.BUILD_PROCESS_DIED
