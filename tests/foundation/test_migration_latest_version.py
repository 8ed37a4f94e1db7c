"""Upgrading a database that holds submissions points each at its newest version."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.domain.workflow import Action, apply_transition
from app.models import Role, SubmissionState, User
from tests.factories import Factory
from tests.foundation.test_migrations import scratch_app, scratch_url  # noqa: F401  (fixtures)

BEFORE = "9782bb041f5c"


def test_upgrading_fills_in_each_submissions_latest_version(scratch_app):  # noqa: F811
    from app.extensions import db

    upgrade()
    factory = Factory(db)
    resubmitted = factory.submission(state=SubmissionState.SUBMITTED)
    author = db.session.get(User, resubmitted.created_by_id)
    apply_transition(resubmitted, Action.REQUEST_CHANGES, actor=factory.user(Role.REVIEWER), comment="请补充数据。")
    apply_transition(resubmitted, Action.RESUBMIT, actor=author)
    draft = factory.submission()
    factory.commit()
    ids = {"resubmitted": resubmitted.id, "draft": draft.id}
    newest = max(resubmitted.versions, key=lambda v: v.number)
    assert newest.number == 2 and resubmitted.latest_version_id == newest.id
    db.session.remove()

    downgrade(revision=BEFORE)
    upgrade()

    with db.engine.connect() as connection:
        latest = dict(connection.execute(sa.text("SELECT id, latest_version_id FROM submission")).all())
    assert latest == {ids["resubmitted"]: newest.id, ids["draft"]: None}
