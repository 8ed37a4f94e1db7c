"""The oral programme (发言顺序表): page, one-page PDF and Word table, for editors."""
from __future__ import annotations

from flask import make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.domain.proceedings.programme import programme_docx, programme_of, programme_pdf
from app.proceedings.routes import _conference, bp, editor_only

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, mimetype: str, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/programme")
@editor_only
def programme(slug: str):
    conference = _conference(slug)
    rows = programme_of(conference, actor=current_user)
    return render_template("proceedings/programme.html", conference=conference, rows=rows)


@bp.get("/<slug>/programme.pdf")
@editor_only
def programme_as_pdf(slug: str):
    from app.domain.proceedings.typesetting.fonts import MissingFontError

    conference = _conference(slug)
    rows = programme_of(conference, actor=current_user)
    try:
        data = programme_pdf(render_template("book/programme.html", conference=conference, rows=rows))
    except MissingFontError as missing:
        return _("The Chinese fonts are missing on the server; a build would fail.") + f" {missing}", 503
    return _download(data, "application/pdf", f"{conference.slug}-programme.pdf")


@bp.get("/<slug>/programme.docx")
@editor_only
def programme_as_docx(slug: str):
    conference = _conference(slug)
    rows = programme_of(conference, actor=current_user)
    return _download(programme_docx(conference, rows), DOCX_TYPE, f"{conference.slug}-programme.docx")
