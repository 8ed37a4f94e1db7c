"""A session ends after two idle hours, and twelve hours after its login however busy; no sleeping, a moved clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.helpers import page_text

EXPIRED = "Your session has expired. Please log in again."


@pytest.fixture
def clock():
    with time_machine.travel("2026-03-02 08:00 +0000", tick=False) as traveller:
        yield traveller


def test_a_session_idle_past_the_limit_ends(client, bureaus, login, clock):
    login(client, "reviewer")
    clock.shift(timedelta(hours=2, minutes=1))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account")
    assert EXPIRED in page_text(client.get(response.headers["Location"]))
    assert client.get("/account").status_code == 302  # logged out, not just turned away once


def test_activity_keeps_a_session_alive_within_the_idle_limit(client, bureaus, login, clock):
    login(client, "reviewer")
    for _ in range(5):
        clock.shift(timedelta(hours=1, minutes=50))
        assert client.get("/account").status_code == 200


def test_a_busy_session_still_ends_after_the_absolute_limit(client, bureaus, login, clock):
    login(client, "reviewer")
    for _ in range(6):
        clock.shift(timedelta(hours=1, minutes=55))
        assert client.get("/account").status_code == 200
    clock.shift(timedelta(minutes=31))  # 12 h 1 min after the login
    assert client.get("/account").status_code == 302


def test_the_limits_come_from_the_configuration(app, client, bureaus, login, clock):
    app.config.update(SESSION_IDLE_MINUTES=10, SESSION_MAX_HOURS=1)
    login(client, "reviewer")
    clock.shift(timedelta(minutes=11))
    assert client.get("/account").status_code == 302


def test_an_old_cookie_without_timestamps_is_not_accepted(app, client, bureaus, login):
    login(client, "reviewer")
    with client.session_transaction() as session:
        session.pop("started_at")
    assert client.get("/account").status_code == 302


def test_an_expired_csrf_token_is_refused_with_a_message(app, csrf_client, bureaus, clock):
    from tests.factories import PASSWORD

    form = csrf_client.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    clock.shift(timedelta(hours=2, minutes=1))
    response = csrf_client.post("/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400
    assert "The form had expired" in page_text(response)
