"""In-app notifications (list, mark read) and the start of the mail sender."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.background import mail
from app.domain import notifications as notify
from app.extensions import db
from app.security import bounded_int
from app.web import ButtonForm, is_safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.before_app_request
def start_mail_sender():
    # Started by the first request rather than by create_app, so that
    # ``flask db upgrade`` and other commands never start a sender thread.
    mail.ensure_sender_started(current_app._get_current_object())


@bp.get("/")
@login_required
def index():
    page = request.args.get("page", 1, type=bounded_int)
    notifications, more = notify.inbox(current_user, page=page)
    return render_template("notifications/index.html", notifications=notifications, page=page, more=more,
                           button=ButtonForm())


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = notify.own_notification(current_user, notification_id)
    if notification is None:
        # Someone else's notification answers as one that does not exist.
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    notify.mark_read(notification)
    db.session.commit()
    return redirect(notification.link if is_safe_next(notification.link) else url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all():
    if ButtonForm().validate_on_submit():
        notify.mark_all_read(current_user)
        db.session.commit()
    return redirect(url_for("notifications.index"))
