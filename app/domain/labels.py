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


def revision_label(revision) -> str:
    """What made a draft revision: "Saved", "Imported 报告.docx", "Draft 3 put back"…"""
    if revision.reason == "import":
        return str(_l("Imported %(name)s", name=revision.detail))
    if revision.reason == "restore":
        return str(_l("Draft %(n)s put back", n=revision.detail))
    if revision.reason == "earlier":
        return str(_l("As it was before drafts were kept"))
    return str(_l("Saved"))
