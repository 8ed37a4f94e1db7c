from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.domain.proceedings.order import MAX_COVER_NOTE, MAX_FOREWORD, MAX_REASON
from app.web import BaseForm, PlainSelect


class ExcludeForm(BaseForm):
    reason = StringField(_l("Reason for leaving it out"), validators=[DataRequired(), Length(max=MAX_REASON)])


class FrontMatterForm(BaseForm):
    cover_note = StringField(_l("Note on the title page"), validators=[Length(max=MAX_COVER_NOTE)])
    foreword = TextAreaField(_l("Editor's foreword (Markdown)"), validators=[Length(max=MAX_FOREWORD)])


# The schemes of app/domain/proceedings/typesetting/numbering.py, as the build form offers them.
NUMBERING_CHOICES = [
    ("none", _l("No numbers")), ("arabic", _l("1. 2. 3. through the book")),
    ("chinese", _l("一、二、三、 through the book")),
    ("per_section", _l("Per section: oral speeches and written materials each from 一")),
]


# The styles of app/domain/proceedings/typesetting/book.py BOOK_STYLES.
STYLE_CHOICES = [
    ("ministry", _l("Ministry compilation (汇编): Song, folios — n —, notes ①②")),
    ("western", _l("Western proceedings (English edition): Noto Serif, plain folios, notes 1 2")),
]


# The variants of app/domain/proceedings/typesetting/book.py PDF_VARIANTS.
PDF_VARIANT_CHOICES = [
    ("", _l("Plain PDF")),
    ("pdf/ua-1", _l("PDF/UA-1: tagged, reads aloud (screen readers)")),
    ("pdf/a-3u", _l("PDF/A-3u: for the archive (tagged as well)")),
]


class BuildForm(BaseForm):
    edition_date = DateField(_l("Date of the edition"), validators=[DataRequired()])
    piece_numbering = SelectField(_l("Numbering of the pieces"), default="none", choices=NUMBERING_CHOICES,
                                  widget=PlainSelect())
    book_style = SelectField(_l("Style of the book"), default="ministry", choices=STYLE_CHOICES,
                             widget=PlainSelect())
    pdf_variant = SelectField(_l("Kind of PDF"), default="", choices=PDF_VARIANT_CHOICES,
                              widget=PlainSelect())
    with_programme = BooleanField(_l("Print the programme of the oral session (发言顺序表) in the front matter"))

    def validate_with_programme(self, field) -> None:
        # WTForms takes any value but "false" as ticked: a ticked box sends "y", nothing else.
        if field.raw_data not in ([], ["y"]):
            raise ValidationError(_l("Tick the programme of the oral session, or leave it unticked."))
