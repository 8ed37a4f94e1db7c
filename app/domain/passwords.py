"""Which passwords are too easy to guess: too short, the username, or on a list of leaked ones.

``data/common-passwords.txt.gz`` is the list of 20,000 common passwords that
Royce Williams compiled from breached password dumps (shipped by Django as
``django/contrib/auth/common-passwords.txt.gz``, BSD-licensed; copied, not
imported, so that the app does not depend on Django).
"""
from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from app.domain.errors import DomainError

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


class WeakPassword(DomainError):
    """The new password is refused; the message says why."""


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def check_password_strength(password: str, *, username: str = "") -> None:
    """Raise :class:`WeakPassword` unless ``password`` is fit to protect an account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_("A password needs at least 10 characters."))
    if password.strip().lower() in common_passwords():
        raise WeakPassword(_("This password is on a list of common or leaked passwords. Please choose another."))
    if username and username.strip().lower() in password.lower():
        raise WeakPassword(_("The password must not contain the username."))
