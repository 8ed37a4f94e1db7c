"""The home page of each role, the language switch, and the health check."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.domain.conference import home
from app.domain.permissions import can_follow_coverage, is_submitter
from app.extensions import db
from app.i18n import LANGUAGES
from app.main.health import NOT_CONFIGURED, OK, check_health
from app.web import is_safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home_page():
    if is_submitter(current_user):
        invitations = home.bureau_invitations(current_user, page=request.args.get("page", 1, type=int))
        return render_template("main/home_submitter.html", invitations=invitations.items, page=invitations)
    overview = home.ministry_overview(with_charts=can_follow_coverage(current_user),
                                      page=request.args.get("page", 1, type=int))
    return render_template("main/home_ministry.html", overview=overview)


# The endpoint every redirect after login points at.
bp.add_url_rule("/", endpoint="home", view_func=home_page)


@bp.post("/language/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.get("/healthz")
def health():
    """For a load balancer or monitor: 200 when every configured part answers, else 503 naming it."""
    parts = check_health(db.engine, current_app.config)
    healthy = all(state in {OK, NOT_CONFIGURED} for state in parts.values())
    # A cache between the monitor and the app must not answer "ok" for a part that is down.
    return jsonify(parts), 200 if healthy else 503, {"Cache-Control": "no-store"}
