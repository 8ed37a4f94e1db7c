"""The record's filter: read from the query string, so that a filtered view is a link."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import Optional

from app.domain.labels import audit_action_label
from app.review.forms import _optional_int


class RecordFilterForm(FlaskForm):
    class Meta:
        csrf = False

    person = SelectField(_l("Person"), coerce=_optional_int, validators=[Optional()])
    bureau = SelectField(_l("Bureau"), coerce=_optional_int, validators=[Optional()])
    action = SelectField(_l("What"), validators=[Optional()])
    since = DateField(_l("From (UTC)"), validators=[Optional()])
    until = DateField(_l("To (UTC)"), validators=[Optional()])
    before = IntegerField(validators=[Optional()])

    def set_choices(self, *, people, bureaus, actions, lang: str) -> None:
        everything = (None, _l("All"))
        self.person.choices = [everything] + [(u.id, f"{u.display_name} ({u.username})") for u in people]
        self.bureau.choices = [everything] + [(o.id, o.name(lang)) for o in bureaus]
        named = sorted(((a, audit_action_label(a)) for a in actions), key=lambda choice: choice[1])
        self.action.choices = [("", _l("All"))] + named
