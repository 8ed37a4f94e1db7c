"""Password guessing: five failures lock an account for a while, many lock the address; all audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.models import AuditEvent, Role
from tests.factories import PASSWORD
from tests.helpers import page_text

LOCKED = "Too many failed logins for this account. It is locked for 15 more minutes"


@pytest.fixture
def reviewer(factory):
    user = factory.user(Role.REVIEWER, username="reviewer")
    factory.commit()
    return user


def login(client, username="reviewer", password=PASSWORD, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"username": username, "password": password}, headers=headers)


def events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, db, reviewer):
    for _ in range(5):
        assert login(client, password="wrong password!").status_code == 401
    response = login(client)
    assert response.status_code == 429
    assert LOCKED in page_text(response)
    assert not is_logged_in(client)
    failures = events(db, "login_failed")
    assert len(failures) == 5
    assert failures[0].object_id == reviewer.id and failures[0].actor_id is None
    assert failures[0].detail == {"username": "reviewer", "address": "127.0.0.1"}
    [locked] = events(db, "account_locked")
    assert locked.object_id == reviewer.id


def test_the_lock_lifts_after_the_lockout_time(client, db, reviewer):
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False) as clock:
        for _ in range(5):
            login(client, password="wrong password!")
        clock.shift(timedelta(minutes=14))
        assert login(client).status_code == 429
        clock.shift(timedelta(minutes=2))
        assert login(client).status_code == 302
        assert is_logged_in(client)


def test_a_rotating_forwarded_for_header_buys_no_attempts(client, db, reviewer):
    for n in range(5):
        login(client, password="wrong password!", forwarded_for=f"198.51.100.{n}")
    response = login(client, forwarded_for="203.0.113.99")
    assert response.status_code == 429 and LOCKED in page_text(response)
    assert {e.detail["address"] for e in events(db, "login_failed")} == {"127.0.0.1"}


def test_unknown_usernames_lock_in_the_same_words(client, db, reviewer):
    for _ in range(5):
        login(client, username="nobody-here", password="wrong password!")
    response = login(client, username="nobody-here")
    assert response.status_code == 429 and LOCKED in page_text(response)
    assert events(db, "account_locked")[0].object_id is None
    assert login(client).status_code == 302  # the real account was never touched


# Unknown usernames are checked against a hash of production cost (so that
# they take as long as known ones): the address tests keep the limit small.
FEW = "4 per 10 minutes"


def test_spraying_many_accounts_from_one_address_is_throttled(app, client, db, reviewer):
    app.config["LOGIN_ADDRESS_LIMIT"] = FEW
    for n in range(4):
        assert login(client, username=f"guess{n}", password="password123", forwarded_for=f"10.0.0.{n}").status_code == 401
    response = login(client)
    assert response.status_code == 429
    assert "Too many failed logins from your network address" in page_text(response)
    assert not is_logged_in(client)
    for _ in range(3):
        assert login(client).status_code == 429
    [throttled] = events(db, "login_throttled")  # once a window, not once a request
    assert throttled.detail == {"address": "127.0.0.1"}


def test_successful_logins_from_one_office_are_not_throttled(app, db, factory):
    for n in range(35):
        factory.user(Role.SUBMITTER, username=f"staff{n}")
    factory.commit()
    for n in range(35):
        client = app.test_client()
        assert login(client, username=f"staff{n}").status_code == 302


def test_behind_a_configured_proxy_the_address_it_reports_is_counted(make_app, db, reviewer):
    client = make_app(PROXY_COUNT=1, LOGIN_ADDRESS_LIMIT=FEW).test_client()
    # The proxy appends the address it saw; whatever the client put before it is ignored.
    for n in range(4):
        login(client, username=f"guess{n}", password="wrong password!", forwarded_for=f"10.9.{n}.1, 203.0.113.7")
    assert login(client, forwarded_for="10.9.99.1, 203.0.113.7").status_code == 429
    assert login(client, forwarded_for="203.0.113.8").status_code == 302
    assert {e.detail["address"] for e in events(db, "login_failed")} == {"203.0.113.7"}


def test_the_lockout_message_is_in_chinese_for_chinese_readers(client, db, reviewer):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    for _ in range(5):
        login(client, password="wrong password!")
    assert "登录失败次数过多" in page_text(login(client))


def test_with_redis_the_lock_outlives_the_process_that_counted_it(make_app, factory):
    """Every web process builds its own app: with REDIS_URL they all read the same counters."""
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    username = f"r{uuid.uuid4().hex[:12]}"
    factory.user(Role.REVIEWER, username=username)
    factory.commit()
    settings = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    first = make_app(**settings).test_client()
    for _ in range(5):
        assert login(first, username=username, password="wrong password!").status_code == 401
    second = make_app(**settings).test_client()
    assert login(second, username=username).status_code == 429
    assert redis.Redis.from_url(url).keys(f"*{username}*")


def test_with_redis_down_logins_work_and_failures_still_lock(make_app, db, reviewer):
    client = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0").test_client()
    for _ in range(5):
        assert login(client, password="wrong password!").status_code == 401
    assert login(client).status_code == 429
    assert login(client, username="nobody", password="wrong password!").status_code == 401
