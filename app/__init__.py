"""Huibian (汇编): the application factory.

Importing ``app`` (which importing any ``app.…`` module does) loads nothing
but this file: Flask and the extensions are imported when an app is made,
so that a child process running one Flask-free module (the Word converter,
a typesetting worker) does not pay for the web app.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.security import Huibian


def create_app(config: dict | None = None) -> Huibian:
    """Build the app; ``config`` (tests) overrides what the environment says."""
    from app.config import ROOT, load_config
    from app.database import tune_sqlite
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.security import Huibian
    from app.static_files import init_static_files

    app = Huibian(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    # The body of a request may carry one upload at the configured limit plus
    # the form around it; anything larger is cut off with a friendly 413.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    for folder in ("UPLOAD_DIR", "EDITIONS_DIR"):
        Path(app.config[folder]).mkdir(parents=True, exist_ok=True)

    from app.observability import init_observability
    from app.security import init_security

    init_observability(app)
    from app.storage import init_storage

    init_storage(app)
    # Trusted hosts, links from HUIBIAN_BASE_URL, the proxy count (ProxyFix), hostile requests, headers.
    init_security(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            tune_sqlite(engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from app.i18n import init_i18n

    init_i18n(app)

    from app.auth.session import init_login

    init_login(app)
    _register_blueprints(app)

    from app.errors import register_error_handlers
    from app.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)

    from app.cli import register_cli

    register_cli(app)
    init_static_files(app)
    return app


def _register_blueprints(app: Huibian) -> None:
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.conference.routes import bp as conference_bp
    from app.main.routes import bp as main_bp
    from app.notifications.routes import bp as notifications_bp
    from app.proceedings.routes import bp as proceedings_bp
    from app.record.routes import bp as record_bp
    from app.review.routes import bp as review_bp
    from app.submissions import imports as _submission_imports  # noqa: F401  (routes of submissions_bp)
    from app.submissions import revisions as _submission_revisions  # noqa: F401  (routes of submissions_bp)
    from app.submissions.routes import bp as submissions_bp

    for blueprint in (main_bp, auth_bp, admin_bp, conference_bp, submissions_bp, record_bp,
                      review_bp, notifications_bp, proceedings_bp):
        app.register_blueprint(blueprint)
