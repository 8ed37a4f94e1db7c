"""What ``/healthz`` checks: the database, Redis when configured, clamd when configured.

Each part answers "ok", "not configured" or "unavailable", never why: the
reason (an address, a driver's message) goes to the log, not to whoever asks.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from app.domain.submissions.scanning import Clamd

log = logging.getLogger(__name__)

OK, NOT_CONFIGURED, UNAVAILABLE = "ok", "not configured", "unavailable"
#: A probe answers within a load balancer's patience even when a part hangs.
PROBE_TIMEOUT_SECONDS = 2.0


def check_health(engine: sa.Engine, config: Mapping) -> dict[str, str]:
    return {
        "database": _database(engine),
        "redis": _redis(config.get("REDIS_URL")),
        "clamd": _clamd(config.get("CLAMD_SOCKET")),
    }


def _database(engine: sa.Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        log.warning("health: database unavailable: %s", error.__class__.__name__)
        return UNAVAILABLE
    return OK


def _redis(url: str | None) -> str:
    if not url:
        return NOT_CONFIGURED
    client = Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS)
    try:
        client.ping()
    except (RedisError, OSError) as error:
        log.warning("health: redis unavailable: %s", error.__class__.__name__)
        return UNAVAILABLE
    finally:
        client.close()
    return OK


def _clamd(address: str | None) -> str:
    if not address:
        return NOT_CONFIGURED
    if not Clamd(address, timeout=PROBE_TIMEOUT_SECONDS).ping():
        log.warning("health: clamd unavailable")
        return UNAVAILABLE
    return OK
