"""Flask-Login wiring: the cookie names a user and that user's current session token."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager
from app.models import User


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
