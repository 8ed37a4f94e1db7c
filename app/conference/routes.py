"""Conference set-up for editors: facts, key tasks, invitations, extensions, bureaus."""
from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.conference.forms import (
    ConferenceForm,
    ExtensionForm,
    InvitationEditForm,
    InvitationForm,
    KeyTaskForm,
    MailTemplateForm,
    OrganisationForm,
)
from app.domain.conference import mail_templates, setup
from app.domain.errors import DomainError
from app.domain.mail_templates import KINDS, TemplateRefused
from app.domain.permissions import can_manage_conference
from app.extensions import db
from app.models import Conference, ExchangeKind, Invitation, KeyTask, Organisation
from app.web import ButtonForm

bp = Blueprint("conference", __name__, url_prefix="/conference")


@bp.before_request
@login_required
def require_editor():
    if not can_manage_conference(current_user):
        abort(403)


def _conference(conference_id: int) -> Conference:
    return db.get_or_404(Conference, conference_id)


def _child(model, child_id: int, conference: Conference):
    """A key task or invitation of this conference; another conference's is not found here."""
    child = db.get_or_404(model, child_id)
    if child.conference_id != conference.id:
        abort(404)
    return child


def _refused(form, field_name: str, error: DomainError):
    getattr(form, field_name).errors.append(error.message)


# --- conferences -----------------------------------------------------------

@bp.get("/")
def settings():
    conferences = db.session.scalars(
        sa.select(Conference).options(selectinload(Conference.key_tasks), selectinload(Conference.invitations))
        .order_by(Conference.starts_on.desc())
    ).all()
    return render_template("conference/settings.html", conferences=conferences)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = ConferenceForm()
    if form.validate_on_submit():
        try:
            conference = setup.create_conference(actor=current_user, **form.facts())
        except DomainError as error:
            _refused(form, "slug", error)
        else:
            db.session.commit()
            flash(_("Conference created. Add its key tasks and invitations next."), "success")
            return redirect(url_for("conference.detail", conference_id=conference.id))
    return render_template("conference/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:conference_id>", methods=["GET", "POST"])
def detail(conference_id: int):
    conference = _conference(conference_id)
    form = ConferenceForm.for_conference(conference)
    if form.validate_on_submit():
        try:
            changes = setup.update_conference(conference, actor=current_user, **form.facts())
        except DomainError as error:
            _refused(form, "slug", error)
        else:
            db.session.commit()
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("conference.detail", conference_id=conference.id))
    return render_template("conference/detail.html", conference=conference, form=form), 422 if form.errors else 200


# --- key tasks -------------------------------------------------------------

@bp.route("/<int:conference_id>/key-tasks", methods=["GET", "POST"])
def key_tasks(conference_id: int):
    conference = _conference(conference_id)
    form = KeyTaskForm(number=max((t.number for t in conference.key_tasks), default=0) + 1)
    if form.validate_on_submit():
        try:
            setup.add_key_task(conference, number=form.number.data, title_zh=form.title_zh.data,
                               title_en=form.title_en.data, summary_en=form.summary_en.data or "", actor=current_user)
        except DomainError as error:
            _refused(form, "number", error)
        else:
            db.session.commit()
            flash(_("Key task added."), "success")
            return redirect(url_for("conference.key_tasks", conference_id=conference.id))
    return render_template("conference/key_tasks.html", conference=conference, form=form,
                           button=ButtonForm()), 422 if form.errors else 200


@bp.route("/<int:conference_id>/key-tasks/<int:task_id>", methods=["GET", "POST"])
def key_task_edit(conference_id: int, task_id: int):
    conference = _conference(conference_id)
    task = _child(KeyTask, task_id, conference)
    form = KeyTaskForm(obj=task)
    if form.validate_on_submit():
        try:
            setup.update_key_task(task, number=form.number.data, title_zh=form.title_zh.data,
                                  title_en=form.title_en.data, summary_en=form.summary_en.data or "", actor=current_user)
        except DomainError as error:
            _refused(form, "number", error)
        else:
            db.session.commit()
            flash(_("Key task saved."), "success")
            return redirect(url_for("conference.key_tasks", conference_id=conference.id))
    return render_template("conference/key_task_edit.html", conference=conference, task=task,
                           form=form), 422 if form.errors else 200


@bp.post("/<int:conference_id>/key-tasks/<int:task_id>/move/<any(up, down):direction>")
def key_task_move(conference_id: int, task_id: int, direction: str):
    conference = _conference(conference_id)
    task = _child(KeyTask, task_id, conference)
    if ButtonForm().validate_on_submit() and setup.move_key_task(task, -1 if direction == "up" else 1, actor=current_user):
        db.session.commit()
    return redirect(url_for("conference.key_tasks", conference_id=conference.id))


@bp.post("/<int:conference_id>/key-tasks/<int:task_id>/delete")
def key_task_delete(conference_id: int, task_id: int):
    conference = _conference(conference_id)
    task = _child(KeyTask, task_id, conference)
    if ButtonForm().validate_on_submit():
        try:
            setup.delete_key_task(task, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Key task deleted."), "success")
    return redirect(url_for("conference.key_tasks", conference_id=conference.id))


# --- invitations -----------------------------------------------------------

def _bureau_choices() -> list[tuple[int, str]]:
    bureaus = db.session.scalars(sa.select(Organisation).where(Organisation.is_ministry.is_(False)).order_by(Organisation.code))
    return [(o.id, f"{o.name_zh} / {o.name_en}") for o in bureaus]


def _due_at(form, conference: Conference, prefix: str = "due"):
    return setup.local_to_utc(form[f"{prefix}_date"].data, form[f"{prefix}_time"].data, conference.timezone)


@bp.route("/<int:conference_id>/invitations", methods=["GET", "POST"])
def invitations(conference_id: int):
    conference = _conference(conference_id)
    form = InvitationForm()
    form.organisation_id.choices = _bureau_choices()
    if form.validate_on_submit():
        try:
            setup.add_invitation(
                conference, organisation=db.session.get(Organisation, form.organisation_id.data),
                kind=ExchangeKind(form.kind.data), due_at=_due_at(form, conference),
                speaking_order=form.speaking_order.data, max_chars=form.max_chars.data,
                allow_past=form.allow_past.data, actor=current_user,
            )
        except setup.DueInPast as error:
            _refused(form, "due_date", error)
        except DomainError as error:
            _refused(form, "organisation_id", error)
        else:
            db.session.commit()
            flash(_("Invitation added."), "success")
            return redirect(url_for("conference.invitations", conference_id=conference.id))
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.conference_id == conference.id)
        .options(selectinload(Invitation.organisation), selectinload(Invitation.extensions))
        .order_by(Invitation.kind, Invitation.speaking_order, Invitation.id)
    ).all()
    return render_template("conference/invitations.html", conference=conference, invitations=rows,
                           form=form), 422 if form.errors else 200


@bp.route("/<int:conference_id>/invitations/<int:invitation_id>", methods=["GET", "POST"])
def invitation(conference_id: int, invitation_id: int):
    conference = _conference(conference_id)
    invitation = _child(Invitation, invitation_id, conference)
    local_due = setup.utc_to_local(invitation.due_at, conference.timezone)
    form = InvitationEditForm(due_date=local_due.date(), due_time=local_due.time(),
                              speaking_order=invitation.speaking_order, max_chars=invitation.max_chars)
    if form.validate_on_submit():
        try:
            setup.update_invitation(invitation, due_at=_due_at(form, conference),
                                    speaking_order=form.speaking_order.data, max_chars=form.max_chars.data,
                                    actor=current_user)
        except DomainError as error:
            _refused(form, "speaking_order", error)
        else:
            db.session.commit()
            flash(_("Invitation saved."), "success")
            return redirect(url_for("conference.invitation", conference_id=conference.id, invitation_id=invitation.id))
    return _invitation_page(conference, invitation, edit_form=form)


def _invitation_page(conference, invitation, *, edit_form, extension_form=None):
    """The invitation with its history; only the form that was posted shows errors."""
    extension_form = extension_form or ExtensionForm(formdata=None)
    status = 422 if edit_form.errors or extension_form.errors else 200
    return render_template("conference/invitation.html", conference=conference, invitation=invitation,
                           edit_form=edit_form, extension_form=extension_form, button=ButtonForm()), status


@bp.post("/<int:conference_id>/invitations/<int:invitation_id>/extensions")
def invitation_extend(conference_id: int, invitation_id: int):
    conference = _conference(conference_id)
    invitation = _child(Invitation, invitation_id, conference)
    form = ExtensionForm()
    if form.validate_on_submit():
        try:
            setup.grant_extension(invitation, new_due_at=_due_at(form, conference, "new_due"),
                                  reason=form.reason.data, actor=current_user)
        except DomainError as error:
            _refused(form, "new_due_date", error)
        else:
            db.session.commit()
            flash(_("Extension granted to %(org)s.", org=invitation.organisation.name_zh), "success")
            return redirect(url_for("conference.invitation", conference_id=conference.id, invitation_id=invitation.id))
    local_due = setup.utc_to_local(invitation.due_at, conference.timezone)
    edit_form = InvitationEditForm(formdata=None, due_date=local_due.date(), due_time=local_due.time(),
                                   speaking_order=invitation.speaking_order, max_chars=invitation.max_chars)
    return _invitation_page(conference, invitation, edit_form=edit_form, extension_form=form)


@bp.post("/<int:conference_id>/invitations/<int:invitation_id>/delete")
def invitation_delete(conference_id: int, invitation_id: int):
    conference = _conference(conference_id)
    invitation = _child(Invitation, invitation_id, conference)
    if ButtonForm().validate_on_submit():
        try:
            setup.delete_invitation(invitation, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("conference.invitation", conference_id=conference.id, invitation_id=invitation_id))
        db.session.commit()
        flash(_("Invitation deleted."), "success")
    return redirect(url_for("conference.invitations", conference_id=conference.id))


# --- mail templates --------------------------------------------------------

# Any other kind is not found by the router itself.
MAIL_KIND = f"<any({', '.join(KINDS)}):kind>"

@bp.get("/<int:conference_id>/mail-templates")
def mail_templates_list(conference_id: int):
    conference = _conference(conference_id)
    return render_template("conference/mail_templates.html", conference=conference,
                           entries=mail_templates.kinds_of(conference))


@bp.route(f"/<int:conference_id>/mail-templates/{MAIL_KIND}", methods=["GET", "POST"])
def mail_template_edit(conference_id: int, kind: str):
    conference = _conference(conference_id)
    form = MailTemplateForm(data=asdict(mail_templates.current_wording(conference, kind)))
    if form.is_submitted() and _mail_template_checked(form, kind) and "preview" not in request.form:
        mail_templates.save_template(conference, kind, form.wording(), actor=current_user)
        try:
            db.session.commit()
        except IntegrityError:  # another editor saved the first override of this kind a moment ago
            db.session.rollback()
            flash(_("Another editor saved this mail at the same moment; yours was not saved. Look at theirs, "
                    "then save again."), "error")
            return redirect(url_for("conference.mail_template_edit", conference_id=conference.id, kind=kind))
        flash(_("The wording of this mail is saved; the next ones sent use it."), "success")
        return redirect(url_for("conference.mail_template_edit", conference_id=conference.id, kind=kind))
    preview = None if form.errors else mail_templates.preview(conference, kind, form.wording(),
                                                              link=url_for("main.home", _external=True))
    return render_template("conference/mail_template_edit.html", conference=conference, kind=kind, form=form,
                           label=KINDS[kind].label, preview=preview, placeholders=mail_templates.placeholders_of(kind),
                           customised=mail_templates.override_of(conference, kind)), 422 if form.errors else 200


def _mail_template_checked(form: MailTemplateForm, kind: str) -> bool:
    """The form's checks and the domain's, every field's problem said at once."""
    valid = form.validate()
    try:
        mail_templates.check_wording(kind, form.wording())
    except TemplateRefused as refusal:
        for name, message in refusal.errors.items():
            if not form[name].errors:
                form[name].errors.append(message)
        return False
    return valid


@bp.post(f"/<int:conference_id>/mail-templates/{MAIL_KIND}/reset")
def mail_template_reset(conference_id: int, kind: str):
    conference = _conference(conference_id)
    if ButtonForm().validate_on_submit():
        if mail_templates.reset_template(conference, kind, actor=current_user):
            db.session.commit()
        flash(_("This mail is back to its built-in wording."), "success")
    return redirect(url_for("conference.mail_template_edit", conference_id=conference.id, kind=kind))


# --- organisations ---------------------------------------------------------

@bp.route("/organisations", methods=["GET", "POST"])
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = setup.add_organisation(code=form.code.data, name_zh=form.name_zh.data,
                                                  name_en=form.name_en.data, region_zh=form.region_zh.data or "",
                                                  actor=current_user)
        except DomainError as error:
            _refused(form, "code", error)
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=organisation.name_zh), "success")
            return redirect(url_for("conference.organisations"))
    rows = db.session.scalars(sa.select(Organisation).order_by(Organisation.is_ministry.desc(), Organisation.code)).all()
    return render_template("conference/organisations.html", organisations=rows, form=form), 422 if form.errors else 200
