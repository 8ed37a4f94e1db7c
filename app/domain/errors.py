"""Errors the domain raises; each knows the HTTP status a view should answer with."""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the business refused an operation; ``message`` is for the user."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The operation does not apply in the object's present state."""

    http_status = 409


class Forbidden(DomainError):
    http_status = 403


class ConcurrentChange(DomainError):
    """Somebody else changed the object since this user loaded it."""

    http_status = 409
