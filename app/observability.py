"""What the app tells its operators: one JSON log line a request, and audit rows for refusals and probes.

Logging is configured here (by ``create_app``): one JSON handler on the root
logger, and the app's own loggers (``app``, ``huibian``) at ``LOG_LEVEL``, so
that, among others, the mail written to the log when no ``MAIL_SERVER`` is
configured appears on standard error.
"""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, g, request

from app.domain.audit import record_security_event
from app.extensions import db

log = logging.getLogger("huibian.request")
APP_LOGGERS = ("app", "huibian")
_RECORD_FIELDS = set(vars(logging.makeLogRecord({})))


class JSONFormatter(logging.Formatter):
    """One line of JSON a record: message, logger, level, and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS and k != "message"})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(level: str) -> None:
    """One JSON handler on the root logger (once, however many apps are built); the app's loggers at ``level``."""
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(JSONFormatter())
        root.addHandler(handler)
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)


def init_observability(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])

    @app.before_request
    def start_clock():
        g.request_id = uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        user = g.get("_login_user")
        started = g.get("started")
        log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={
                "request_id": g.get("request_id"), "user_id": getattr(user, "id", None),
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "address": request.remote_addr,
            },
        )
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response


def note_probe(obj) -> None:
    """Remember that the 404 about to be raised hides an object that exists (another bureau's)."""
    g.probed = (type(obj).__name__, obj.id)


def audit_refusal(status: int, user) -> None:
    """Audit a 403, or a 404 that hid an existing object, in a transaction of its own.

    The request's own changes are rolled back first: a refused request
    leaves nothing behind but this row.
    """
    probed = g.pop("probed", None)
    if status == 404 and probed is None:
        return
    db.session.rollback()
    object_type, object_id = probed or ("request", None)
    record_security_event(
        "probe" if status == 404 else "refused",
        actor=user if user is not None and user.is_authenticated else None,
        object_type=object_type, object_id=object_id,
        detail={"method": request.method, "path": request.path[:300], "address": request.remote_addr},
    )
    db.session.commit()
