"""What the review templates are given: the context of each page, built from the domain.

Kept out of routes.py so that each view still reads as one sentence.
"""
from __future__ import annotations

from functools import lru_cache, partial

import sqlalchemy as sa
from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.domain import permissions
from app.domain.conference import reminders
from app.domain.conference.archive import latest_archive
from app.domain.conference.exports import conference_export, export_csv, export_xlsx
from app.domain.dates import local_time
from app.domain.labels import (
    KIND_LABELS,
    OUTCOME_LABELS,
    coverage_status_label,
    outcome_label,
    state_label,
)
from app.domain.review import decisions, thread
from app.domain.review.coverage import STATUSES, coverage_csv, coverage_page
from app.domain.review.queue import QueueFilters, bureau_choices, review_queue
from app.domain.submissions.comparison import compare_versions
from app.domain.workflow import DECISION_ACTIONS, Action, allowed_actions
from app.extensions import db
from app.i18n import current_lang
from app.models import Conference, ExchangeKind, KeyTask, Submission, SubmissionState, User
from app.review.forms import AssignForm, CommentForm, DecisionForm, QueueFilterForm, ReopenForm, ReplacementForm
from app.web import ButtonForm


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the queue ---------------------------------------------------------------

# Keys that narrow the queue; sorting and paging alone leave the default in place.
FILTER_KEYS = ("q", "state", "kind", "key_task", "organisation", "conference", "mine")


def queue_context(args, *, viewer: User) -> dict:
    if not any(key in args for key in FILTER_KEYS):
        # Reviewers come to the queue for what awaits them; "All" (state=) shows every piece.
        args = args.copy()
        args["state"] = SubmissionState.SUBMITTED.value
    form = QueueFilterForm(formdata=args)
    conferences = db.session.scalars(sa.select(Conference).order_by(Conference.starts_on.desc())).all()
    key_tasks = db.session.scalars(sa.select(KeyTask).order_by(KeyTask.conference_id, KeyTask.number)).all()
    form.set_choices(
        states=[s for s in SubmissionState if s is not SubmissionState.DRAFT],
        key_tasks=key_tasks, conferences=conferences, lang=current_lang(),
    )
    form.validate()
    # A hand-edited query string with a value that is not on offer is ignored, not an error page.
    value = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    filters = QueueFilters(
        state=SubmissionState(value["state"]) if value["state"] else None,
        kind=ExchangeKind(value["kind"]) if value["kind"] else None,
        key_task_id=value["key_task"], organisation_id=value["organisation"], conference_id=value["conference"],
        text=value["q"] or "", assigned_to_me=bool(value["mine"]), sort=value["sort"] or "submitted_desc",
        page=value["page"] or 1,
    )
    page = review_queue(filters, viewer=viewer, lang=current_lang(), key_tasks=key_tasks)
    # The conference chosen, else the newest: its bureaus are the few a reviewer picks among.
    scope = filters.conference_id or (conferences[0].id if conferences else None)
    bureaus = bureau_choices(scope, selected=filters.organisation_id, lang=current_lang())
    return {"form": form, "page": page, "filters": filters, "conferences": conferences, "button": ButtonForm(),
            "bureaus": bureaus, "detail_url": _url_with_id("review.detail", "submission_id")}


# Larger than any id (the ids are 32-bit integers), so that it cannot be mistaken for one.
_ID_MARK = 2 ** 40


def _url_with_id(endpoint: str, key: str) -> tuple[str, str]:
    """``endpoint``'s URL as what comes before and after the id: one ``url_for`` a page, not one a row."""
    before, after = url_for(endpoint, **{key: _ID_MARK}).split(str(_ID_MARK))
    return before, after


def page_url(args, page: int, **overrides) -> str:
    """The queue with the same filters on another page (or with ``overrides``)."""
    query = {k: v for k, v in args.items() if k != "page"} | overrides
    return url_for("review.queue", page=page, **query)


# --- the review page -----------------------------------------------------------

def detail_context(submission: Submission, args, *, viewer: User, **forms) -> dict:
    versions = submission.versions
    latest = versions[-1]
    by_number = {v.number: v for v in versions}
    shown = by_number.get(int_or_none(args.get("version")), latest)
    compare_with = by_number.get(int_or_none(args.get("compare")))
    if compare_with is None and shown.number > 1 and "compare" not in args:
        compare_with = by_number.get(shown.number - 1)
    allowed = allowed_actions(viewer, submission)
    may_decide = any(a in DECISION_ACTIONS for a in allowed)
    context = {
        "submission": submission, "versions": versions, "shown": shown, "latest": latest,
        "compare_with": compare_with, "comparison": compare_versions(compare_with, shown) if compare_with else None,
        "may_decide": may_decide, "may_reopen": Action.REOPEN in allowed,
        "decision_form": forms.get("decision_form") or (DecisionForm(version_seen=latest.number) if may_decide else None),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "may_ask_replacement": Action.REQUEST_REPLACEMENT in allowed,
        "replacement_form": forms.get("replacement_form") or ReplacementForm(),
        "assignments": decisions.assignments_of(submission),
        "assign_form": forms.get("assign_form") or _assign_form(viewer),
        "latest_decision": decisions.latest_decision(submission),
        "button": ButtonForm(), "refusal": forms.get("refusal"),
    }
    return context


def _assign_form(viewer: User) -> AssignForm | None:
    if not permissions.can_assign_reviewers(viewer):
        return None
    form = AssignForm()
    form.reviewer_id.choices = [(u.id, u.display_name) for u in decisions.reviewers()]
    return form


def render_detail(submission: Submission, status: int, *, viewer: User, **forms):
    context = detail_context(submission, request.args, viewer=viewer, **forms)
    return render_template("review/detail.html", **context), status


def render_refused_decision(submission_id: int, refusal, *, viewer: User):
    """Tell the reviewer who decided first, on the page as it now stands (409)."""
    db.session.rollback()
    submission = db.session.get(Submission, submission_id)
    message = refusal.message
    decision = decisions.latest_decision(submission)
    # A piece back in "submitted" was not decided by someone else: it is a new version.
    if decision is not None and submission.state is not SubmissionState.SUBMITTED:
        message += " " + _(
            "It now stands as %(state)s: %(outcome)s by %(name)s on %(when)s.",
            state=state_label(submission.state), outcome=outcome_label(decision.outcome),
            name=decision.decided_by.display_name, when=_local(decision.decided_at, submission),
        )
    return render_detail(submission, 409, viewer=viewer, refusal=message)


def _local(moment, submission: Submission) -> str:
    return local_time(moment, submission.conference.timezone)


# --- shared with the bureau's pages ---------------------------------------------

def thread_view(submission: Submission, viewer: User) -> dict:
    """What ``templates/review/_thread.html`` shows ``viewer``: the safe thread and the form."""
    return {
        "entries": thread.thread_for(submission, viewer),
        "may_comment": permissions.can_comment(viewer, submission),
        "may_note": permissions.can_write_internal_note(viewer, submission),
        "form": CommentForm(formdata=None),
    }


def thread_home(submission: Submission, viewer: User) -> str:
    """Where a comment form returns to when it did not say: the page the viewer reads the piece on."""
    if permissions.is_ministry(viewer):
        return url_for("review.detail", submission_id=submission.id)
    return _bureau_page(submission) or url_for("main.home")


def _bureau_page(submission: Submission) -> str | None:
    try:
        return url_for("submissions.detail", submission_id=submission.id)
    except BuildError:
        return None


def attachment_url(submission: Submission, sha256: str) -> str | None:
    """The file as the version recorded it, served by the bureau side's ``/attachments/<sha256>``."""
    try:
        return url_for("submissions.attachment_by_hash", sha256=sha256)
    except BuildError:
        return None


# --- coverage ---------------------------------------------------------------------

def _conference(args, conferences: list[Conference] | None = None) -> Conference | None:
    chosen = int_or_none(args.get("conference"))
    if chosen:
        # Found among ``conferences`` (the session's identity map) when they are loaded already.
        return db.session.get(Conference, chosen)
    if conferences is not None:
        return conferences[0] if conferences else None
    return db.session.scalar(sa.select(Conference).order_by(Conference.starts_on.desc()).limit(1))


def status_labels() -> dict[str, str]:
    return {status: coverage_status_label(status) for status in STATUSES}


def coverage_context(args) -> dict:
    conferences = db.session.scalars(sa.select(Conference).order_by(Conference.starts_on.desc())).all()
    conference = _conference(args, conferences)
    report = coverage_page(conference, page=args.get("page", 1, type=int), lang=current_lang()) if conference else None
    return {
        "report": report, "conferences": conferences,
        "statuses": STATUSES, "status_labels": status_labels(),
        "archive": latest_archive(conference) if conference else None, "button": ButtonForm(),
        "remind_filters": remind_filter_labels(),
        # What every row repeats, made once a page: the due dates (a handful shared by the rows),
        # the stem of the link to remind one bureau.
        "due_time": lru_cache(maxsize=None)(partial(local_time, tz=conference.timezone)) if conference else None,
        "remind_one": url_for("review.remind_preview", conference_id=conference.id, scope="one") if conference else "",
    }


def remind_filter_labels() -> dict[str, str]:
    return {"not_started": _("Remind all not started"), "draft": _("Remind all drafts"),
            "overdue": _("Remind all overdue"), "changes_requested": _("Remind all awaiting resubmission")}


def remind_preview_context(conference: Conference, form) -> dict:
    """The bureaus a reminder would go to, each with the message it would read."""
    rows = reminders.targets(conference, scope=form.scope.data, invitation_id=form.invitation.data)
    # The query string chose the bureaus; the POST that sends carries the session's CSRF token.
    return {"conference": conference, "form": form, "rows": rows, "button": ButtonForm(),
            "messages": {row.invitation.id: reminders.message(row.invitation) for row in rows}}


def coverage_csv_response(args) -> Response:
    conference = _conference(args)
    if conference is None:
        abort(404)
    headers = [_("Bureau (Chinese)"), _("Bureau (English)"), _("Kind"), _("Due"), _("Overdue"), _("Title")]
    data = coverage_csv(conference, status_labels=status_labels(), headers=headers)
    return Response(data, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="coverage-{conference.slug}.csv"',
    })


# --- the office's spreadsheet -----------------------------------------------------

def _export_labels(conference: Conference) -> dict:
    zone = conference.timezone
    return {
        "columns": [
            _("Bureau (Chinese)"), _("Bureau (English)"), _("Kind"), _("Key tasks"), _("Title"), _("Speaker"),
            _("Speaker's post"), _("Status"), _("Due (%(zone)s)", zone=zone), _("Submitted (%(zone)s)", zone=zone),
            _("Decided (%(zone)s)", zone=zone), _("Decision"), _("Decision comment"), _("Reviewers"),
            _("Versions"), _("Characters"),
        ],
        "count_columns": [_("No."), _("Key task (Chinese)"), _("Key task (English)")],
        "sheets": [_("Pieces"), _("By key task")],
        "kinds": {kind.value: str(label) for kind, label in KIND_LABELS.items()},
        "statuses": status_labels(),
        "outcomes": {outcome.value: str(label) for outcome, label in OUTCOME_LABELS.items()},
    }


def export_response(args, file_format: str) -> Response:
    """The office's spreadsheet of the chosen conference, as .xlsx or CSV."""
    conference = _conference(args)
    if conference is None:
        abort(404)
    export = conference_export(conference)
    labels = _export_labels(conference)
    if file_format == "xlsx":
        data, mimetype = export_xlsx(export, labels=labels), XLSX_MIMETYPE
    else:
        data, mimetype = export_csv(export, labels=labels), "text/csv; charset=utf-8"
    return Response(data, headers={
        "Content-Type": mimetype,
        "Content-Disposition": f'attachment; filename="pieces-{conference.slug}.{file_format}"',
    })


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
