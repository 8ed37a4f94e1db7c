"""Mail that did not go out: a page for editors and administrators."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.domain import outbox
from app.domain.errors import DomainError
from app.extensions import db
from app.models import OutboxMail
from app.web import ButtonForm

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.before_request
@login_required
def require_mail_followers():
    if not outbox.can_follow_mail(current_user):
        abort(403)


@bp.get("/")
def index():
    return render_template("outbox/index.html", mails=outbox.undelivered_mail(), button=ButtonForm())


@bp.post("/<int:mail_id>/send-again")
def send_again(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        outbox.send_again(mail, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("The mail to %(to)s is queued again.", to=mail.to_address), "success")
    return redirect(url_for(".index"))
