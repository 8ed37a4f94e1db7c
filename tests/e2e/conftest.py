"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The server is the test's own app (so on SQLite and on PostgreSQL), served by
werkzeug in a thread on a free loopback port. ``playwright install`` is never
needed: Playwright launches /usr/bin/chromium.
"""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("HUIBIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it (Debian package chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        app.config["SERVER_NAME"] = None
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log in through the real form."""

    def login(username: str, password: str = "correct horse battery"):
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()

    return login


#: The body editor's writing surface (static/js/body-editor.js).
EDITOR = "#body-editor .ProseMirror"


@pytest.fixture
def bureau_draft(factory):
    """Makes the written piece of the "zhejiang" account (English interface), as a draft with ``values``."""

    def make(**values):
        from app.models import ExchangeKind, Role

        conference = factory.conference()
        organisation = factory.organisation("zhejiang")
        user = factory.user(Role.SUBMITTER, organisation=organisation, username="zhejiang")
        user.locale = "en"
        invitation = factory.invitation(conference, organisation, ExchangeKind.WRITTEN)
        submission = factory.submission(invitation, author=user, **values)
        factory.commit()
        return submission

    return make
