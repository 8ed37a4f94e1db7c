"""Importing a Word document into a draft, and telling a reloaded page that it is still working."""
from __future__ import annotations

from flask import current_app, flash, jsonify, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import DomainError
from app.domain.submissions import attachments, drafting, import_runs
from app.extensions import db
from app.storage import file_store
from app.submissions.forms import ImportForm
from app.submissions.routes import bp, refused, render_detail, tell_removed, upload_policy
from app.web import own_submission


@bp.post("/<int:submission_id>/import")
def import_document(submission_id: int):
    submission = own_submission(submission_id)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a document (.docx, .doc, .wps, .odt or .rtf) to import."), "error")
        return render_detail(submission, status=422)
    upload = form.document.data
    # Committed before the conversion, so that a reload (on any host) shows the import working.
    import_runs.begin(submission, attachments.display_name(upload.filename or ""), actor=current_user)
    db.session.commit()
    try:
        change = drafting.import_word(
            submission, upload.read(), upload.filename or "", actor=current_user,
            loaded_version=form.lock_version.data, store=file_store(),
            policy=upload_policy(), max_concurrent=current_app.config["MAX_CONCURRENT_IMPORTS"],
            time_limit=current_app.config["IMPORT_TIME_LIMIT_SECONDS"],
        )
        import_runs.end(submission.id)
        db.session.commit()
    except (drafting.StaleDraft, StaleDataError):
        _import_ended(submission.id)
        return refused(submission, drafting.StaleDraft())
    except drafting.ImportsBusy as error:
        _import_ended(submission.id)
        response = make_response(refused(submission, error))
        response.retry_after = error.retry_after
        return response
    except DomainError as error:
        _import_ended(submission.id)
        return refused(submission, error)
    except Exception:
        _import_ended(submission.id)
        raise
    for sha256 in change.discarded:
        attachments.discard_if_unreferenced(sha256, file_store())
    flash(ngettext("The Word document was imported into the body (%(num)d image). Check it, then save or submit.",
                   "The Word document was imported into the body (%(num)d images). Check it, then save or submit.",
                   change.image_count), "success")
    for message in change.messages:
        flash(message, "warning")
    tell_removed(change)
    return redirect(url_for(".detail", submission_id=submission.id))


def _import_ended(submission_id: int) -> None:
    db.session.rollback()
    import_runs.end(submission_id)
    db.session.commit()


@bp.get("/<int:submission_id>/import-status")
def import_status(submission_id: int):
    """For the page of a draft whose import is under way: poll until it ends."""
    run = import_runs.running(own_submission(submission_id), stale_after=import_runs.stale_after(current_app.config["IMPORT_TIME_LIMIT_SECONDS"]))
    return jsonify(running=run is not None)
