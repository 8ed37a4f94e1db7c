"""Human names of the enums, through gettext so that both languages have them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import ExchangeKind, Role, SubmissionState

STATE_LABELS = {
    SubmissionState.DRAFT: _l("draft"),
    SubmissionState.SUBMITTED: _l("submitted"),
    SubmissionState.CHANGES_REQUESTED: _l("changes requested"),
    SubmissionState.APPROVED: _l("approved"),
    SubmissionState.REJECTED: _l("rejected"),
    SubmissionState.WITHDRAWN: _l("withdrawn"),
}
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


def state_label(state: SubmissionState | str) -> str:
    return str(STATE_LABELS[SubmissionState(state) if isinstance(state, str) else state])


def kind_label(kind: ExchangeKind | str) -> str:
    return str(KIND_LABELS[ExchangeKind(kind) if isinstance(kind, str) else kind])


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role) if isinstance(role, str) else role])
