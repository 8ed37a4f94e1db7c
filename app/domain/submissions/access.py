"""The one guard every bureau-side change of a submission passes first."""
from __future__ import annotations

from flask_babel import gettext as _

from app.domain.errors import DomainError, NotAllowed
from app.domain.permissions import belongs_to_bureau, can_edit_submission
from app.models import Submission, User


class NotFound(DomainError):
    """Another bureau's object, or none at all: the same answer either way."""

    http_status = 404


def check_editable(submission: Submission, actor: User) -> None:
    """Raise unless ``actor`` is of the submission's bureau and the piece is editable now."""
    if not belongs_to_bureau(actor, submission):
        raise NotFound(_("No such submission."))
    if not can_edit_submission(actor, submission):
        raise NotAllowed(_("This submission is with the ministry and cannot be changed now."))


def unchanged_state(submission: Submission) -> dict:
    """Audit fields for a change that leaves the state as it is (a save, an upload)."""
    return {"from_state": submission.state.value, "to_state": submission.state.value}
