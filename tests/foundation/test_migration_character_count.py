"""Upgrading a database that holds versions counts the 字数 of each from its body."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.domain.submissions.bodies.rendering import character_count
from app.models import SubmissionState
from tests.factories import Factory
from tests.foundation.test_migrations import scratch_app, scratch_url  # noqa: F401  (fixtures)

BEFORE = "c81d5e2a9b47"


def test_upgrading_counts_the_characters_of_every_version_and_keeps_the_search(scratch_app):  # noqa: F811
    from app.extensions import db

    upgrade()
    factory = Factory(db)
    sent = factory.submission(state=SubmissionState.SUBMITTED, body_source="<p>一二三 四五</p>", body_format="html")
    other = factory.submission(state=SubmissionState.SUBMITTED)
    factory.commit()
    expected = {sent.latest_version_id: 5,
                other.latest_version_id: character_count(other.latest_version.body_html)}
    db.session.remove()

    downgrade(revision=BEFORE)
    upgrade()

    with db.engine.connect() as connection:
        counts = dict(connection.execute(sa.text("SELECT id, character_count FROM submission_version")).all())
        if connection.dialect.name == "sqlite":  # a plain ADD COLUMN leaves the FTS5 triggers in place
            triggers = connection.execute(sa.text(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'submission_version'"
            )).scalar()
            assert triggers >= 1
    assert counts == expected and expected[other.latest_version_id] > 0
