"""Test fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Every test that takes ``app`` (or anything built on it) runs twice: once on a
SQLite file and once on PostgreSQL when ``HUIBIAN_TEST_POSTGRES_URL`` is set
(CI sets it). The schema comes from the migrations, applied once per run and
backend; each test then starts from empty tables.
"""
from __future__ import annotations

import shutil

import pytest
from flask import g
from flask.testing import FlaskClient

from tests.dbsetup import (
    POSTGRES_URL,
    drop_created_databases,
    migrated_postgres_url,
    migrated_sqlite_template,
    truncate_all,
)

BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config):
    if POSTGRES_URL:
        return f"database backends: SQLite and PostgreSQL ({POSTGRES_URL})"
    return "database backends: SQLite only — PostgreSQL SKIPPED (set HUIBIAN_TEST_POSTGRES_URL to run it)"


def pytest_sessionfinish(session):
    drop_created_databases()


def pytest_terminal_summary(terminalreporter):
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "NOTE: the PostgreSQL half of the suite was skipped: HUIBIAN_TEST_POSTGRES_URL is not set.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def postgres_url(worker_id):
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (HUIBIAN_TEST_POSTGRES_URL unset)")
    yield migrated_postgres_url(worker_id)
    drop_created_databases()


@pytest.fixture(scope="session", autouse=True)
def no_preview_workers_left_behind():
    """Previews keep warm typesetting workers; xdist workers skip ``atexit``, so the session closes them."""
    yield
    from app.domain.proceedings.typesetting.preview_workers import shutdown

    shutdown()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Argon2 with its production cost takes most of a test's set-up time.

    Hashes made this way still verify with the production hasher's code path;
    only the work factors are lower.
    """
    from argon2 import PasswordHasher

    from app.domain import accounts

    production = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = production


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, worker_id) -> str:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        truncate_all(url)
        return url
    template = migrated_sqlite_template(worker_id)
    path = tmp_path / "huibian.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class RequestScopedClient(FlaskClient):
    """A test client whose requests never see the previous request's user.

    The test holds an app context open for its factories, and Flask reuses a
    pushed app context for requests, so ``g`` (where Flask-Login caches the
    user) and Flask-Babel's cached locale would outlive a request as they
    never do in production.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read the English texts unless they ask for Chinese; a browser
        # without Accept-Language gets Chinese, the ministry's language.
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    from app import create_app
    from app.extensions import db

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": tmp_path / "uploads",
        "EDITIONS_DIR": tmp_path / "editions",
        "PIECE_CACHE_DIR": tmp_path / "piece-cache",
        "SERVER_NAME": "huibian.test",
        "MAIL_SERVER": None,
        "BACKGROUND_WORKER": "inline",
        # A loaded CI machine must not turn a slow conversion into a refused import;
        # the time limit itself is tested with a tiny limit on the domain function.
        "IMPORT_TIME_LIMIT_SECONDS": 120,
        # Messages raised outside a request (domain errors, CLI) in English,
        # so that tests read one language; tests of Chinese ask for it.
        "BABEL_DEFAULT_LOCALE": "en",
    })
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    from app.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client(app):
    """A client for tests that check CSRF itself: protection switched on."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = "correct horse battery"):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture(autouse=True)
def _csrf_off_by_default(request):
    """CSRF is on in the app; tests of other behaviour post without tokens.

    Tests that take ``csrf_client`` switch it back on and prove it works, and
    browser tests (``live_server``) always run with it, as a user would.
    """
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.config["WTF_CSRF_ENABLED"] = bool({"csrf_client", "live_server"} & set(request.fixturenames))
    yield


@pytest.fixture
def factory(db):
    from tests.factories import Factory

    return Factory(db)


@pytest.fixture(scope="session")
def clamd_addresses(tmp_path_factory):
    """One clamd for the session, knowing only the EICAR test signature: {"unix": path, "tcp": "host:port"}."""
    from tests.clamav import running_clamd

    with running_clamd(tmp_path_factory.mktemp("clamd")) as addresses:
        yield addresses


@pytest.fixture(scope="session")
def s3_endpoint():
    """One moto server on loopback for the session; each test gets its own bucket (``s3_settings``)."""
    from tests.s3server import running_moto_server

    with running_moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_settings(s3_endpoint, tmp_path):
    """Settings naming a fresh, empty bucket on the loopback server."""
    import uuid

    from tests.s3server import create_bucket, s3_config

    bucket = f"huibian-{uuid.uuid4().hex[:16]}"
    create_bucket(s3_endpoint, bucket)
    return s3_config(s3_endpoint, bucket, tmp_path / "file-cache")


@pytest.fixture
def s3_app(app, s3_settings):
    """``app`` with its files in the bucket of ``s3_settings`` instead of local folders."""
    from app.storage import init_storage

    app.config.update(s3_settings)
    init_storage(app)
    return app
