"""Telling people what happened: in-app notifications and queued mail.

Everything is written in the caller's transaction, so a notification exists
exactly when the change it reports was committed; mail leaves later, from the
outbox, and a failed send can never undo the change.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, OutboxMail, Role, Submission, User

# What each action tells whom, in both languages. {title} is the piece's title.
MESSAGES = {
    "submit": ("Submitted for review: {title}", "已提交审核：{title}"),
    "resubmit": ("Resubmitted after changes: {title}", "修改后重新提交：{title}"),
    "approve": ("Approved: {title}", "已通过：{title}"),
    "request_changes": ("Changes requested: {title}", "需要修改：{title}"),
    "reject": ("Not accepted: {title}", "未采用：{title}"),
    "reopen": ("Reopened for a correction: {title}", "已重新打开以便更正：{title}"),
    "withdraw": ("Withdrawn by the bureau: {title}", "已由报送单位撤回：{title}"),
    "comment": ("New comment on: {title}", "新的留言：{title}"),
}

# Actions the ministry takes are reported to the bureau, and vice versa.
TO_BUREAU = {"approve", "request_changes", "reject", "reopen", "comment"}


def bureau_members(submission: Submission) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == submission.organisation_id, User.is_enabled)
    ))


def ministry_members(submission: Submission) -> list[User]:
    from app.models import ReviewAssignment

    assigned = list(db.session.scalars(
        sa.select(User).join(ReviewAssignment, ReviewAssignment.reviewer_id == User.id)
        .where(ReviewAssignment.submission_id == submission.id, User.is_enabled)
    ))
    if assigned:
        return assigned
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_([Role.REVIEWER, Role.EDITOR]), User.is_enabled)
    ))


def notify(
    submission: Submission, event: str, *, actor: User, link: str, note: str = "",
    recipients: list[User] | None = None,
) -> list[Notification]:
    """Queue in-app notifications and mail for ``event`` on ``submission``."""
    if recipients is None:
        recipients = bureau_members(submission) if event in TO_BUREAU else ministry_members(submission)
    text_en, text_zh = (m.format(title=submission.title or f"#{submission.id}") for m in MESSAGES[event])
    created = []
    for user in recipients:
        if user.id == actor.id:
            continue
        notification = Notification(
            user_id=user.id, submission_id=submission.id, text_en=text_en, text_zh=text_zh, link=link
        )
        db.session.add(notification)
        created.append(notification)
        if user.email:
            body = f"{text_zh}\n{text_en}\n"
            if note:
                body += f"\n{note}\n"
            body += f"\n{link}\n"
            db.session.add(OutboxMail(to_address=user.email, subject=f"[汇编 Huibian] {text_zh} / {text_en}", body_text=body))
    return created
