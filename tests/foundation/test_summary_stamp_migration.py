"""The summary stamp's migration gives each existing conference a stamp of its own."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.factories import Factory
from tests.foundation.test_migrations import scratch_app, scratch_url  # noqa: F401  (fixtures)

BEFORE_STAMP = "c3e9a1f7d5b2"


def test_each_existing_conference_gets_a_distinct_stamp(scratch_app):  # noqa: F811
    from app.extensions import db

    upgrade(revision=BEFORE_STAMP)
    # Conferences as they stood before the column: written without it.
    for n in range(3):
        db.session.execute(sa.text(
            "INSERT INTO conference (slug, title_zh, title_en, organiser_zh, organiser_en, city_zh, city_en,"
            " starts_on, ends_on, timezone, state, review_restricted_to_assigned, proceedings_cover_note,"
            " proceedings_foreword, last_edition_number, created_at)"
            f" VALUES ('c{n}', '会议', 'Conference', '部', 'Ministry', '北京', 'Beijing', '2024-01-23', '2024-01-24',"
            " 'Asia/Shanghai', 'open', false, '', '', 0, '2024-01-01 00:00:00')"))
    db.session.commit()

    upgrade()

    stamps = db.session.scalars(sa.text("SELECT summary_stamp FROM conference")).all()
    assert len(stamps) == 3 and len(set(stamps)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", stamp) for stamp in stamps)


def test_a_conference_migrated_down_and_up_again_gets_a_new_stamp(scratch_app):  # noqa: F811
    from app.extensions import db

    upgrade()
    factory = Factory(db)
    conference = factory.conference()
    db.session.commit()
    before = conference.summary_stamp
    db.session.remove()

    downgrade(revision=BEFORE_STAMP)
    upgrade()

    [after] = db.session.scalars(sa.text("SELECT summary_stamp FROM conference")).all()
    assert after is not None and after != before  # figures kept under the old stamp are never taken again
