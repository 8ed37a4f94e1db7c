"""The record for editors and administrators: who did what, and mail that failed."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.domain import permissions
from app.domain.conference import record
from app.domain.conference.cells import csv_bytes
from app.domain.labels import audit_action_label, audit_state_label
from app.domain.errors import NotAllowed
from app.extensions import db
from app.i18n import current_lang
from app.models import Organisation, OutboxMail, User
from app.record.forms import RecordFilterForm
from app.web import ButtonForm

bp = Blueprint("record", __name__, url_prefix="/record")
bp.add_app_template_global(record.detail_text, "record_detail")


@bp.before_request
@login_required
def editors_and_administrators_only():
    if not permissions.can_read_record(current_user):
        abort(403)


def _filters(args) -> tuple[RecordFilterForm, record.RecordFilters]:
    form = RecordFilterForm(formdata=args)
    form.set_choices(
        people=db.session.scalars(sa.select(User).order_by(User.display_name, User.id)).all(),
        bureaus=db.session.scalars(
            sa.select(Organisation).where(Organisation.is_ministry.is_(False)).order_by(Organisation.code)).all(),
        actions=record.actions_recorded(), lang=current_lang(),
    )
    form.validate()
    # A hand-edited query string with a value not on offer is ignored, not an error page.
    value = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    return form, record.RecordFilters(
        actor_id=value["person"], organisation_id=value["bureau"], action=value["action"] or None,
        since=value["since"], until=value["until"], before_id=value["before"],
    )


@bp.get("/")
def events():
    form, filters = _filters(request.args)
    page = record.record_page(filters)
    query = {k: v for k, v in request.args.items() if k != "before"}
    return render_template("record/events.html", form=form, page=page, query=query)


@bp.get("/record.csv")
def events_csv():
    _form, filters = _filters(request.args)
    header = [_("Time (UTC)"), _("Person"), _("Username"), _("Bureau"), _("What"), _("Object"),
              _("Piece"), _("State before"), _("State after"), _("Details")]
    rows = ([
        row.event.created_at, row.actor.display_name if row.actor else "", row.actor.username if row.actor else "",
        row.organisation.name(current_lang()) if row.organisation else "", audit_action_label(row.event.action),
        f"{row.event.object_type} {row.event.object_id or ''}".strip(), row.submission_title or "",
        audit_state_label(row.event.from_state), audit_state_label(row.event.to_state), record.detail_text(row.event),
    ] for row in record.record_rows(filters))
    return Response(csv_bytes(header, rows), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="huibian-record.csv"',
    })


@bp.get("/failed-mail")
def failed_mail():
    return render_template("record/failed_mail.html", mails=record.failed_mail(), button=ButtonForm())


@bp.post("/failed-mail/<int:mail_id>/retry")
def retry_mail(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    if ButtonForm().validate_on_submit():
        try:
            record.retry_mail(mail, actor=current_user)
        except NotAllowed as refusal:
            flash(_(refusal.message), "error")
            return redirect(url_for("record.failed_mail"))
        db.session.commit()
        flash(_("The mail to %(address)s will be sent again.", address=mail.to_address), "success")
    return redirect(url_for("record.failed_mail"))
