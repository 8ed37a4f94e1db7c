"""The bureau's side of a submission: draft, import, attach, submit, withdraw, read versions.

Every route loads the submission for the current user or answers 404, so
another bureau's ids look exactly like ids that do not exist.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app.domain.audit import record_event
from app.domain.errors import DomainError
from app.domain.permissions import belongs_to_bureau, can_edit_submission
from app.domain.review.decisions import standing_request
from app.domain.submissions import attachments, drafting, import_runs, originals, revisions, storage
from app.domain.submissions.bodies.rendering import BODY_FORMATS, editor_html, render_body
from app.domain.submissions.comparison import compare_versions
from app.domain.submissions.limits import UploadPolicy
from app.domain.workflow import allowed_actions
from app.extensions import db
from app.models import Attachment, Invitation, Submission, SubmissionVersion, WordOriginal
from app.observability import note_probe
from app.security import bounded_int
from app.storage import file_store
from app.storage.downloads import download_response
from app.submissions.forms import DraftForm, ImportForm, UploadForm
from app.web import ButtonForm, own_submission, visible_submission

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@bp.before_request
@login_required
def require_login():
    """Every route here is for signed-in users; the loaders below decide the rest."""


def upload_policy() -> UploadPolicy:
    return UploadPolicy.from_config(current_app.config)


def _draft_form(submission: Submission, **kwargs) -> DraftForm:
    form = DraftForm(**kwargs)
    form.key_task_ids.choices = [(task.id, f"{task.number}. {task.title_zh} {task.title_en}")
                                 for task in submission.conference.key_tasks]
    return form


def _filled_draft_form(submission: Submission) -> DraftForm:
    return _draft_form(
        submission, formdata=None, title=submission.title, subtitle=submission.subtitle,
        key_task_ids=[task.id for task in submission.key_tasks], abstract=submission.abstract,
        body=editor_html(submission.body_source, submission.body_format), body_format="markdown",
        speaker_name=submission.speaker_name, speaker_post=submission.speaker_post,
        planned_minutes=submission.planned_minutes, lock_version=submission.lock_version,
    )


def render_detail(submission: Submission, *, form: DraftForm | None = None, status: int = 200):
    editable = can_edit_submission(current_user, submission)
    if editable and form is None:
        form = _filled_draft_form(submission)
    return render_template(
        "submissions/detail.html", submission=submission, editable=editable, form=form,
        import_form=ImportForm(formdata=None, lock_version=submission.lock_version),
        upload_form=UploadForm(formdata=None),
        button=ButtonForm(), actions=[a.value for a in allowed_actions(current_user, submission)],
        own=belongs_to_bureau(current_user, submission), word_original=_word_original_shown(submission),
        ministry_request=standing_request(submission) if belongs_to_bureau(current_user, submission) else None,
        body_pictures=attachments.body_pictures(submission) if editable else [],
        revisions=revisions.revisions_of(submission) if editable else [], max_revisions=revisions.MAX_REVISIONS,
        import_running=import_runs.running(
            submission, stale_after=import_runs.stale_after(current_app.config["IMPORT_TIME_LIMIT_SECONDS"]),
        ) if editable else None,
    ), status


def _word_original_shown(submission: Submission):
    """The bureau sees its draft's original; the ministry that of the latest version sent."""
    if belongs_to_bureau(current_user, submission):
        return originals.current_original(submission)
    return submission.latest_version.word_original if submission.latest_version else None


def refused(submission: Submission, error: DomainError, *, form: DraftForm | None = None):
    """Show the submission again with the reason an operation was refused; nothing was kept."""
    db.session.rollback()
    flash(error.message, "error")
    return render_detail(submission, form=form, status=error.http_status)


def tell_removed(change: drafting.BodyChange) -> None:
    if change.removed:
        flash(_("Removed from the body because Huibian does not allow it: %(items)s.",
                items="; ".join(change.removed)), "warning")


@bp.post("/start/<int:invitation_id>")
def start(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if ButtonForm().validate_on_submit():
        try:
            submission, created = drafting.start_submission(invitation, actor=current_user)
        except drafting.NotFound:
            note_probe(invitation)
            abort(404)
        db.session.commit()
        if created:
            flash(_("The submission was started. Save the draft as often as you like."), "success")
        return redirect(url_for(".detail", submission_id=submission.id))
    abort(400)


@bp.get("/<int:submission_id>")
def detail(submission_id: int):
    return render_detail(visible_submission(submission_id))


@bp.get("/<int:submission_id>/save")
def save_after_login(submission_id: int):
    # Logging in again after an expired session comes back here; the typed
    # text waits in the browser's storage and the page offers it again.
    return redirect(url_for(".detail", submission_id=own_submission(submission_id).id))


@bp.post("/<int:submission_id>/save")
def save(submission_id: int):
    submission = own_submission(submission_id)
    form = _draft_form(submission)
    if not form.validate_on_submit():
        flash(_("The draft was not saved: please correct the fields marked below."), "error")
        return render_detail(submission, form=form, status=422)
    then_submit = request.form.get("then") == "submit"
    try:
        change = drafting.save_draft(submission, form.draft_fields(), actor=current_user,
                                     loaded_version=form.lock_version.data)
        if then_submit:
            # What is on the screen is what is sent: saved and submitted in one transaction.
            db.session.commit()
            drafting.submit_submission(submission, actor=current_user)
        db.session.commit()
    except (drafting.StaleDraft, StaleDataError):
        return conflict(submission, form)
    except DomainError as error:
        if then_submit and submission.lock_version != form.lock_version.data:
            # Saved, but not submittable yet (a missing title, over the length limit…): say both.
            db.session.rollback()
            flash(_("Draft saved."), "success")
            flash(error.message, "error")
            return redirect(url_for(".detail", submission_id=submission.id))
        return refused(submission, error, form=form)
    tell_removed(change)
    if then_submit:
        flash(_("Submitted as version %(n)d. The ministry will review it.", n=submission.latest_version.number),
              "success")
    else:
        flash(_("Draft saved."), "success")
    return redirect(url_for(".detail", submission_id=submission.id))


def conflict(submission: Submission, form: DraftForm):
    """Both texts side by side: the user's, unsaved, and the one saved in the meantime."""
    db.session.rollback()
    mine = form.draft_fields()
    # Saving from this page again is a deliberate overwrite of what is saved now.
    form.lock_version.data = submission.lock_version
    form.lock_version.raw_data = [str(submission.lock_version)]
    return render_template("submissions/conflict.html", submission=submission, mine=mine, form=form), 409


@bp.post("/<int:submission_id>/preview")
def preview(submission_id: int):
    own_submission(submission_id)
    body = request.form.get("body", "")
    body_format = request.form.get("body_format", "markdown")
    if len(body) > drafting.MAX_BODY_CHARS:
        return jsonify(error=_("The body is too long to preview.")), 413
    if body_format not in BODY_FORMATS:
        return jsonify(error=_("The preview could not be made.")), 400
    rendered = render_body(body, source_format=body_format)
    return jsonify(html=rendered.html, removed=rendered.removed)


@bp.post("/<int:submission_id>/attachments")
def upload_attachment(submission_id: int):
    submission = own_submission(submission_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return render_detail(submission, status=422)
    try:
        attachment, created = attachments.add_attachment(
            submission, form.file.data.stream, form.file.data.filename or "", actor=current_user,
            store=file_store(), policy=upload_policy(),
        )
        db.session.commit()
    except DomainError as error:
        return refused(submission, error)
    if created:
        flash(_("%(name)s was attached.", name=attachment.display_name), "success")
    else:
        flash(_("This file is already attached as %(name)s.", name=attachment.display_name), "info")
    return redirect(url_for(".detail", submission_id=submission.id, _anchor="attachments"))


@bp.post("/<int:submission_id>/attachments/<int:attachment_id>/remove")
def remove_attachment(submission_id: int, attachment_id: int):
    submission = own_submission(submission_id)
    attachment = _attachment_of(submission, attachment_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        sha256 = attachments.remove_attachment(attachment, actor=current_user)
        db.session.commit()
    except DomainError as error:
        return refused(submission, error)
    attachments.discard_if_unreferenced(sha256, file_store())
    flash(_("%(name)s was removed.", name=attachment.display_name), "success")
    return redirect(url_for(".detail", submission_id=submission.id, _anchor="attachments"))


@bp.get("/<int:submission_id>/attachments/<int:attachment_id>")
def attachment_download(submission_id: int, attachment_id: int):
    submission = visible_submission(submission_id)
    attachment = _attachment_of(submission, attachment_id)
    if not attachments.may_download(current_user, submission, attachment.sha256):
        note_probe(attachment)
        abort(404)
    _record_download(attachment, attachment.sha256, attachment.display_name, submission=submission)
    return _send_stored_file(attachment.sha256, attachment.display_name, attachment.file_type)


@bp.get("/<int:submission_id>/originals/<int:original_id>")
def original_download(submission_id: int, original_id: int):
    """The Word file a body was imported from, under its uploaded name, for those who may read the piece."""
    submission = visible_submission(submission_id)
    original = db.get_or_404(WordOriginal, original_id)
    if not originals.may_download_original(current_user, submission, original):
        note_probe(original)
        abort(404)
    record_event("original_download", actor=current_user, obj=original, submission=submission,
                 detail={"sha256": original.sha256, "name": original.display_name})
    db.session.commit()
    return _send_stored_file(original.sha256, original.display_name, mimetype=originals.mime_type(original))


@login_required
def attachment_by_hash(sha256: str):
    """A stored file by its hash, for bodies that show images as ``/attachments/<sha256>``."""
    if not _SHA256.fullmatch(sha256):
        abort(404)
    found = attachments.file_for_user(current_user, sha256)
    if found is None:
        if existing := db.session.scalar(sa.select(Attachment).where(Attachment.sha256 == sha256).limit(1)):
            note_probe(existing)
        abort(404)
    # An image shown in a body is read, not downloaded: only files asked for are recorded.
    if request.headers.get("Sec-Fetch-Dest") != "image":
        _record_download(None, sha256, found[0])
    return _send_stored_file(sha256, *found)


def _record_download(attachment: Attachment | None, sha256: str, name: str, *, submission=None) -> None:
    record_event("attachment_download", actor=current_user, obj=attachment, submission=submission,
                 detail={"sha256": sha256, "name": name})
    db.session.commit()


@bp.record_once
def _mount_attachment_by_hash(state) -> None:
    # Bodies are printed as well as shown, so image URLs stay short and
    # independent of the submission: exactly /attachments/<sha256>.
    state.app.add_url_rule("/attachments/<sha256>", endpoint="submissions.attachment_by_hash",
                           view_func=attachment_by_hash)


def _attachment_of(submission: Submission, attachment_id: int) -> Attachment:
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.submission_id != submission.id:
        note_probe(attachment)
        abort(404)
    return attachment


def _send_stored_file(sha256: str, name: str, file_type: str = "", *, mimetype: str | None = None):
    return download_response(file_store(), storage.key_for(sha256), download_name=name,
                             mimetype=mimetype or attachments.mime_type(file_type), etag=sha256)


@bp.post("/<int:submission_id>/submit")
def submit(submission_id: int):
    submission = own_submission(submission_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        drafting.submit_submission(submission, actor=current_user)
        db.session.commit()
    except DomainError as error:
        return refused(submission, error)
    flash(_("Submitted as version %(n)d. The ministry will review it.", n=submission.latest_version.number), "success")
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/withdraw")
def withdraw(submission_id: int):
    submission = own_submission(submission_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        drafting.withdraw_submission(submission, actor=current_user)
        db.session.commit()
    except DomainError as error:
        return refused(submission, error)
    flash(_("The submission was withdrawn."), "success")
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/restart")
def restart(submission_id: int):
    submission = own_submission(submission_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        drafting.restart_submission(submission, actor=current_user)
        db.session.commit()
    except DomainError as error:
        return refused(submission, error)
    flash(_("The piece is a draft again: edit it and submit it before the due date."), "success")
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.get("/<int:submission_id>/versions/<int:number>")
def version(submission_id: int, number: int):
    submission = visible_submission(submission_id)
    snapshot = _version_of(submission, number)
    return render_template("submissions/version.html", submission=submission, version=snapshot)


@bp.get("/<int:submission_id>/diff")
def diff(submission_id: int):
    submission = visible_submission(submission_id)
    if len(submission.versions) < 2:
        return render_template("submissions/diff.html", submission=submission, comparison=None)
    latest = submission.latest_version.number
    old = _version_of(submission, request.args.get("old", latest - 1, type=bounded_int))
    new = _version_of(submission, request.args.get("new", latest, type=bounded_int))
    return render_template("submissions/diff.html", submission=submission, comparison=compare_versions(old, new))


def _version_of(submission: Submission, number: int) -> SubmissionVersion:
    snapshot = next((v for v in submission.versions if v.number == number), None)
    if snapshot is None:
        abort(404)
    return snapshot
