"""The edition counter's migration starts each conference's counter at its highest edition number."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.models import Role
from tests.factories import Factory, approved_piece
from tests.foundation.test_migrations import scratch_app, scratch_url  # noqa: F401  (fixtures)

BEFORE_COUNTER = "a93e6c2d1f47"


def test_the_counter_starts_at_the_highest_existing_number(scratch_app):  # noqa: F811
    from app.domain.proceedings import editions
    from app.extensions import db

    upgrade()
    factory = Factory(db)
    busy, quiet = factory.conference(), factory.conference()
    approved_piece(factory, busy)
    editor = factory.user(Role.EDITOR)
    for _ in range(3):
        edition = editions.create_edition(busy, actor=editor, edition_date=date(2024, 12, 1))
        editions.record_failure(edition, "stand-in")
    db.session.commit()
    busy_id, quiet_id = busy.id, quiet.id
    db.session.remove()

    downgrade(revision=BEFORE_COUNTER)
    upgrade()

    counters = dict(db.session.execute(sa.text("SELECT id, last_edition_number FROM conference")).all())
    assert counters == {busy_id: 3, quiet_id: 0}
    numberings = db.session.scalars(sa.text("SELECT DISTINCT piece_numbering FROM proceedings_edition")).all()
    assert numberings == ["none"]
