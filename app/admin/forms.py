from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from app.domain.labels import ROLE_LABELS
from app.web import BaseForm

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


class AccountForm(BaseForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=80), Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only."))],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail (for notifications)"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    organisation_id = SelectField(_l("Bureau (submitters only)"), coerce=int, choices=[])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=10, max=500)])


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=500)])
