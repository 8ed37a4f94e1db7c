"""Edition numbers come from a counter on the conference that only grows."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from app.domain.proceedings import editions
from app.models import Conference, ProceedingsEdition, Role, User
from tests.factories import approved_piece


def _built(factory, conference, editor, editions_dir):
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    name = editions.file_name_for(edition, conference)
    (editions_dir / name).write_bytes(b"%PDF-1.7 stand-in")
    editions.record_success(edition, file_name=name, page_count=1, size=17, sha256="0" * 64, start_pages={})
    factory.commit()
    return edition


def test_a_deleted_editions_number_is_never_given_again(app, factory):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    editions_dir = app.config["EDITIONS_DIR"]
    editions_dir.mkdir(parents=True, exist_ok=True)
    _built(factory, conference, editor, editions_dir)
    newest = _built(factory, conference, editor, editions_dir)
    assert newest.number == 2

    editions.delete_edition(newest, actor=editor)
    factory.commit()
    again = _built(factory, conference, editor, editions_dir)

    assert again.number == 3
    numbers = factory.db.session.scalars(sa.select(ProceedingsEdition.number).where(
        ProceedingsEdition.conference_id == conference.id).order_by(ProceedingsEdition.number))
    assert list(numbers) == [1, 3]
    assert factory.db.session.get(Conference, conference.id).last_edition_number == 3


def test_two_builds_started_at_the_same_moment_take_distinct_numbers(app, factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers for the whole file; the row lock is PostgreSQL's")
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    conference_id, editor_id = conference.id, editor.id
    start = threading.Barrier(2)
    numbers, errors = [], []

    def build():
        from app.extensions import db
        with app.app_context():
            try:
                start.wait(10)
                edition = editions.create_edition(db.session.get(Conference, conference_id),
                                                  actor=db.session.get(User, editor_id),
                                                  edition_date=date(2024, 12, 1))
                numbers.append(edition.number)
                time.sleep(0.3)  # hold the transaction open: the other build must wait, not collide
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == [] and sorted(numbers) == [1, 2]
    factory.db.session.expire_all()
    assert factory.db.session.get(Conference, conference_id).last_edition_number == 2
