"""Fault: the database goes away in the middle of a save.

A clear 503 page (translated), nothing half-written, and the next request works.
On PostgreSQL the app's own connection is terminated from an admin connection
between the two writes of a save (the draft's row, then its audit row); on
SQLite another process holds the write lock past the busy timeout.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Submission
from tests.helpers import page_text
from tests.submissions.conftest import draft_data

UNAVAILABLE = "The database is unavailable at the moment, so nothing of this request was saved. " \
              "Your last saved draft is safe. Please try again in a minute."


def reloaded_body(db, draft) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission.body_source).where(Submission.id == draft.id))


def save_events(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "save"))


def admin_dsn(db) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def terminate_after_first_write(db, admin: psycopg.Connection):
    """Kill the app's connection as soon as the draft's UPDATE has run, before the audit row is written."""
    fired = []

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith("UPDATE SUBMISSION "):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        fired.append(pid)
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not go away"
            time.sleep(0.02)

    sa.event.listen(db.engine, "after_cursor_execute", after_execute)
    return fired, lambda: sa.event.remove(db.engine, "after_cursor_execute", after_execute)


def test_postgresql_connection_killed_between_two_writes_of_a_save(app, client, auth, db, setting, draft):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    body_before, events_before = draft.body_source, save_events(db)
    auth.login(setting.ours.user.username)
    with psycopg.connect(admin_dsn(db), autocommit=True) as admin:
        fired, stop = terminate_after_first_write(db, admin)
        try:
            response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="Half a save"))
        finally:
            stop()
    assert fired, "the save never reached its first write"
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert UNAVAILABLE in page_text(response)
    # Nothing half-written: neither the body nor the audit row of the killed save.
    assert reloaded_body(db, draft) == body_before and save_events(db) == events_before

    # The pool dropped the dead connection: the very next requests work, still signed in.
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="Saved after the outage"))
    assert response.status_code == 302
    assert reloaded_body(db, draft) == "Saved after the outage" and save_events(db) == events_before + 1
    assert "Saved after the outage" in page_text(client.get(f"/submissions/{draft.id}"))


def test_postgresql_connections_killed_between_requests_are_replaced_unnoticed(app, client, auth, db, setting, draft):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    auth.login(setting.ours.user.username)
    assert client.get(f"/submissions/{draft.id}").status_code == 200
    # The end of that request's app context (the test keeps one open): its connection goes back to the pool.
    db.session.remove()
    with psycopg.connect(admin_dsn(db), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()
    assert killed  # the app's pooled connection (and the test's) were there to kill
    # pool_pre_ping finds the pooled connection dead and opens another: the user notices nothing.
    response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="After a database restart"))
    assert response.status_code == 302 and reloaded_body(db, draft) == "After a database restart"


def test_the_outage_page_reads_in_chinese(app, client, auth, db, setting, draft):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    setting.ours.user.locale = "zh"
    db.session.commit()
    auth.login(setting.ours.user.username)
    with psycopg.connect(admin_dsn(db), autocommit=True) as admin:
        _fired, stop = terminate_after_first_write(db, admin)
        try:
            response = client.post(f"/submissions/{draft.id}/save", data=draft_data(draft, body="半截保存"))
        finally:
            stop()
    assert response.status_code == 503
    assert "数据库暂时无法访问" in page_text(response) and "您上次保存的草稿安然无恙" in page_text(response)


@pytest.fixture
def short_busy_timeout(db, monkeypatch):
    """Let a locked SQLite give up after a fifth of a second rather than thirty."""
    monkeypatch.setattr("app.database.BUSY_TIMEOUT_MS", 200)
    db.session.commit()
    db.engine.dispose()  # pooled connections were made with the long timeout


def test_sqlite_locked_by_another_process_is_a_503_then_the_next_save_works(
        app, client, auth, db, setting, draft, short_busy_timeout):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("file locks are SQLite's")
    body_before, events_before = draft.body_source, save_events(db)
    auth.login(setting.ours.user.username)
    data = draft_data(draft, body="Blocked save")
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # e.g. a backup tool or a stuck process holding the write lock
        response = client.post(f"/submissions/{draft.id}/save", data=data)
        assert response.status_code == 503
        assert UNAVAILABLE in page_text(response)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert reloaded_body(db, draft) == body_before and save_events(db) == events_before

    response = client.post(f"/submissions/{draft.id}/save", data=data)
    assert response.status_code == 302 and reloaded_body(db, draft) == "Blocked save"


def test_sqlite_file_unreachable_is_a_503_not_a_500_and_it_comes_back(app, client, auth, db, setting, draft, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a database file is SQLite's")
    auth.login(setting.ours.user.username)
    data, page = draft_data(draft, body="Back again"), f"/submissions/{draft.id}"
    path = Path(db.engine.url.database)
    db.session.commit()
    db.engine.dispose()
    parked = tmp_path / "parked"
    parked.mkdir()
    files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
    for file in files:
        file.rename(parked / file.name)
    path.mkdir()  # something that cannot be opened as a database where the file was (a lost mount, a bad deploy)
    try:
        response = client.get(page)
        assert response.status_code == 503
        assert UNAVAILABLE in page_text(response)
    finally:
        db.session.rollback()
        db.engine.dispose()
        path.rmdir()
        for file in files:
            (parked / file.name).rename(file)

    response = client.post(f"{page}/save", data=data)
    assert response.status_code == 302 and reloaded_body(db, draft) == "Back again"
