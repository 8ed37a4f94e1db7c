"""Served like production: behind a proxy, static files cached, SQLite ready for a rush, gunicorn."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT
from tests.dbsetup import migrated_sqlite_template

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def _whoami_app(tmp_path, proxies: int):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "UPLOAD_DIR": tmp_path / "uploads", "EDITIONS_DIR": tmp_path / "editions",
                      "PROXY_COUNT": proxies})

    @app.get("/whoami")
    def whoami():
        from flask import request, url_for

        return f"{request.remote_addr} {url_for('auth.login', _external=True)}"

    return app.test_client()


FORWARDED = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "X-Forwarded-Proto": "https"}


def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw_and_the_scheme_its_own(tmp_path):
    answer = _whoami_app(tmp_path, 1).get("/whoami", headers=FORWARDED, base_url="http://huibian.example")
    assert answer.get_data(as_text=True) == "203.0.113.7 https://huibian.example/login"


def test_without_a_configured_proxy_forwarded_headers_are_ignored(tmp_path):
    answer = _whoami_app(tmp_path, 0).get("/whoami", headers=FORWARDED, base_url="http://huibian.example")
    assert answer.get_data(as_text=True) == "127.0.0.1 http://huibian.example/login"


def test_pages_link_static_files_by_fingerprint_and_those_are_cached_for_a_year(client):
    links = STATIC_LINK.findall(client.get("/login").get_data(as_text=True))
    assert ("/static/css/app.css" in dict(links)) and len(links) >= 2
    for path, version in links:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
        assert response.cache_control.public


def test_a_static_url_with_another_fingerprint_is_not_cached_for_long(client):
    response = client.get("/static/css/app.css?v=000000000000")
    assert response.status_code == 200 and response.cache_control.max_age is None
    assert not response.cache_control.immutable


def test_sqlite_writes_ahead_and_waits_for_a_busy_database_instead_of_failing(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("WAL and busy_timeout are SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_login_page_with_the_project_configuration(tmp_path, worker_id):
    database = tmp_path / "huibian.sqlite3"
    shutil.copyfile(migrated_sqlite_template(worker_id), database)
    port = _free_port()
    env = {**os.environ, "HUIBIAN_BIND": f"127.0.0.1:{port}", "HUIBIAN_WORKERS": "1", "HUIBIAN_THREADS": "2",
           "SECRET_KEY": "gunicorn-test-key-of-forty-odd-distinct-chars-0123456789",
           "HUIBIAN_ENV": "production", "HUIBIAN_BASE_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{database}",
           "HUIBIAN_INSTANCE": str(tmp_path), "HUIBIAN_MAIL_THREAD": "0"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/login", server, seconds=60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    assert 'name="username"' in page and 'name="password"' in page
    assert server.returncode == 0


def _get_when_up(url: str, server: subprocess.Popen, seconds: float) -> str:
    """The page, once gunicorn has started its worker (it answers nothing before)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"gunicorn stopped: {server.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
