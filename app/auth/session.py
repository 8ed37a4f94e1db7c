"""Flask-Login wiring: the cookie names a user and that user's current session token.

A session also ends by itself: after ``SESSION_IDLE_MINUTES`` without a
request, and ``SESSION_MAX_HOURS`` after the login whatever happened since.
The times travel in the signed session cookie, so a copied or old cookie
carries its own age and cannot be made younger.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user, user_logged_in

from app.extensions import db, login_manager
from app.models import User

STARTED = "started_at"
SEEN = "seen_at"


def load_user(cookie_id: str) -> User | None:
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    # A rotated token (logout everywhere, password change, disabled account)
    # ends every session that carried the old one.
    if user is None or not user.is_enabled or user.session_token != token:
        return None
    return user


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # "strong" would end sessions when the IP changes, which mobile users do.
    login_manager.session_protection = "basic"
    user_logged_in.connect(_stamp_new_session, app)
    app.before_request(end_expired_session)
    app.before_request(insist_on_own_password)


def _stamp_new_session(sender, user, **extra) -> None:
    session[STARTED] = session[SEEN] = time.time()


def session_expired(now: float) -> bool:
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        return True  # a cookie from before the timeouts existed: as old as can be
    config = current_app.config
    return now - seen > config["SESSION_IDLE_MINUTES"] * 60 or now - started > config["SESSION_MAX_HOURS"] * 3600


def end_expired_session():
    """Log out a session past either timeout; otherwise note that it was used just now."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    if session_expired(now):
        logout_user()
        session.pop(STARTED, None)
        session.pop(SEEN, None)
        flash(_("Your session has expired. Please log in again."), "info")
        # As Flask-Login does for a missing login: back here afterwards (the
        # draft's save has a GET that leads back to the draft).
        return redirect(url_for("auth.login", next=request.full_path))
    session[SEEN] = now
    return None


# What a user whose password someone else chose may still reach.
_WHILE_PASSWORD_IS_NOT_OWN = {"auth.account", "auth.logout", "static", "main.health", "main.set_language"}


def insist_on_own_password():
    """A password set by an administrator or editor must be replaced before anything else."""
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    if request.endpoint in _WHILE_PASSWORD_IS_NOT_OWN or request.endpoint is None:
        return None
    flash(_("Your password was set by someone else. Choose your own password to go on."), "warning")
    return redirect(url_for("auth.account"), 303)
