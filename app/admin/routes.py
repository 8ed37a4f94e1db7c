"""Accounts, managed by editors and administrators."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.admin.forms import ROLE_CHOICES, AccountForm, ResetPasswordForm
from app.domain import accounts
from app.domain.errors import DomainError
from app.domain.passwords import WeakPassword
from app.domain.permissions import can_give_role, can_manage_account, can_manage_accounts
from app.extensions import db
from app.models import Organisation, Role, User
from app.web import ButtonForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_account_managers():
    if not can_manage_accounts(current_user):
        abort(403)


def _organisation_choices() -> list[tuple[int, str]]:
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.id))
    return [(0, "—")] + [(o.id, f"{o.name_zh} / {o.name_en}") for o in organisations]


@bp.get("/accounts")
def accounts_list():
    users = db.session.scalars(
        sa.select(User).options(sa.orm.selectinload(User.organisation)).order_by(User.role, User.username)
    ).all()
    return render_template("admin/accounts.html", users=users, form=AccountForm())


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    form = AccountForm()
    form.organisation_id.choices = _organisation_choices()
    form.role.choices = [(value, label) for value, label in ROLE_CHOICES if can_give_role(current_user, Role(value))]
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
        try:
            user = accounts.create_user(
                username=form.username.data, display_name=form.display_name.data, role=Role(form.role.data),
                password=form.password.data, organisation=organisation, email=form.email.data, actor=current_user,
            )
        except WeakPassword as error:
            form.password.errors.append(_(error.message))
        except DomainError as error:
            form.username.errors.append(_(error.message))
        else:
            db.session.commit()
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.account_detail", user_id=user.id))
    return render_template("admin/account_new.html", form=form), 200 if not form.errors else 422


def managed_account_or_403(user_id: int) -> User:
    """An account the current user may change: editors leave editors and administrators alone."""
    user = db.get_or_404(User, user_id)
    if not can_manage_account(current_user, user):
        abort(403)
    return user


@bp.get("/accounts/<int:user_id>")
def account_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template("admin/account_detail.html", user=user, reset_form=ResetPasswordForm(), button=ButtonForm())


@bp.post("/accounts/<int:user_id>/enabled/<any(on, off):switch>")
def account_set_enabled(user_id: int, switch: str):
    user = managed_account_or_403(user_id)
    if ButtonForm().validate_on_submit():
        accounts.set_enabled(user, switch == "on", actor=current_user)
        db.session.commit()
        flash(_("Account enabled.") if switch == "on" else _("Account disabled; its sessions have ended."), "success")
    return redirect(url_for("admin.account_detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/password")
def account_reset_password(user_id: int):
    user = managed_account_or_403(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("admin/account_detail.html", user=user, reset_form=form, button=ButtonForm()), 422
    try:
        accounts.reset_password(user, new=form.password.data, actor=current_user)
    except WeakPassword as error:
        form.password.errors.append(_(error.message))
        return render_template("admin/account_detail.html", user=user, reset_form=form, button=ButtonForm()), 422
    db.session.commit()
    flash(_("The password was reset and the account's sessions have ended."), "success")
    return redirect(url_for("admin.account_detail", user_id=user.id))
