"""An app of its own for the tests that need settings fixed at start-up (a proxy in front)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    """The fuzzing's PostgreSQL half doubles its minute: it runs with the slow tests."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.path.name == "test_fuzz_forms.py" and callspec and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def make_app(app, database_url, tmp_path):
    """Another app on the test's database, built with ``settings`` (the test's ``app`` makes the rows)."""
    from app import create_app

    def make(**settings):
        other = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": tmp_path / "uploads", "EDITIONS_DIR": tmp_path / "editions",
            "MAIL_SERVER": None, "BACKGROUND_WORKER": "inline", "BABEL_DEFAULT_LOCALE": "en",
            "WTF_CSRF_ENABLED": False,
        } | settings)
        other.test_client_class = app.test_client_class
        return other

    return make


@pytest.fixture
def bureaus(factory):
    """Two bureaus with a draft each, and a ministry reviewer with a mail address; English for everyone."""
    from app.models import Role

    conference = factory.conference()
    ours, theirs = factory.organisation("hebei"), factory.organisation("shanxi")
    users = {
        "ours": factory.user(Role.SUBMITTER, organisation=ours, username="hebei-user", email="hebei@example.cn"),
        "theirs": factory.user(Role.SUBMITTER, organisation=theirs, username="shanxi-user"),
        "reviewer": factory.user(Role.REVIEWER, username="reviewer", email="reviewer@mee.example.cn"),
    }
    for user in users.values():
        user.locale = "en"
    drafts = {
        "ours": factory.submission(factory.invitation(conference, ours), author=users["ours"]),
        "theirs": factory.submission(factory.invitation(conference, theirs), author=users["theirs"]),
    }
    factory.commit()
    return {"users": users, "drafts": drafts}


@pytest.fixture
def login():
    from tests.factories import PASSWORD

    def log_in(client, username):
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        return client

    return log_in
