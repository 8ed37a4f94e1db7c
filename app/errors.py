"""Error pages in the site's own layout, and the domain's errors turned into them.

The one policy for a refusal (a ``DomainError``): a view with a form catches
it, flashes its message and shows the form again with the error's status;
every other view lets it rise to ``domain_refused`` below, which rolls back
and shows the error page with that status. Either way nothing is half-written.
"""
from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import SecurityError

from app.domain.errors import DomainError
from app.extensions import db, login_manager
from app.observability import audit_refusal

TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You may not do this"),
    404: lambda: _("Not found"),
    405: lambda: _("Not allowed here"),
    409: lambda: _("This could not be done now"),
    413: lambda: _("The file is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
    503: lambda: _("The service is unavailable for a moment"),
    507: lambda: _("The server has no room to store files"),
}
#: Seconds a browser (or a script) is told to wait before trying a 503 again.
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: Exception) -> bool:
    """A database fault rather than a bug: the connection is gone, refused, or the file is locked."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError)


def error_page(status: int, message: str = ""):
    return render_template(
        "errors/error.html", status=status, title=TITLES.get(status, TITLES[400])(), message=message
    ), status


def _wants_json() -> bool:
    """A script or the page's own JavaScript asking for JSON gets its refusal as JSON."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset either way
        db.session.remove()


def _page_without_database(status: int, message):
    """The error page; drawn for a signed-out visitor when drawing it for the user needs the database."""
    try:
        return error_page(status, message())
    except Exception:  # noqa: BLE001 - loading the user, their language or their unread count failed
        _rollback_quietly()
        g._login_user = login_manager.anonymous_user()
        return error_page(status, message())


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, _("The form had expired or was not sent from Huibian. Please reload the page and try again."))

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["MAX_UPLOAD_MB"]
        return error_page(413, _("Files may be at most %(limit)d MB. Nothing was stored.", limit=limit))

    @app.errorhandler(DomainError)
    def domain_refused(error: DomainError):
        db.session.rollback()
        if error.http_status == 403:
            audit_refusal(403, current_user)
        if _wants_json():
            response = jsonify(error=error.message)
            response.status_code = error.http_status
        else:
            response = make_response(error_page(error.http_status, error.message))
        # A busy server says when to ask again (a preview or an import past its limits).
        if getattr(error, "retry_after", None):
            response.retry_after = error.retry_after
        return response

    @app.errorhandler(StaleDataError)
    def concurrent_change(error):
        db.session.rollback()
        return error_page(409, _("Someone else changed this submission at the same time. Nothing of yours was saved over theirs: reload the page to see the latest state."))

    for status in (400, 405):
        app.register_error_handler(status, lambda e, status=status: error_page(status, getattr(e, "description", "") if status == 400 else ""))

    @app.errorhandler(403)
    @app.errorhandler(404)
    def refused(error):
        # The page says no more than before; the audit trail says who tried what.
        audit_refusal(error.code, current_user)
        return error_page(error.code)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # No page of ours: without a trusted host no link to the site can be built.
        return "Bad Request: this host name is not served here.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(429)
    def throttled(error):
        return error_page(429, error.description)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        # The transaction is lost with the connection (or never got the lock):
        # nothing of this request was written. A dead connection is already
        # invalidated, so the pool (with pre-ping) opens a fresh one next time.
        _rollback_quietly()
        if not database_unavailable(error):
            raise error
        app.logger.error("database unavailable on %s: %s", request.path, error.orig or error)
        body, status = _page_without_database(503, lambda: _(
            "The database is unavailable at the moment, so nothing of this request was saved. "
            "Your last saved draft is safe. Please try again in a minute."))
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}

    @app.errorhandler(500)
    def server_error(error):
        _rollback_quietly()
        app.logger.error("500 on %s", request.path)
        return error_page(500, _("The error was logged. Please try again in a moment."))
