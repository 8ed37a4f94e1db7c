"""Accounts: passwords, authentication, creation and disabling."""
from __future__ import annotations

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

from app.domain.audit import record_event, record_security_event
from app.domain.errors import DomainError, Forbidden
from app.domain.passwords import check_password_strength
from app.domain.permissions import can_give_role
from app.extensions import db
from app.models import Organisation, Role, User, utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username
# takes as long as a wrong password and does not reveal who has an account.
_DUMMY_HASH = _hasher.hash("not a real password")



def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """The enabled user with this username and password, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_enabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def create_user(
    *, username: str, display_name: str, role: Role, password: str,
    organisation: Organisation | None = None, email: str | None = None, actor: User | None = None,
) -> User:
    """Create an account; a submitter must belong to a bureau, nobody else may.

    With an ``actor`` (not the command line), only roles the actor may give.
    """
    if actor is not None and not can_give_role(actor, role):
        raise Forbidden(_("You may not create accounts with this role."))
    username = normalise_username(username)
    if not username:
        raise DomainError(_("A username is required."))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError(_("The username %(username)s is taken.", username=username))
    if (role is Role.SUBMITTER) != (organisation is not None):
        raise DomainError(_("A submitter belongs to exactly one bureau; ministry accounts to none."))
    check_password_strength(password, username=username)
    user = User(
        username=username, display_name=display_name.strip() or username, role=role,
        organisation=organisation, email=(email or "").strip() or None,
        password_hash=hash_password(password),
        # Someone else knows a password they chose for you; the command line
        # and the demo are run by the account's own people.
        must_change_password=actor is not None,
    )
    db.session.add(user)
    record_event("create_account", actor=actor, obj=user, detail={"username": username, "role": role.value})
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise DomainError(_("The current password is not right.")) from None
    check_password_strength(new, username=user.username)
    if _same_password(user, new):
        raise DomainError(_("Choose a password other than the one you were given."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.end_all_sessions()
    record_event("change_password", actor=user, obj=user)


def reset_password(user: User, *, new: str, actor: User) -> None:
    check_password_strength(new, username=user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = user.id != actor.id
    user.end_all_sessions()
    record_event("reset_password", actor=actor, obj=user)


def _same_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_enabled(user: User, enabled: bool, *, actor: User) -> None:
    """Disable (ending every live session at once) or re-enable an account."""
    if user.id == actor.id and not enabled:
        raise DomainError(_("You cannot disable your own account."))
    user.is_enabled = enabled
    if not enabled:
        user.end_all_sessions()
    record_event("enable_account" if enabled else "disable_account", actor=actor, obj=user)


def record_login_failure(username: str, *, address: str, locked: bool) -> None:
    """Audit a refused login (and the lockout it caused), whether or not the account exists."""
    username = normalise_username(username)[:80]
    user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    detail = {"username": username, "address": address}
    record_security_event("login_failed", actor=None, object_type="User", object_id=user_id, detail=detail)
    if locked:
        record_security_event("account_locked", actor=None, object_type="User", object_id=user_id, detail=detail)


def record_address_throttled(*, address: str) -> None:
    """Audit that one client address was stopped from trying more logins for a while."""
    record_security_event("login_throttled", actor=None, object_type="address", detail={"address": address})
