"""The one table of human names: states, kinds, roles, actions, decisions, compared fields.

Every page, message and export takes its words from here, through gettext,
so both languages say the same thing everywhere.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from app.models import ConferenceState, DecisionOutcome, ExchangeKind, Role, SubmissionState

STATE_LABELS = {
    SubmissionState.DRAFT: _l("draft"),
    SubmissionState.SUBMITTED: _l("submitted"),
    SubmissionState.CHANGES_REQUESTED: _l("changes requested"),
    SubmissionState.APPROVED: _l("approved"),
    SubmissionState.REJECTED: _l("rejected"),
    SubmissionState.WITHDRAWN: _l("withdrawn"),
    SubmissionState.SUPERSEDED: _l("replaced"),
}
CONFERENCE_STATE_LABELS = {
    ConferenceState.PREPARING: _l("in preparation"),
    ConferenceState.OPEN: _l("open for submissions"),
    ConferenceState.CLOSED: _l("closed"),
    ConferenceState.PUBLISHED: _l("published"),
}
# Coverage counts invitations, and an invitation nobody has answered has no state yet.
NOT_STARTED_LABEL = _l("not started")
KIND_LABELS = {
    ExchangeKind.ORAL: _l("oral exchange speech"),
    ExchangeKind.WRITTEN: _l("written exchange"),
}
ROLE_LABELS = {
    Role.SUBMITTER: _l("provincial submitter"),
    Role.REVIEWER: _l("ministry reviewer"),
    Role.EDITOR: _l("editor"),
    Role.ADMIN: _l("administrator"),
}
# The verb of each workflow action, for refusals ("You cannot approve …"), keyed by
# ``Action.value`` so that this table needs nothing from the workflow.
ACTION_LABELS = {
    "submit": _l("submit"), "resubmit": _l("resubmit"), "request_changes": _l("request changes on"),
    "approve": _l("approve"), "reject": _l("reject"), "withdraw": _l("withdraw"), "reopen": _l("reopen"),
    "restart": _l("start again"), "request_replacement": _l("ask for a replacement of"),
}
# What a decision did, as the thread and the review page report it.
OUTCOME_LABELS = {
    DecisionOutcome.APPROVE: _l("approved"), DecisionOutcome.REQUEST_CHANGES: _l("requested changes"),
    DecisionOutcome.REJECT: _l("rejected"), DecisionOutcome.REOPEN: _l("reopened"),
}
# The fields of a version, as a comparison names them.
FIELD_LABELS = {
    "title": _l("Title"), "subtitle": _l("Subtitle"), "speaker_name": _l("Speaker"),
    "speaker_post": _l("Speaker's post"), "planned_minutes": _l("Planned minutes"),
    "abstract": _l("Abstract"), "key_tasks": _l("Key tasks"), "attachments": _l("Attachments"),
}

# What each kind of audit event records, for the record page, its filter and its export;
# keyed by the action name the code writes (``record_event``, ``record_security_event``).
AUDIT_ACTION_LABELS = {
    # the workflow (``Action`` values)
    "submit": _l("piece submitted"), "resubmit": _l("piece sent again"),
    "request_changes": _l("piece returned for changes"), "approve": _l("piece approved"),
    "reject": _l("piece not accepted"), "withdraw": _l("piece withdrawn"), "reopen": _l("decision reopened"),
    "restart": _l("piece started again"), "request_replacement": _l("replacement piece asked for"),
    # the bureau's work on a piece
    "create": _l("piece started"), "save": _l("draft saved"), "import": _l("Word document imported"),
    "restore_revision": _l("earlier draft put back"),
    "upload": _l("file attached"), "remove": _l("attached file removed"),
    "attachment_download": _l("attached file downloaded"), "original_download": _l("Word original downloaded"),
    # review
    "comment": _l("comment to the bureau"), "note": _l("internal note"),
    "assign_reviewer": _l("reviewer assigned"), "unassign_reviewer": _l("reviewer unassigned"),
    "restrict_review": _l("decisions limited to assigned reviewers"),
    "open_review": _l("decisions opened to every reviewer"),
    # setting up the conference, invitations and reminders
    "create_conference": _l("conference created"), "update_conference": _l("conference changed"),
    "add_key_task": _l("key task added"), "update_key_task": _l("key task changed"),
    "move_key_task": _l("key task moved"), "delete_key_task": _l("key task deleted"),
    "add_organisation": _l("bureau added"), "add_invitation": _l("bureau invited"),
    "update_invitation": _l("invitation changed"), "delete_invitation": _l("invitation deleted"),
    "grant_extension": _l("due date extended"), "remind": _l("reminder sent"),
    "mail_template_save": _l("mail wording changed"), "mail_template_reset": _l("mail wording reset"),
    # the office's files and the book
    "archive_request": _l("zip of approved pieces asked for"), "archive_built": _l("zip of approved pieces made"),
    "archive_failed": _l("zip of approved pieces failed"),
    "archive_download": _l("zip of approved pieces downloaded"),
    "edition_create": _l("edition asked for"), "edition_built": _l("edition built"),
    "edition_failed": _l("edition build failed"), "edition_delete": _l("edition deleted"),
    "edition_publish": _l("edition published"), "edition_download": _l("edition downloaded"),
    "proceedings_move": _l("order in the book changed"), "proceedings_exclude": _l("piece left out of the book"),
    "proceedings_include": _l("piece put back into the book"),
    "proceedings_front_matter": _l("front matter of the book changed"),
    # accounts, mail and security
    "login": _l("signed in"), "login_failed": _l("sign-in failed"),
    "login_throttled": _l("sign-ins from an address paused"), "account_locked": _l("account locked"),
    "create_account": _l("account created"), "enable_account": _l("account enabled"),
    "disable_account": _l("account disabled"), "change_password": _l("password changed"),
    "reset_password": _l("password reset"), "mail_retry": _l("failed mail sent again"),
    "refused": _l("access refused"), "probe": _l("someone else's object asked for"),
}


def _label(table: dict, member_type: type[enum.Enum], value) -> str:
    return str(table[member_type(value) if not isinstance(value, member_type) else value])


def state_label(state: SubmissionState | str) -> str:
    return _label(STATE_LABELS, SubmissionState, state)


def kind_label(kind: ExchangeKind | str) -> str:
    return _label(KIND_LABELS, ExchangeKind, kind)


def role_label(role: Role | str) -> str:
    return _label(ROLE_LABELS, Role, role)


def outcome_label(outcome: DecisionOutcome | str) -> str:
    return _label(OUTCOME_LABELS, DecisionOutcome, outcome)


def action_label(action: enum.Enum | str) -> str:
    return str(ACTION_LABELS[getattr(action, "value", action)])


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def conference_state_label(state: ConferenceState | str) -> str:
    return _label(CONFERENCE_STATE_LABELS, ConferenceState, state)


def coverage_status_label(status: str) -> str:
    """A coverage column: an invitation's piece state, or "not started"."""
    return str(NOT_STARTED_LABEL) if status == "not_started" else state_label(status)


def audit_action_label(action: str) -> str:
    """What an audit event records, in the reader's language; an action no longer written shows its name."""
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def audit_state_label(state: str | None) -> str:
    """A state written on an audit event, in the reader's language (the raw value if no longer a state)."""
    if not state:
        return ""
    try:
        return state_label(state)
    except ValueError:
        return state
def revision_label(revision) -> str:
    """What made a draft revision: "Saved", "Imported 报告.docx", "Draft 3 put back"…"""
    if revision.reason == "import":
        return str(_l("Imported %(name)s", name=revision.detail))
    if revision.reason == "restore":
        return str(_l("Draft %(n)s put back", n=revision.detail))
    if revision.reason == "earlier":
        return str(_l("As it was before drafts were kept"))
    return str(_l("Saved"))
