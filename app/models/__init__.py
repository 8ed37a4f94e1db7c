"""All models, imported here so that Alembic and the app see one metadata."""
from app.models.accounts import Role, User
from app.models.activity import AuditEvent, Notification, OutboxMail, OutboxStatus
from app.models.archives import ArchiveStatus, PiecesArchive
from app.models.base import Base, utcnow
from app.models.conference import (
    Conference,
    ConferenceState,
    ExchangeKind,
    Extension,
    Invitation,
    KeyTask,
    Organisation,
)
from app.models.mail_templates import MAIL_TEMPLATE_KINDS, MailTemplate
from app.models.proceedings import EditionItem, EditionStatus, ProceedingsEdition
from app.models.review import Comment, Decision, DecisionOutcome, ReviewAssignment
from app.models.revisions import DraftRevision, ImportRun
from app.models.submissions import (
    Attachment, Submission, SubmissionState, SubmissionVersion,
    WordOriginal, submission_key_task,
)
# Imported for its session hooks: keeps Conference.summary_stamp true on every commit.
from app.models import summary_stamp  # noqa: E402,F401  isort: skip

__all__ = [
    "DraftRevision", "ImportRun",
    "ArchiveStatus", "PiecesArchive",
    "Attachment", "AuditEvent", "Base", "Comment", "Conference", "ConferenceState",
    "Decision", "DecisionOutcome", "EditionItem", "EditionStatus", "ExchangeKind",
    "Extension", "Invitation", "KeyTask", "MAIL_TEMPLATE_KINDS", "MailTemplate",
    "Notification", "Organisation", "OutboxMail",
    "OutboxStatus", "ProceedingsEdition", "ReviewAssignment", "Role", "Submission",
    "SubmissionState", "SubmissionVersion", "User", "WordOriginal", "submission_key_task", "utcnow",
]
