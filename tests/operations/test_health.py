"""``/healthz``: every configured part named, 503 when one is down, nothing that helps an attacker."""
from __future__ import annotations

import socket

HEALTHY = {"database": "ok", "redis": "not configured", "clamd": "not configured"}


def closed_port() -> int:
    """A loopback port nobody listens on: bound, read, released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_healthy_instance_answers_200_without_login_and_without_details(app, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == HEALTHY
    assert response.headers["Cache-Control"] == "no-store"  # a cached "ok" would hide an outage


def test_redis_when_configured_is_pinged(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {**HEALTHY, "redis": "ok"}


def test_redis_down_is_a_503_naming_it_and_not_its_address_or_password(app, client):
    port = closed_port()
    app.config["REDIS_URL"] = f"redis://:s3cret-pass@127.0.0.1:{port}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {**HEALTHY, "redis": "unavailable"}
    assert "s3cret" not in response.text and str(port) not in response.text


def test_clamd_down_is_a_503(app, client, tmp_path):
    app.config["CLAMD_SOCKET"] = str(tmp_path / "no-clamd.sock")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {**HEALTHY, "clamd": "unavailable"}


def test_clamd_up_answers_ok(app, client, clamd_addresses):
    app.config["CLAMD_SOCKET"] = clamd_addresses["unix"]

    assert client.get("/healthz").get_json() == {**HEALTHY, "clamd": "ok"}


def test_the_database_down_is_a_503(tmp_path):
    from app import create_app

    down = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "UPLOAD_DIR": tmp_path / "u", "EDITIONS_DIR": tmp_path / "e",
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://huibian:db-secret@127.0.0.1:{closed_port()}/huibian",
    })

    response = down.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {**HEALTHY, "database": "unavailable"}
    assert "db-secret" not in response.text
