"""Fault: the app restarted during work.

Under gunicorn on a loopback port, killed (SIGKILL: a crash, the OOM killer,
a power cut) or stopped (SIGTERM: a deploy) while bureaus save and an editor
builds, then started again: the login survives (the secret key is kept in
the instance folder), every save landed whole or not at all, and a build
that was running is marked failed instead of ``building`` for ever, after
which a new build works.
"""
from __future__ import annotations

import re
import signal
import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.background.builds import Heartbeat
from app.domain.proceedings import editions
from app.models import AuditEvent, EditionStatus, ProceedingsEdition, Role, Submission, utcnow
from tests.factories import EN_BODY, PASSWORD, approved_piece
from tests.helpers import page_text
from tests.operations.server import Browser, Server
from tests.submissions.conftest import draft_data

LOCK_VERSION = re.compile(r'name="lock_version"[^>]*value="(\d+)"')
WHOLE = re.compile(r"\[(\d+)\](?:Saved whole\. ){2000}\[\1\]")


def body(n: int) -> str:
    return f"[{n}]" + "Saved whole. " * 2000 + f"[{n}]"


def queued(factory, conference, editor) -> ProceedingsEdition:
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    factory.commit()
    return edition


def reloaded(db, edition_id) -> ProceedingsEdition:
    db.session.expire_all()
    return db.session.get(ProceedingsEdition, edition_id)


# ------------------------------------------------------------ the heartbeat, in-process

def test_a_build_whose_heartbeat_stopped_is_failed_on_the_editors_page_and_a_beating_one_is_not(
        app, factory, db, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    edition = queued(factory, conference, editor)
    editions.mark_building(edition)
    edition.heartbeat_at = utcnow() - editions.HEARTBEAT_INTERVAL * 2  # two stamps missed: still alive
    factory.commit()
    auth.login(editor.username)
    status = f"/proceedings/{conference.slug}/editions/{edition.number}/status"
    assert client.get(status).get_json()["status"] == "building"

    edition.heartbeat_at = utcnow() - editions.HEARTBEAT_INTERVAL * (editions.MISSED_HEARTBEATS + 1)
    factory.commit()
    payload = client.get(status).get_json()
    assert payload["status"] == "failed" and payload["finished"]
    assert "The build was interrupted before it finished (its worker stopped)" in payload["text"]
    assert reloaded(db, edition.id).error == editions.INTERRUPTED


def test_the_heartbeat_stamps_only_running_editions(app, factory, db):
    conference = factory.conference()
    approved_piece(factory, conference)
    edition = queued(factory, conference, factory.user(Role.EDITOR))
    beat = Heartbeat(db.engine, lambda: [edition.id], timedelta(seconds=0.05))
    beat.start()
    try:
        deadline = time.monotonic() + 10
        while reloaded(db, edition.id).heartbeat_at is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        editions.record_failure(reloaded(db, edition.id), "stopped")
        factory.commit()
        stamped = reloaded(db, edition.id).heartbeat_at
        time.sleep(0.3)
        assert reloaded(db, edition.id).heartbeat_at == stamped  # a finished build is left alone
    finally:
        beat.stop()
        beat.join(5)


# ------------------------------------------------------------ a real server, killed and started again

@pytest.fixture
def server(app, database_url, tmp_path):
    running = Server(database_url, tmp_path, HUIBIAN_BUILD_HEARTBEAT_SECONDS="0.5")
    yield running
    running.stop(signal.SIGKILL)


def save_until_stopped(browser: Browser, draft_id: int, fields: dict, sent: list[int], stop: threading.Event):
    n = 0
    while not stop.is_set():
        version = LOCK_VERSION.search(browser.page)
        n += 1
        sent.append(n)
        try:
            status, _page = browser.post(f"/submissions/{draft_id}/save",
                                         {**fields, "body": body(n), "lock_version": version.group(1)})
        except OSError:
            return  # the server is gone
        if status != 200:
            return


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_after_a_restart_the_login_survives_and_each_save_landed_whole_or_not_at_all(
        app, db, setting, draft, server, sig):
    lock_before = draft.lock_version
    fields = {k: v for k, v in draft_data(draft).items() if k not in ("body", "lock_version")}
    server.start()
    browser = Browser(server)
    browser.post("/login", {"username": setting.ours.user.username, "password": PASSWORD}, token_from="/login")
    assert browser.get(f"/submissions/{draft.id}")[0] == 200
    browser.post(f"/submissions/{draft.id}/save", {**fields, "body": body(0),
                                                     "lock_version": LOCK_VERSION.search(browser.page).group(1)})
    db.session.expire_all()
    per_save = db.session.get(Submission, draft.id).lock_version - lock_before  # the row is written more than once
    sent, stop = [], threading.Event()
    saver = threading.Thread(target=save_until_stopped, args=(browser, draft.id, fields, sent, stop))
    saver.start()
    deadline = time.monotonic() + 60
    while len(sent) < 5:  # some saves have landed, one is on its way
        assert time.monotonic() < deadline and saver.is_alive()
        time.sleep(0.01)
    server.stop(sig)
    stop.set()
    saver.join(60)

    db.session.expire_all()
    saved = db.session.get(Submission, draft.id)
    landed = int(WHOLE.fullmatch(saved.body_source).group(1))  # one save's body, whole
    assert landed in sent
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "save", AuditEvent.object_id == draft.id))
    # Every save that landed wrote all its row's changes and its audit row; no save left a part of itself.
    assert saved.lock_version - lock_before == per_save * events

    server.start()
    status, page = browser.get(f"/submissions/{draft.id}")  # the same cookie, a new process
    assert status == 200 and "/login" not in browser.opener.open(server.base + f"/submissions/{draft.id}").url
    assert f"[{landed}]" in page
    status, _page = browser.post(f"/submissions/{draft.id}/save", {**fields, "body": "After the restart",
                                                                    "lock_version": LOCK_VERSION.search(page).group(1)})
    assert status == 200 and "Draft saved." in page_text(browser.page)
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).body_source == "After the restart"


@pytest.mark.slow
def test_a_build_running_when_the_server_is_killed_is_failed_after_the_restart_and_a_new_build_works(
        app, factory, db, server):
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean soil in the north", body=EN_BODY)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    server.start()
    browser = Browser(server)
    browser.post("/login", {"username": editor.username, "password": PASSWORD}, token_from="/login")
    editor_page = f"/proceedings/{conference.slug}/"
    browser.post(f"/proceedings/{conference.slug}/editions", {"edition_date": "2024-12-01"}, token_from=editor_page)
    first = db.session.scalars(sa.select(ProceedingsEdition)).one()
    deadline = time.monotonic() + 60
    while reloaded(db, first.id).status is not EditionStatus.BUILDING:
        assert time.monotonic() < deadline
        time.sleep(0.05)

    server.stop(signal.SIGKILL)  # the master, its worker, the build process and its typesetters
    assert reloaded(db, first.id).status is EditionStatus.BUILDING  # nobody left to say otherwise
    server.start()
    time.sleep(0.5 * (editions.MISSED_HEARTBEATS + 1))
    status, page = browser.get(editor_page)  # the same login, after the restart
    assert status == 200
    assert "Failed: The build was interrupted before it finished (its worker stopped)." in page_text(page)
    assert reloaded(db, first.id).status is EditionStatus.FAILED

    browser.post(f"/proceedings/{conference.slug}/editions", {"edition_date": "2024-12-02"}, token_from=editor_page)
    second = db.session.scalars(sa.select(ProceedingsEdition).where(ProceedingsEdition.number == 2)).one()
    deadline = time.monotonic() + 180
    while (edition := reloaded(db, second.id)).status in editions.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert edition.status is EditionStatus.DONE, edition.error
    assert sorted(p.name for p in (server.env_path("EDITIONS_DIR")).glob("*.pdf")) == [edition.file_name]
