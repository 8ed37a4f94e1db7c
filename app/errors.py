"""Error pages in the site's own layout, and the domain's errors turned into them."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app.domain.audit import record_event
from app.domain.errors import DomainError
from app.extensions import db

TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You may not do this"),
    404: lambda: _("Not found"),
    405: lambda: _("Not allowed here"),
    409: lambda: _("This could not be done now"),
    413: lambda: _("The file is too large"),
    500: lambda: _("Something went wrong on our side"),
}


def error_page(status: int, message: str = ""):
    return render_template(
        "errors/error.html", status=status, title=TITLES.get(status, TITLES[400])(), message=message
    ), status


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
        return error_page(error.http_status, error.message)

    @app.errorhandler(StaleDataError)
    def concurrent_change(error):
        db.session.rollback()
        return error_page(409, _("Someone else changed this submission at the same time. Nothing of yours was saved over theirs: reload the page to see the latest state."))

    @app.errorhandler(403)
    def refused(error):
        # A refused attempt belongs in the record: who tried to reach what.
        db.session.rollback()
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        record_event("access_refused", actor=actor, obj=None,
                     detail={"method": request.method, "path": request.path[:300]})
        db.session.commit()
        return error_page(403)

    for status in (400, 404, 405):
        app.register_error_handler(status, lambda e, status=status: error_page(status, getattr(e, "description", "") if status == 400 else ""))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        app.logger.error("500 on %s", request.path)
        return error_page(500, _("The error was logged. Please try again in a moment."))
