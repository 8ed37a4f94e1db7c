"""Login throttling: a few failures lock an account for a while; many lock the address.

Both counters live in Flask-Limiter's storage (Redis when ``REDIS_URL`` is
set), so every web process sees the same counts. An account's counter moves
with failures only, and unknown usernames are counted like real ones, so the
lockout reveals nothing about who has an account.
"""
from __future__ import annotations

import math
import time

from flask import current_app, request
from flask_babel import gettext as _
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

from app.domain.accounts import normalise_username, record_address_throttled
from app.extensions import db, limiter

ACCOUNT_SCOPE = "login-account"
BREACH_SCOPE = "login-address-breach"


def _account_limit() -> RateLimitItemPerMinute:
    config = current_app.config
    return RateLimitItemPerMinute(config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCKOUT_MINUTES"])


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def address_limit_message() -> str:
    return _("Too many failed logins from your network address. Please wait a few minutes and try again.")


def audit_address_breach(request_limit) -> None:
    """Flask-Limiter's ``on_breach``: audit the first refused login of an address in each window.

    Only the first: an address that keeps hammering must not get to write
    one audit row per request.
    """
    once_a_window = RateLimitItemPerSecond(1, request_limit.limit.get_expiry())
    if limiter.limiter.hit(once_a_window, BREACH_SCOPE, client_address()):
        record_address_throttled(address=client_address())
        db.session.commit()


def failed_login(response) -> bool:
    """Only refused logins count against the address: an office behind one address logs in together."""
    return response.status_code == 401


def client_address() -> str:
    return request.remote_addr or ""


def locked_minutes(username: str) -> int:
    """Minutes until the account may be tried again; 0 when it is not locked."""
    item, key = _account_limit(), normalise_username(username)
    if limiter.limiter.test(item, ACCOUNT_SCOPE, key):
        return 0
    reset_at = limiter.limiter.get_window_stats(item, ACCOUNT_SCOPE, key).reset_time
    return max(1, math.ceil((reset_at - time.time()) / 60))


def count_failure(username: str) -> bool:
    """Count a failed login against the account; True when this failure locks it."""
    item, key = _account_limit(), normalise_username(username)
    limiter.limiter.hit(item, ACCOUNT_SCOPE, key)
    return not limiter.limiter.test(item, ACCOUNT_SCOPE, key)
