"""What every request and response goes through: trusted addresses, hosts and links, hostile input, headers.

``create_app`` builds the app as a :class:`Huibian` and calls :func:`init_security`
before registering the blueprints (the bounded ``int`` converter must be in
place when their rules are added).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.config import ConfigError

# PostgreSQL's ``integer``: a larger id in a URL is a row that cannot exist,
# and binding it would fail in the database with a 500.
MAX_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class Huibian(Flask):
    """Flask, with every absolute link built from ``HUIBIAN_BASE_URL`` when it is set.

    Links in mail and notifications are built with ``url_for(..., _external=True)``
    during the request that causes them; without this, their host would be
    whatever the request's ``Host`` header said.
    """

    def create_url_adapter(self, request):
        adapter = super().create_url_adapter(request)
        base = self.config.get("HUIBIAN_BASE_URL")
        if not base:
            return adapter
        parts = urlsplit(base)
        script_name = parts.path.rstrip("/") + "/"
        if adapter is None:
            return self.url_map.bind(parts.netloc, script_name=script_name, url_scheme=parts.scheme)
        adapter.server_name = parts.netloc
        adapter.url_scheme = parts.scheme
        adapter.script_name = script_name
        return adapter


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches nothing past the database's integer range, so 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str) -> int:
    """For ``request.args.get(..., type=bounded_int)``: a number the database can hold."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError(value)
    return number


def init_security(app: Flask) -> None:
    if app.config["PRODUCTION"] and app.debug:
        raise ConfigError("Debug mode must not be on when HUIBIAN_ENV=production: the debugger runs any code.")
    # Only as many proxies as were configured may speak for the client: a
    # client's own X-Forwarded-For beyond them is ignored, so rotating it
    # cannot buy fresh login attempts.
    if app.config["PROXY_COUNT"] > 0:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_prefix=count)
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)


def refuse_nul_bytes():
    """A NUL byte is never text anybody typed; PostgreSQL refuses it in any string (a 500)."""
    fields = [*request.args.items(multi=True)]
    if request.method in {"POST", "PUT", "PATCH"}:
        fields += request.form.items(multi=True)
    if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in fields):
        abort(400, _("The request contained a NUL character, which no field accepts. Nothing was changed."))


def set_security_headers(response):
    headers = response.headers
    # A page gets the whole policy; a PDF shown inline keeps only the ban on
    # framing (Chromium's viewer lives in a document the page's policy would block).
    policy = CONTENT_SECURITY_POLICY if response.mimetype == "text/html" else "frame-ancestors 'none'"
    headers.setdefault("Content-Security-Policy", policy)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if _must_not_be_stored(response):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    if current_app.config["PRODUCTION"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _must_not_be_stored(response) -> bool:
    """Pages of a logged-in user and downloads stay out of every cache, shared or the browser's."""
    if request.endpoint == "static":
        return False
    downloaded = "attachment" in response.headers.get("Content-Disposition", "")
    return downloaded or bool(current_user and current_user.is_authenticated)
