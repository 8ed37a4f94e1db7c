"""Proceedings: the editors' page (order, front matter, editions) and piece previews."""
from __future__ import annotations

from functools import wraps
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from flask_login import current_user, login_required

from app.background import builds as jobs
from app.domain.audit import record_event
from app.domain.permissions import can_build_proceedings
from app.domain.proceedings import editions, published, word_files
from app.domain.proceedings import order as proceedings_order
from app.domain.proceedings.editor_list import pieces_to_order
from app.domain.proceedings.preflight import preflight
from app.domain.proceedings.previews import (
    can_preview_draft,
    can_preview_version,
    preview_file_name,
    preview_pdf,
    preview_policy,
)
from app.extensions import db
from app.models import Conference, EditionStatus, ProceedingsEdition, Submission, SubmissionVersion
from app.proceedings.forms import (
    NUMBERING_CHOICES,
    PDF_VARIANT_CHOICES,
    STYLE_CHOICES,
    BuildForm,
    ExcludeForm,
    FrontMatterForm,
)
from app.proceedings.status import progress_text, status_payload
from app.security import MAX_ID
from app.storage import file_store
from app.storage.downloads import download_response
from app.web import ButtonForm, submission_or_404

bp = Blueprint("proceedings", __name__, url_prefix="/proceedings")
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Bureaus without an approved piece named before the build; the rest are counted, the coverage page lists them.
MISSING_SHOWN = 20
bp.add_app_template_global(progress_text, "edition_progress_text")
# The submissions page includes submissions/_pdf_preview_link.html, which asks these.
bp.add_app_template_global(can_preview_draft)
bp.add_app_template_global(can_preview_version)


def editor_only(view):
    """Editors only; everybody else, bureaus included, is refused outright."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_build_proceedings(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _conference(slug: str) -> Conference:
    return db.first_or_404(sa.select(Conference).where(Conference.slug == slug))


def _piece(conference: Conference, submission_id: int) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    if submission.conference_id != conference.id:
        abort(404)
    return submission


def _edition(conference: Conference, number: int) -> ProceedingsEdition:
    found = editions.edition_by_number(conference, number)
    if found is None:
        abort(404)
    return found


def _abandon_stale_builds(conference: Conference, among: list[ProceedingsEdition] | None = None) -> None:
    """A build whose process is gone (a restart, a kill) shows as failed, not as building for ever."""
    abandoned = editions.abandon_stale_builds(conference, among=among,
                                              heartbeat_interval=jobs.heartbeat_interval(current_app.config))
    if abandoned:
        db.session.commit()
    for edition in abandoned:
        jobs.discard_partial_files(edition, Path(current_app.config["EDITIONS_DIR"]))


def _back(conference: Conference):
    # Back to the page of the list the editor was on (the positions form says which).
    page = request.form.get("page", type=int) or request.args.get("page", type=int)
    return redirect(url_for("proceedings.editor", slug=conference.slug, page=page if page and page > 1 else None))


@bp.get("/")
@editor_only
def index():
    conferences = db.session.scalars(sa.select(Conference).order_by(Conference.starts_on.desc())).all()
    if len(conferences) == 1:
        return redirect(url_for("proceedings.editor", slug=conferences[0].slug))
    return render_template("proceedings/conferences.html", conferences=conferences)


@bp.get("/<slug>/")
@editor_only
def editor(slug: str):
    conference = _conference(slug)
    every_edition = editions.editions_of(conference)   # read once: for the stale builds, the preflight and the table
    _abandon_stale_builds(conference, among=every_edition)
    return _editor_page(conference, every_edition=every_edition)


def _editor_page(conference: Conference, build_form: BuildForm | None = None,
                 every_edition: list[ProceedingsEdition] | None = None):
    pieces = pieces_to_order(conference, request.args.get("page", 1, type=int))
    every_edition = editions.editions_of(conference) if every_edition is None else every_edition
    warnings = preflight(conference, store=file_store(), missing_shown=MISSING_SHOWN, listed=pieces,
                         editions=every_edition)
    return render_template(
        "proceedings/editor.html", conference=conference, pieces=pieces,
        warnings=warnings, missing_total=warnings.missing_total, missing_shown=MISSING_SHOWN,
        editions=every_edition, preview_base=_preview_base(),
        front_form=FrontMatterForm(cover_note=conference.proceedings_cover_note,
                                   foreword=conference.proceedings_foreword),
        build_form=build_form or BuildForm(edition_date=editions.today_for(conference)),
    )


def _preview_base() -> str:
    """Where the previews of versions start: each row of the editors' list adds ``<id>/v<number>.pdf``
    (one ``url_for`` a page, not one a row)."""
    return url_for("proceedings.preview_version", submission_id=0, number=0).removesuffix("0/v0.pdf")


@bp.post("/<slug>/pieces/<int:submission_id>/move/<any(up, down):direction>")
@editor_only
def move(slug: str, submission_id: int, direction: str):
    conference = _conference(slug)
    submission = _piece(conference, submission_id)
    if ButtonForm().validate_on_submit():
        proceedings_order.move(submission, direction, actor=current_user)
        db.session.commit()
    return _back(conference)


@bp.post("/<slug>/positions")
@editor_only
def positions(slug: str):
    """The one form of the pieces list (no form in a row, so that 180 pieces stay
    under 100 KB): Up, Down and Leave out name their piece (``up=<id>``,
    ``out=<id>`` with the reason box of its section); Save sends every position typed in."""
    for direction in ("up", "down"):
        if direction in request.form:
            return move(slug, _piece_id(request.form[direction]), direction)
    conference = _conference(slug)
    if "out" in request.form:
        submission = _piece(conference, _piece_id(request.form["out"]))
        reason = request.form.get(f"reason-{submission.kind.value}", "")
        return _leave_out(conference, submission, ExcludeForm(
            formdata=MultiDict({"reason": reason, "csrf_token": request.form.get("csrf_token", "")})))
    if ButtonForm().validate_on_submit():
        try:
            wished = {int(key.removeprefix("position-")): int(value)
                      for key, value in request.form.items() if key.startswith("position-") and value.strip()}
        except ValueError:
            flash(_("Positions are whole numbers."), "error")
            return _back(conference)
        proceedings_order.set_positions(conference, wished, actor=current_user)
        db.session.commit()
        flash(_("The order was saved."), "success")
    return _back(conference)


def _piece_id(value: str) -> int:
    # ASCII digits within the id column's range: "²" is a digit to str.isdigit, and
    # 2147483648 is past PostgreSQL's integer (a database error, not a refusal).
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        abort(400)
    return int(value)


@bp.post("/<slug>/pieces/<int:submission_id>/exclude")
@editor_only
def exclude(slug: str, submission_id: int):
    conference = _conference(slug)
    return _leave_out(conference, _piece(conference, submission_id), ExcludeForm())


def _leave_out(conference: Conference, submission: Submission, form: ExcludeForm):
    if not form.validate_on_submit():
        flash(_("Please say why the piece is left out."), "error")
        return _back(conference)
    proceedings_order.exclude(submission, form.reason.data, actor=current_user)
    db.session.commit()
    flash(_("“%(title)s” is left out of the next editions.", title=submission.title), "success")
    return _back(conference)


@bp.post("/<slug>/pieces/<int:submission_id>/include")
@editor_only
def include(slug: str, submission_id: int):
    conference = _conference(slug)
    submission = _piece(conference, submission_id)
    if ButtonForm().validate_on_submit():
        proceedings_order.include(submission, actor=current_user)
        db.session.commit()
        flash(_("“%(title)s” is back in the proceedings.", title=submission.title), "success")
    return _back(conference)


@bp.post("/<slug>/front-matter")
@editor_only
def front_matter(slug: str):
    conference = _conference(slug)
    form = FrontMatterForm()
    if not form.validate_on_submit():
        flash(_("The front matter is too long; nothing was saved."), "error")
        return _back(conference)
    rendered = proceedings_order.update_front_matter(
        conference, cover_note=form.cover_note.data, foreword=form.foreword.data, actor=current_user)
    db.session.commit()
    flash(_("The front matter was saved."), "success")
    if rendered.removed:
        flash(_("Removed from the foreword: %(what)s", what="; ".join(rendered.removed)), "warning")
    return _back(conference)


@bp.post("/<slug>/editions")
@editor_only
def build(slug: str):
    conference = _conference(slug)
    form = BuildForm()
    if not form.validate_on_submit():
        if form.book_style.errors:   # a style the book does not know: the form again, saying so
            flash(_("Choose the style of the book: ministry compilation or Western proceedings."), "error")
            return _editor_page(conference, build_form=form), 422
        if form.with_programme.errors:
            flash(_("Tick the programme of the oral session, or leave it unticked."), "error")
            return _editor_page(conference, build_form=form), 422
        if form.pdf_variant.errors:   # a kind of PDF the builder does not make
            flash(_("Choose the kind of PDF: plain, PDF/UA-1 (accessible) or PDF/A-3u (archival)."), "error")
            return _editor_page(conference, build_form=form), 422
        flash(_("Please give the date of the edition."), "error")
        return _back(conference)
    edition = editions.create_edition(conference, actor=current_user, edition_date=form.edition_date.data,
                                      heartbeat_interval=jobs.heartbeat_interval(current_app.config),
                                      piece_numbering=form.piece_numbering.data,
                                      book_style=form.book_style.data, pdf_variant=form.pdf_variant.data,
                                      with_programme=form.with_programme.data)
    db.session.commit()
    jobs.enqueue_build(edition.id)
    flash(_("Edition %(n)d is being built.", n=edition.number), "success")
    return redirect(url_for("proceedings.edition", slug=slug, number=edition.number))


@bp.get("/<slug>/editions/<int:number>")
@editor_only
def edition(slug: str, number: int):
    conference = _conference(slug)
    _abandon_stale_builds(conference)
    return render_template("proceedings/edition.html", conference=conference,
                           edition=_edition(conference, number), button=ButtonForm(),
                           numbering_labels=dict(NUMBERING_CHOICES), style_labels=dict(STYLE_CHOICES),
                           pdf_variant_labels=dict(PDF_VARIANT_CHOICES))


@bp.get("/<slug>/editions/<int:number>/status")
@editor_only
def edition_status(slug: str, number: int):
    conference = _conference(slug)
    _abandon_stale_builds(conference)
    response = jsonify(status_payload(_edition(conference, number)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/editions/<int:number>/download")
@editor_only
def download(slug: str, number: int):
    conference = _conference(slug)
    return _send_edition(_edition(conference, number), conference)


@bp.get("/<slug>/editions/<int:number>/download.docx")
@editor_only
def download_docx(slug: str, number: int):
    conference = _conference(slug)
    return _send_docx(_edition(conference, number), conference)


@bp.get("/published")
@login_required
def published_index():
    return render_template("proceedings/published.html", groups=published.published_for(current_user))


@bp.get("/published/<slug>/<int:number>.pdf")
@login_required
def published_download(slug: str, number: int):
    found = published.published_edition(current_user, slug, number)
    if found is None:
        abort(404)
    return _send_edition(*found)


@bp.get("/published/<slug>/<int:number>.docx")
@login_required
def published_download_docx(slug: str, number: int):
    found = published.published_edition(current_user, slug, number)
    if found is None:
        abort(404)
    return _send_docx(*found)


def _send_docx(edition: ProceedingsEdition, conference: Conference):
    store = file_store()
    key = word_files.edition_docx(edition, store=store)
    if key is None:
        abort(404)
    record_event("edition_download", actor=current_user, obj=edition,
                 detail={"number": edition.number, "conference": conference.slug, "format": "docx"})
    db.session.commit()
    return download_response(store, key, mimetype=DOCX_MIMETYPE, etag=True,
                             download_name=word_files.download_name(editions.download_name(edition, conference)))


def _send_edition(edition: ProceedingsEdition, conference: Conference):
    key = editions.edition_key(edition)
    store = file_store()
    if edition.status is not EditionStatus.DONE or key is None or not store.exists(key):
        abort(404)
    record_event("edition_download", actor=current_user, obj=edition,
                 detail={"number": edition.number, "conference": conference.slug})
    db.session.commit()
    return download_response(store, key, download_name=editions.download_name(edition, conference),
                             mimetype="application/pdf", etag=edition.sha256 or True)


@bp.post("/<slug>/editions/<int:number>/publish")
@editor_only
def publish(slug: str, number: int):
    conference = _conference(slug)
    found = _edition(conference, number)
    if ButtonForm().validate_on_submit():
        editions.publish_edition(found, actor=current_user)
        db.session.commit()
        flash(_("Edition %(n)d is published.", n=found.number), "success")
    return redirect(url_for("proceedings.edition", slug=slug, number=number))


@bp.post("/<slug>/editions/<int:number>/delete")
@editor_only
def delete(slug: str, number: int):
    conference = _conference(slug)
    found = _edition(conference, number)
    if ButtonForm().validate_on_submit():
        docx = word_files.docx_key(found)  # the Word file kept beside the PDF, if made
        key = editions.delete_edition(found, actor=current_user)
        db.session.commit()
        store = file_store()
        for stored in (key, docx):
            if stored is not None:
                store.delete(stored)
        flash(_("Edition %(n)d was deleted.", n=number), "success")
    return _back(conference)


@bp.get("/preview/<int:submission_id>/draft.pdf")
@login_required
def preview_draft(submission_id: int):
    submission = submission_or_404(submission_id, may=can_preview_draft)
    return _pdf(preview_pdf(submission, None, **_preview_settings()), preview_file_name(submission, None))


@bp.get("/preview/<int:submission_id>/v<int:number>.pdf")
@login_required
def preview_version(submission_id: int, number: int):
    submission = submission_or_404(submission_id, may=can_preview_version)
    version = db.first_or_404(sa.select(SubmissionVersion).where(
        SubmissionVersion.submission_id == submission.id, SubmissionVersion.number == number))
    return _pdf(preview_pdf(submission, version, **_preview_settings()), preview_file_name(submission, version))


def _preview_settings() -> dict:
    return {"store": file_store(),
            "cache_dir": Path(current_app.config["EDITIONS_DIR"]) / ".previews",
            "viewer": current_user, "policy": preview_policy(current_app.config)}


def _pdf(data: bytes, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    # A draft changes under its author's hands: never serve a stale preview.
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The oral programme's routes live in their own module on this blueprint.
from app.proceedings import programme as _programme  # noqa: E402,F401
