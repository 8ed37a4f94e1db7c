"""An app of its own for the tests that need settings fixed at start-up (a proxy in front)."""
from __future__ import annotations

import pytest


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
