"""Logging in and out, and one's own account."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import throttle
from app.auth.forms import ChangePasswordForm, LoginForm
from app.domain import accounts
from app.domain.audit import record_event
from app.domain.errors import DomainError
from app.domain.passwords import WeakPassword
from app.extensions import db, limiter
from app.web import ButtonForm, is_safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"], deduct_when=throttle.failed_login,
               error_message=throttle.address_limit_message, on_breach=throttle.audit_address_breach)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        if minutes := throttle.locked_minutes(form.username.data):
            flash(_("Too many failed logins for this account. It is locked for %(minutes)d more minutes; "
                    "try again later or ask an administrator.", minutes=minutes), "error")
            return render_template("auth/login.html", form=form), 429
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is None:
            locked = throttle.count_failure(form.username.data)
            accounts.record_login_failure(form.username.data, address=throttle.client_address(), locked=locked)
            db.session.commit()
            flash(_("Wrong username or password, or the account is disabled."), "error")
            return render_template("auth/login.html", form=form), 401
        record_event("login", actor=user, obj=user)
        db.session.commit()
        login_user(user)
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Rotating the token ends this session on every device it was copied to.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, current=form.current_password.data, new=form.new_password.data)
        except WeakPassword as error:
            form.new_password.errors.append(_(error.message))
        except DomainError as error:
            form.current_password.errors.append(_(error.message))
        else:
            db.session.commit()
            # The user itself, not the proxy: a proxy stored as the logged-in user
            # resolves to itself forever (a crash at the next look at current_user).
            login_user(current_user._get_current_object())  # keep this session, with the new token
            flash(_("Your password was changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, logout_form=ButtonForm())
