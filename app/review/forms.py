"""Forms of the review area: the queue's filters, decisions, comments, assignment."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.domain.review.queue import SORTS
from app.domain.review.thread import MAX_COMMENT_CHARS
from app.models import ExchangeKind
from app.security import MAX_ID
from app.web import BaseForm, PlainSelect

SORT_LABELS = {
    "submitted_desc": _l("Newest submitted first"),
    "submitted_asc": _l("Oldest submitted first"),
    "organisation": _l("Bureau"),
}


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class QueueFilterForm(BaseForm):
    """Read from the query string: a filter is a link that can be shared."""

    class Meta:
        csrf = False

    q = StringField(_l("Search titles, texts, bureaus, speakers and posts"), validators=[Optional(), Length(max=200)])
    state = SelectField(_l("Status"), validators=[Optional()], widget=PlainSelect())
    kind = SelectField(_l("Kind"), validators=[Optional()], widget=PlainSelect())
    key_task = SelectField(_l("Key task"), coerce=_optional_int, validators=[Optional()], widget=PlainSelect())
    # Hundreds of bureaus: the template writes their options itself (``queue_context``),
    # WTForms would build and escape an object per option on every page.
    organisation = IntegerField(_l("Bureau"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    conference = SelectField(_l("Conference"), coerce=_optional_int, validators=[Optional()], widget=PlainSelect())
    mine = BooleanField(_l("Assigned to me only"))
    sort = SelectField(_l("Sort by"), choices=[(key, SORT_LABELS[key]) for key in SORTS], default="submitted_desc",
                       widget=PlainSelect())
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def set_choices(self, *, states, key_tasks, conferences, lang: str) -> None:
        from app.domain.labels import kind_label, state_label

        # Translated once here, not once per option drawn.
        every = _("All")
        self.state.choices = [("", every)] + [(s.value, state_label(s)) for s in states]
        self.kind.choices = [("", every)] + [(k.value, kind_label(k)) for k in ExchangeKind]
        self.key_task.choices = [(None, every)] + [(t.id, f"{t.number}. {t.title(lang)}") for t in key_tasks]
        self.conference.choices = [(None, every)] + [(c.id, c.title(lang)) for c in conferences]


DECISION_CHOICES = [
    ("approve", _l("Approve")),
    ("request_changes", _l("Request changes")),
    ("reject", _l("Reject")),
]


class DecisionForm(BaseForm):
    outcome = RadioField(_l("Decision"), choices=DECISION_CHOICES, validators=[InputRequired(_l("Choose a decision."))])
    comment = TextAreaField(
        _l("Comment to the bureau"), validators=[Length(max=MAX_COMMENT_CHARS)],
        description=_l("Required when you request changes or reject: the bureau reads it."),
    )
    version_seen = HiddenField()

    def validate_comment(self, field):
        if self.outcome.data in ("request_changes", "reject") and not (field.data or "").strip():
            raise ValidationError(_l("Please give a reason: the bureau will read it."))


class ReopenForm(BaseForm):
    reason = TextAreaField(
        _l("Why reopen it"), validators=[DataRequired(_l("Please give a reason: the bureau will read it.")),
                                         Length(max=MAX_COMMENT_CHARS)],
    )


class ReplacementForm(BaseForm):
    reason = TextAreaField(
        _l("What the replacement should do better"),
        validators=[DataRequired(_l("Please give a reason: the bureau will read it.")), Length(max=MAX_COMMENT_CHARS)],
    )


class CommentForm(BaseForm):
    text = TextAreaField(_l("Comment"), validators=[DataRequired(_l("The comment is empty.")),
                                                    Length(max=MAX_COMMENT_CHARS)])
    internal = BooleanField(_l("Internal note (ministry only, never shown to the bureau)"))
    next = HiddenField()


class AssignForm(BaseForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])


REMIND_SCOPES = ("one", "not_started", "draft", "overdue", "changes_requested")


class RemindForm(BaseForm):
    """Which bureaus to remind: one invitation, or every bureau in a filter of the coverage page."""

    scope = SelectField(choices=[(s, s) for s in REMIND_SCOPES], validators=[InputRequired()])
    invitation = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
