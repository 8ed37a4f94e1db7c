"""The ministry's side: the queue, the review page, decisions, comments, assignment."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.background import archives as archive_jobs
from app.domain import permissions
from app.domain.audit import record_event
from app.domain.conference import archive, reminders
from app.domain.errors import ConcurrentChange, DomainError, Forbidden, NotAllowed
from app.domain.review import decisions, thread
from app.domain.workflow import Action
from app.extensions import db
from app.models import ArchiveStatus, Conference, PiecesArchive, User
from app.review import pages
from app.storage import file_store
from app.storage.downloads import download_response
from app.review.forms import AssignForm, CommentForm, DecisionForm, RemindForm, ReopenForm, ReplacementForm
from app.templating import localized
from app.web import ButtonForm, is_safe_next, visible_submission

bp = Blueprint("review", __name__, url_prefix="/review")
# templates/review/_thread.html is included by the bureau's pages too.
bp.add_app_template_global(pages.thread_view, "review_thread")
bp.add_app_template_global(pages.attachment_url, "review_attachment_url")
bp.add_app_template_global(pages.page_url, "review_page_url")

# The comment thread is shared with the bureau's pages; everything else is the ministry's.
OPEN_TO_BUREAUS = {"review.comment"}


@bp.before_request
@login_required
def ministry_only():
    if request.endpoint not in OPEN_TO_BUREAUS and not permissions.can_open_review_pages(current_user):
        abort(403)


@bp.get("/")
def queue():
    return render_template("review/queue.html", **pages.queue_context(request.args, viewer=current_user))


@bp.get("/<int:submission_id>")
def detail(submission_id: int):
    submission = visible_submission(submission_id)
    return render_template("review/detail.html", **pages.detail_context(submission, request.args, viewer=current_user))


@bp.post("/<int:submission_id>/decide")
def decide(submission_id: int):
    submission = visible_submission(submission_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return pages.render_detail(submission, 422, viewer=current_user, decision_form=form)
    try:
        decisions.decide(submission, Action(form.outcome.data), actor=current_user, comment=form.comment.data,
                      version_seen=pages.int_or_none(form.version_seen.data))
        db.session.commit()
    except (ConcurrentChange, NotAllowed) as refusal:
        return pages.render_refused_decision(submission_id, refusal, viewer=current_user)
    flash(_("Your decision was recorded and the bureau has been told."), "success")
    return redirect(url_for("review.detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/reopen")
def reopen(submission_id: int):
    submission = visible_submission(submission_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return pages.render_detail(submission, 422, viewer=current_user, reopen_form=form)
    try:
        decisions.reopen(submission, actor=current_user, reason=form.reason.data)
        db.session.commit()
    except (ConcurrentChange, NotAllowed) as refusal:
        return pages.render_refused_decision(submission_id, refusal, viewer=current_user)
    flash(_("The piece was reopened; the bureau can correct it and submit again."), "success")
    return redirect(url_for("review.detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/replacement")
def ask_for_replacement(submission_id: int):
    submission = visible_submission(submission_id)
    form = ReplacementForm()
    if not form.validate_on_submit():
        return pages.render_detail(submission, 422, viewer=current_user, replacement_form=form)
    try:
        decisions.ask_for_replacement(submission, actor=current_user, reason=form.reason.data)
        db.session.commit()
    except (ConcurrentChange, NotAllowed) as refusal:
        return pages.render_refused_decision(submission_id, refusal, viewer=current_user)
    flash(_("The bureau is asked for a replacement; this piece stays on record."), "success")
    return redirect(url_for("review.detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/comments")
def comment(submission_id: int):
    submission = visible_submission(submission_id)
    form = CommentForm()
    back = form.next.data if is_safe_next(form.next.data) else pages.thread_home(submission, current_user)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        thread.add_comment(submission, form.text.data, actor=current_user, internal=form.internal.data)
    except Forbidden:
        raise  # answered by the error page (403), not as a form message
    except DomainError as refusal:
        flash(refusal.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("Internal note added.") if form.internal.data else _("Comment added."), "success")
    return redirect(back)


@bp.post("/<int:submission_id>/assign")
def assign(submission_id: int):
    submission = visible_submission(submission_id)
    form = AssignForm()
    form.reviewer_id.choices = [(u.id, u.display_name) for u in decisions.reviewers()]
    if not form.validate_on_submit():
        return pages.render_detail(submission, 422, viewer=current_user, assign_form=form)
    decisions.assign_reviewer(submission, db.session.get(User, form.reviewer_id.data), actor=current_user)
    db.session.commit()
    flash(_("Reviewer assigned."), "success")
    return redirect(url_for("review.detail", submission_id=submission.id))


@bp.post("/<int:submission_id>/unassign/<int:user_id>")
def unassign(submission_id: int, user_id: int):
    submission = visible_submission(submission_id)
    reviewer = db.get_or_404(User, user_id)
    if ButtonForm().validate_on_submit():
        decisions.unassign_reviewer(submission, reviewer, actor=current_user)
        db.session.commit()
        flash(_("Assignment removed."), "success")
    return redirect(url_for("review.detail", submission_id=submission.id))


@bp.post("/conference/<int:conference_id>/restriction/<any(on, off):switch>")
def restriction(conference_id: int, switch: str):
    conference = db.get_or_404(Conference, conference_id)
    if ButtonForm().validate_on_submit():
        decisions.restrict_to_assigned(conference, switch == "on", actor=current_user)
        db.session.commit()
        flash(_("Only assigned reviewers and editors may now decide.") if switch == "on"
              else _("Any reviewer may now decide."), "success")
    return redirect(url_for("review.queue"))


@bp.get("/coverage")
def coverage():
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    return render_template("review/coverage.html", **pages.coverage_context(request.args))


@bp.get("/coverage.csv")
def coverage_csv():
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    return pages.coverage_csv_response(request.args)


@bp.get("/coverage/pieces.<any(xlsx, csv):file_format>")
def pieces_export(file_format: str):
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    return pages.export_response(request.args, file_format)


@bp.post("/coverage/archive/<int:conference_id>")
def request_archive(conference_id: int):
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    conference = db.get_or_404(Conference, conference_id)
    if ButtonForm().validate_on_submit():
        try:
            made = archive.request_archive(conference, actor=current_user)
        except DomainError as refusal:
            flash(_(refusal.message), "error")
            return redirect(url_for("review.coverage", conference=conference.id))
        db.session.commit()
        archive_jobs.enqueue_archive(made.id)
        flash(_("The zip of the approved pieces is being made; reload this page to follow it."), "success")
    return redirect(url_for("review.coverage", conference=conference.id))


@bp.get("/coverage/<int:conference_id>/remind")
def remind_preview(conference_id: int):
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    conference = db.get_or_404(Conference, conference_id)
    form = RemindForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        abort(404)
    return render_template("review/remind.html", **pages.remind_preview_context(conference, form))


@bp.post("/coverage/<int:conference_id>/remind")
def remind(conference_id: int):
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    conference = db.get_or_404(Conference, conference_id)
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_("Choose the bureaus to remind again."), "error")
        return redirect(url_for("review.coverage", conference=conference.id))
    rows = reminders.targets(conference, scope=form.scope.data, invitation_id=form.invitation.data)
    done = reminders.send(rows, actor=current_user)
    db.session.commit()
    flash(_("Reminded %(n)d bureaus.", n=len(done.reminded)), "success")
    if done.skipped:
        names = "、".join(localized(i.organisation, "name") for i in done.skipped)
        flash(_("Not reminded, no one to notify: %(names)s", names=names), "error")
    return redirect(url_for("review.coverage", conference=conference.id))


@bp.get("/coverage/archive/<int:archive_id>.zip")
def download_archive(archive_id: int):
    if not permissions.can_follow_coverage(current_user):
        abort(403)
    found = db.get_or_404(PiecesArchive, archive_id)
    key = archive.archive_key(found)
    store = file_store()
    if found.status is not ArchiveStatus.DONE or key is None or not store.exists(key):
        abort(404)
    record_event("archive_download", actor=current_user, obj=found, detail={"sha256": found.sha256})
    db.session.commit()
    return download_response(store, key, download_name=found.file_name, mimetype="application/zip",
                             etag=found.sha256 or True)
