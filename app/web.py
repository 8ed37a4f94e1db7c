"""What the views of every blueprint share: load-or-404, a safe ``next``, the button form.

One rule for loading: a submission the user may not see answers 404,
exactly like one that does not exist, so another bureau's work never leaks.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.widgets import Select

from app.domain.permissions import belongs_to_bureau, can_see_submission
from app.extensions import db
from app.models import Submission, User
from app.observability import note_probe


def submission_or_404(submission_id: int, *, may: Callable[[User, Submission], bool]) -> Submission:
    """The submission, if ``may(current_user, submission)``; otherwise 404."""
    submission = db.get_or_404(Submission, submission_id)
    if not may(current_user, submission):
        note_probe(submission)
        abort(404)
    return submission


def visible_submission(submission_id: int) -> Submission:
    """A submission the user may read: its own bureau's, or one sent to the ministry."""
    return submission_or_404(submission_id, may=can_see_submission)


def own_submission(submission_id: int) -> Submission:
    """A submission of the user's own bureau, whatever its state."""
    return submission_or_404(submission_id, may=belongs_to_bureau)


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and not any(
        ord(c) < 32 for c in target
    )


# C0 and C1 controls, DEL and the Unicode line separators: in a title or a
# name they break mail headers, CSV rows and the layout of the printed book.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SINGLE_LINE_MESSAGE = _l("This field takes one line of text: line breaks and control characters are not allowed.")


def is_single_line(field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, (TextAreaField, HiddenField))


class PlainSelect(Select):
    """WTForms' select with each plain option written as one string.

    The same markup (``<option selected value="…">``); WTForms builds,
    sorts and escapes a dict of attributes per option (and translates a lazy
    label), most of the cost of the queue's filter form and the editors'
    build form, drawn on every page that shows them.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature at every select drawn, for overrides of the
        # pre-3.3 form; this one is of the current form.
        return cls.render_option


class BaseForm(FlaskForm):
    """Every form of the site: a single-line field refuses control characters with a clear message."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if is_single_line(field) and isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
                field.errors.append(SINGLE_LINE_MESSAGE)
                valid = False
        return valid


class ButtonForm(BaseForm):
    """An empty form: a POST button that carries only the CSRF token."""
