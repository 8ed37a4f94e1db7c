"""Forms of the conference set-up pages.

Lengths follow the columns, so that an over-long value is a form error and
never a database error.
"""
from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.domain.conference.setup import is_valid_timezone
from app.domain.labels import CONFERENCE_STATE_LABELS, KIND_LABELS
from app.domain.mail_templates import FIELDS, Wording
from app.models import ConferenceState
from app.models.mail_templates import BODY_MAX, SUBJECT_MAX
from app.web import BaseForm

STATE_CHOICES = [(state.value, label) for state, label in CONFERENCE_STATE_LABELS.items()]
KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
DEFAULT_DUE_TIME = time(18, 0)


def _text(label, max_length, required=True):
    checks = [DataRequired(), Length(max=max_length)] if required else [Optional(), Length(max=max_length)]
    return StringField(label, validators=checks, filters=[lambda v: v.strip() if isinstance(v, str) else v])


class ConferenceForm(BaseForm):
    slug = StringField(
        _l("Short name (in addresses)"),
        validators=[DataRequired(), Length(max=64),
                    Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and dashes only."))],
    )
    title_zh = _text(_l("Title (Chinese)"), 200)
    title_en = _text(_l("Title (English)"), 200)
    organiser_zh = _text(_l("Organiser (Chinese)"), 200)
    organiser_en = _text(_l("Organiser (English)"), 200)
    city_zh = _text(_l("City (Chinese)"), 100)
    city_en = _text(_l("City (English)"), 100)
    starts_on = DateField(_l("First day"), validators=[DataRequired(message=_l("Enter a date such as 2024-01-23."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(message=_l("Enter a date such as 2024-01-24."))])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)])
    state = SelectField(_l("State"), choices=STATE_CHOICES, default=ConferenceState.PREPARING.value)
    review_restricted_to_assigned = BooleanField(_l("Only assigned reviewers may decide"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot come before the first day."))

    def validate_timezone(self, field):
        if not is_valid_timezone((field.data or "").strip()):
            raise ValidationError(_l("Not a time zone we know; use a name such as Asia/Shanghai."))

    @classmethod
    def for_conference(cls, conference):
        """The form filled from the conference (the state as its value, which the select knows)."""
        data = {name: getattr(conference, name) for name in _PLAIN_FACTS + ("timezone",)}
        return cls(data=data | {"state": conference.state.value})

    def facts(self) -> dict:
        data = {name: getattr(self, name).data for name in _PLAIN_FACTS}
        data["timezone"] = self.timezone.data.strip()
        data["state"] = ConferenceState(self.state.data)
        return data


_PLAIN_FACTS = (
    "slug", "title_zh", "title_en", "organiser_zh", "organiser_en", "city_zh", "city_en",
    "starts_on", "ends_on", "review_restricted_to_assigned",
)


class KeyTaskForm(BaseForm):
    number = IntegerField(_l("Number"), validators=[DataRequired(message=_l("Give the key task a number from 1.")),
                                                     NumberRange(min=1, max=999)])
    title_zh = _text(_l("Title (Chinese)"), 200)
    title_en = _text(_l("Title (English)"), 300)
    summary_en = TextAreaField(_l("Summary (English, optional)"), validators=[Optional(), Length(max=5000)])


class _DueForm(BaseForm):
    due_date = DateField(_l("Due date"), validators=[DataRequired(message=_l("Enter a date such as 2024-01-10."))])
    due_time = TimeField(_l("Due time"), default=DEFAULT_DUE_TIME,
                         validators=[DataRequired(message=_l("Enter a time such as 18:00."))])
    speaking_order = IntegerField(_l("Place in the speaking order (oral speeches)"),
                                  validators=[Optional(), NumberRange(min=1, max=999)])
    max_chars = IntegerField(_l("Length limit in characters (optional)"), validators=[
        Optional(), NumberRange(min=100, max=500_000, message=_l("Give a limit between 100 and 500,000 characters."))])


class InvitationForm(_DueForm):
    organisation_id = SelectField(_l("Bureau"), coerce=int, choices=[])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    allow_past = BooleanField(_l("The due date is already past: invite anyway"))


class InvitationEditForm(_DueForm):
    """Corrects the invitation itself; a bureau's later deadline is an extension."""


class ExtensionForm(BaseForm):
    new_due_date = DateField(_l("New due date"), validators=[DataRequired(message=_l("Enter a date such as 2024-01-20."))])
    new_due_time = TimeField(_l("New due time"), default=DEFAULT_DUE_TIME,
                             validators=[DataRequired(message=_l("Enter a time such as 18:00."))])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Say why the extension is granted.")), Length(max=2000)])


class OrganisationForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64),
                    Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and dashes only."))],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    name_zh = _text(_l("Name (Chinese)"), 200)
    name_en = _text(_l("Name (English)"), 200)
    region_zh = _text(_l("Region (Chinese, optional)"), 100, required=False)


class MailTemplateForm(BaseForm):
    """A conference's wording of one kind of mail; the domain checks placeholders and lengths."""

    subject_zh = StringField(_l("Subject (Chinese)"), render_kw={"maxlength": SUBJECT_MAX})
    subject_en = StringField(_l("Subject (English)"), render_kw={"maxlength": SUBJECT_MAX})
    body_zh = TextAreaField(_l("Text (Chinese)"), render_kw={"maxlength": BODY_MAX, "rows": 10})
    body_en = TextAreaField(_l("Text (English)"), render_kw={"maxlength": BODY_MAX, "rows": 10})

    def wording(self) -> Wording:
        # A browser sends CRLF line breaks; the mail is written with LF.
        return Wording(*((getattr(self, name).data or "").replace("\r\n", "\n") for name in FIELDS))
