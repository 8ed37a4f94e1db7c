"""A draft's revisions: read one, put one back (which is also how an import is undone)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.domain.errors import ConcurrentChange, DomainError
from app.domain.submissions import revisions
from app.extensions import db
from app.security import MAX_ID
from app.submissions.forms import LockedForm
from app.submissions.routes import bp, refused
from app.web import own_submission


@bp.get("/<int:submission_id>/revisions/<int:number>")
def revision(submission_id: int, number: int):
    submission = own_submission(submission_id)
    kept = revisions.revision_of(submission, _number(number))
    return render_template("submissions/revision.html", submission=submission, revision=kept,
                           form=LockedForm(formdata=None, lock_version=submission.lock_version))


@bp.post("/<int:submission_id>/revisions/<int:number>/restore")
def restore_revision(submission_id: int, number: int):
    submission = own_submission(submission_id)
    form = LockedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        restored = revisions.restore_revision(submission, _number(number), actor=current_user,
                                              loaded_version=form.lock_version.data)
        db.session.commit()
    except ConcurrentChange as error:
        db.session.rollback()
        flash(error.message + " " + _("Nothing was restored; look at the draft as it is now first."), "error")
        return redirect(url_for(".detail", submission_id=submission.id))
    except DomainError as error:
        return refused(submission, error)
    flash(_("Revision %(n)d is the draft again (kept as revision %(kept)d).",
            n=number, kept=restored.revision.number), "success")
    if restored.missing_pictures:
        flash(ngettext("%(num)d picture of that revision is no longer stored with the piece and was left out.",
                       "%(num)d pictures of that revision are no longer stored with the piece and were left out.",
                       restored.missing_pictures), "warning")
    return redirect(url_for(".detail", submission_id=submission.id))


def _number(number: int) -> int:
    if not 0 < number <= MAX_ID:
        abort(404)
    return number
