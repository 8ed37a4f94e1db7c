"""A deadline-day rush: many bureaus saving and submitting at the same moment.

Each bureau works in a thread of its own, through the app: real requests
from a test client of its own, each request with its own app context, so a
session and a pooled connection of its own, as under gunicorn. On SQLite,
WAL mode and the busy timeout must turn the contention into a short wait:
no error, nothing lost. In SQLite's default journal mode a reader with a
transaction open holds every save up until "database is locked"; the second
test would fail that way.
"""
from __future__ import annotations

import re
import sqlite3
import threading

import pytest
from flask.testing import FlaskClient

from app.models import ExchangeKind, Role, Submission, SubmissionState
from tests.submissions.conftest import draft_data

BUREAUS = 16
SAVES = 4
LOCK_VERSION = re.compile(r'id="lock_version" name="lock_version" type="hidden" value="(\d+)"')


def test_sixteen_bureaus_saving_and_submitting_at_once_get_no_error_and_lose_nothing(app, db, factory):
    conference = factory.conference()
    drafts = []
    for n in range(BUREAUS):
        organisation = factory.organisation(f"rush-{n}")
        user = factory.user(Role.SUBMITTER, organisation=organisation, username=f"rush-{n}")
        invitation = factory.invitation(conference, organisation, ExchangeKind.WRITTEN)
        drafts.append((user.username, factory.submission(invitation, author=user)))
    factory.commit()
    forms = {submission.id: draft_data(submission) for _username, submission in drafts}
    start = threading.Barrier(BUREAUS, timeout=60)
    answers: dict[int, list[int]] = {}
    failures: list[BaseException] = []

    def bureau(username: str, submission_id: int) -> None:
        try:
            client = FlaskClient(app, app.response_class, use_cookies=True)
            statuses = [client.post("/login", data={"username": username,
                                                    "password": "correct horse battery"}).status_code]
            start.wait()
            for save in range(SAVES):
                page = client.get(f"/submissions/{submission_id}")   # as a browser: load, edit, save
                statuses.append(page.status_code)
                loaded = int(LOCK_VERSION.search(page.get_data(as_text=True)).group(1))
                body = f"第{save + 1}稿：{username} 的交流材料。 Draft {save + 1} of {username}."
                form = {**forms[submission_id], "lock_version": loaded, "body": body}
                statuses.append(client.post(f"/submissions/{submission_id}/save", data=form).status_code)
            statuses.append(client.post(f"/submissions/{submission_id}/submit").status_code)
            answers[submission_id] = statuses
        except BaseException as error:  # noqa: BLE001 - reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=bureau, args=(username, submission.id)) for username, submission in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not failures, failures
    assert {submission_id: set(statuses) for submission_id, statuses in answers.items()} == {
        submission.id: {200, 302} for _username, submission in drafts}
    db.session.expire_all()
    for username, submission in drafts:
        saved = db.session.get(Submission, submission.id)
        last_body = f"第{SAVES}稿：{username} 的交流材料。 Draft {SAVES} of {username}."
        assert saved.state is SubmissionState.SUBMITTED
        assert saved.body_source == last_body
        assert [v.number for v in saved.versions] == [1] and saved.versions[0].body_source == last_body


def test_on_sqlite_a_long_read_never_holds_up_a_save(app, db, client, auth, factory):
    """A reader in the middle of a long page (a transaction still open) and a bureau saving:
    in WAL mode the save goes through at once and the reader keeps its own snapshot."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("journal modes are SQLite's")
    conference = factory.conference()
    organisation = factory.organisation("rush-reader")
    user = factory.user(Role.SUBMITTER, organisation=organisation, username="rush-reader")
    draft = factory.submission(factory.invitation(conference, organisation, ExchangeKind.WRITTEN), author=user)
    factory.commit()
    form = draft_data(draft, body="读者还在读的时候保存的新稿。 Saved while someone reads.")
    reader = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        [before] = reader.execute("SELECT body_source FROM submission WHERE id = ?", (draft.id,)).fetchone()
        auth.login(user.username)

        saved = client.post(f"/submissions/{draft.id}/save", data=form)

        [during] = reader.execute("SELECT body_source FROM submission WHERE id = ?", (draft.id,)).fetchone()
        reader.execute("COMMIT")
        [after] = reader.execute("SELECT body_source FROM submission WHERE id = ?", (draft.id,)).fetchone()
    finally:
        reader.close()
    assert saved.status_code == 302
    assert before == during != after == "读者还在读的时候保存的新稿。 Saved while someone reads."
