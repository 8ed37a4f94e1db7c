"""Who may do what: small named predicates, used by views and templates alike.

Another bureau's object is answered with 404 by the views, so that its
existence is not leaked; these predicates only say yes or no.
"""
from __future__ import annotations

from app.models import Role, Submission, SubmissionState, User

MINISTRY_ROLES = frozenset({Role.REVIEWER, Role.EDITOR})
# The states in which the bureau still holds the pen: those it submits or resubmits from
# (the workflow table test checks the two agree).
EDITABLE_STATES = frozenset({SubmissionState.DRAFT, SubmissionState.CHANGES_REQUESTED})


def is_submitter(user: User) -> bool:
    return user.is_authenticated and user.role is Role.SUBMITTER


def is_ministry(user: User) -> bool:
    return user.is_authenticated and user.role in MINISTRY_ROLES


def is_editor(user: User) -> bool:
    return user.is_authenticated and user.role is Role.EDITOR


def can_manage_accounts(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.EDITOR, Role.ADMIN}


def can_give_role(user: User, role: Role) -> bool:
    """Administrators give any role; editors only those they may then manage."""
    if not can_manage_accounts(user):
        return False
    return user.role is Role.ADMIN or role in {Role.SUBMITTER, Role.REVIEWER}


def can_manage_account(user: User, account: User) -> bool:
    """Who may reset a password or disable an account: an editor never a fellow editor or an administrator."""
    return can_give_role(user, account.role)


def can_manage_conference(user: User) -> bool:
    return is_editor(user)


def can_build_proceedings(user: User) -> bool:
    return is_editor(user)


def belongs_to_bureau(user: User, submission: Submission) -> bool:
    return is_submitter(user) and user.organisation_id == submission.organisation_id


def can_see_submission(user: User, submission: Submission) -> bool:
    """A bureau sees its own work; the ministry sees what has been sent to it."""
    if belongs_to_bureau(user, submission):
        return True
    # Drafts are the bureau's own business until submitted for the first time.
    return is_ministry(user) and bool(submission.versions)


def can_edit_submission(user: User, submission: Submission) -> bool:
    return belongs_to_bureau(user, submission) and submission.state in EDITABLE_STATES


def can_see_internal_notes(user: User) -> bool:
    return is_ministry(user)


def can_review(user: User, submission: Submission, *, assigned_reviewer_ids: set[int] | None = None) -> bool:
    """Reviewers and editors decide; a restricted conference limits reviewers to assignees."""
    if not is_ministry(user) or not can_see_submission(user, submission):
        return False
    if user.role is Role.EDITOR or not submission.conference.review_restricted_to_assigned:
        return True
    return user.id in (assigned_reviewer_ids or set())


def can_open_review_pages(user: User) -> bool:
    """The queue, the review page and coverage are the ministry's own tools."""
    return is_ministry(user)


def can_comment(user: User, submission: Submission) -> bool:
    """The bureau and the ministry talk in one thread per piece they can both see.

    Before the first submit the ministry cannot see the piece, so there is
    nobody to talk to yet.
    """
    return can_see_submission(user, submission) and bool(submission.versions)


def can_write_internal_note(user: User, submission: Submission) -> bool:
    return can_see_internal_notes(user) and can_see_submission(user, submission)


def can_assign_reviewers(user: User) -> bool:
    return is_editor(user)


def can_follow_coverage(user: User) -> bool:
    return is_editor(user)


def can_read_record(user: User) -> bool:
    """The audit trail and failed mail are for those who answer for the system."""
    return user.is_authenticated and user.role in {Role.EDITOR, Role.ADMIN}
