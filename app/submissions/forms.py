"""The bureau's forms: the draft, the Word import and the attachment upload."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.domain.submissions.bodies.rendering import BODY_FORMATS
from app.domain.submissions.drafting import FIELD_LIMITS, MAX_ABSTRACT_CHARS, MAX_BODY_CHARS, DraftFields
from app.security import MAX_ID
from app.web import BaseForm


class LockedForm(BaseForm):
    """A form that changes the draft carries the lock version it was loaded with."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])


class DraftForm(LockedForm):
    title = StringField(_l("Title"), validators=[Length(max=FIELD_LIMITS["title"])])
    subtitle = StringField(_l("Subtitle"), validators=[Length(max=FIELD_LIMITS["subtitle"])])
    key_task_ids = SelectMultipleField(
        _l("Key tasks"), coerce=int, choices=[],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    speaker_name = StringField(_l("Speaker"), validators=[Length(max=FIELD_LIMITS["speaker_name"])])
    speaker_post = StringField(_l("Speaker's post"), validators=[Length(max=FIELD_LIMITS["speaker_post"])])
    planned_minutes = IntegerField(_l("Planned minutes"), validators=[Optional(), NumberRange(min=1, max=240)])
    abstract = TextAreaField(_l("Abstract"), validators=[Length(max=MAX_ABSTRACT_CHARS)])
    body = TextAreaField(_l("Body"), validators=[Length(
        max=MAX_BODY_CHARS, message=_l("The body may have at most %(max)d characters."))])
    # The editor sends HTML; without JavaScript the textarea takes HTML or
    # Markdown, which the Markdown reading renders alike.
    body_format = HiddenField(default="markdown", validators=[AnyOf(BODY_FORMATS)])

    def draft_fields(self) -> DraftFields:
        return DraftFields(
            title=self.title.data or "", subtitle=self.subtitle.data or "",
            key_task_ids=list(self.key_task_ids.data or []), abstract=self.abstract.data or "",
            body_source=self.body.data or "", body_format=self.body_format.data or "markdown", speaker_name=self.speaker_name.data or "",
            speaker_post=self.speaker_post.data or "", planned_minutes=self.planned_minutes.data,
        )


class ImportForm(LockedForm):
    document = FileField(_l("Document (Word .docx or .doc, WPS .wps, OpenDocument .odt, RTF)"),
                         validators=[FileRequired()])


class UploadForm(BaseForm):
    file = FileField(_l("File (PDF, Word, Excel, JPEG or PNG)"), validators=[FileRequired()])
