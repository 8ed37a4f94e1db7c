"""Telling people what happened: in-app notifications and queued mail.

Everything is written in the caller's transaction, so a notification exists
exactly when the change it reports was committed; mail leaves later, from the
outbox (``app.background.mail``), and a failed send can never undo the change.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import BuildError

from app.domain import mail_templates
from app.domain.dates import format_due
from app.domain.permissions import is_ministry
from app.domain.submissions.bodies.rendering import plain_text, render_body
from app.extensions import db
from app.models import Notification, OutboxMail, ReviewAssignment, Role, Submission, User, utcnow

# What each event tells whom, in both languages. {title} is the piece's title.
MESSAGES = {
    "submit": ("Submitted for review: {title}", "已提交审核：{title}"),
    "resubmit": ("Resubmitted after changes: {title}", "修改后重新提交：{title}"),
    "approve": ("Approved: {title}", "已通过：{title}"),
    "request_changes": ("Changes requested: {title}", "退回修改：{title}"),
    "reject": ("Not accepted: {title}", "未采用：{title}"),
    "reopen": ("Reopened for a correction: {title}", "已重新打开以便更正：{title}"),
    "withdraw": ("Withdrawn by the bureau: {title}", "已由报送单位撤回：{title}"),
    "comment": ("New comment on: {title}", "新的留言：{title}"),
    "bureau_comment": ("The bureau commented on: {title}", "报送单位留言：{title}"),
    "assign": ("Assigned to you for review: {title}", "已分配给您审核：{title}"),
    "request_replacement": ("A replacement is asked for: {title}", "请另行报送替换材料：{title}"),
}

# What the ministry asks of the bureau is quoted in the inbox itself, not only in the mail.
QUOTED = {"request_changes", "reject", "reopen", "request_replacement"}
QUOTE_CHARS = 200

# Actions the ministry takes are reported to the bureau, and vice versa.
TO_BUREAU = {"approve", "request_changes", "reject", "reopen", "comment", "request_replacement"}

INBOX_PAGE_SIZE = 50


def bureau_members(submission: Submission) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == submission.organisation_id, User.is_enabled)
    ))


def ministry_members(submission: Submission) -> list[User]:
    """The assigned reviewers if there are any, else every reviewer and editor."""
    assigned = list(db.session.scalars(
        sa.select(User).join(ReviewAssignment, ReviewAssignment.reviewer_id == User.id)
        .where(ReviewAssignment.submission_id == submission.id, User.is_enabled)
    ))
    if assigned:
        return assigned
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_([Role.REVIEWER, Role.EDITOR]), User.is_enabled)
    ))


def page_for(submission: Submission, recipient: User, *, external: bool = False) -> str:
    """Where ``recipient`` reads about the piece: the ministry's review page, or the bureau's own page.

    Relative for the inbox, absolute (``external``) for mail. Empty when the
    page cannot be built (no app context, area not mounted): the notification
    is still worth having without a link. An external link starts with
    ``HUIBIAN_BASE_URL`` when it is set, whatever the request's ``Host`` said:
    the app's URL adapter (``app.security.Huibian``) sees to it.
    """
    endpoint = "review.detail" if is_ministry(recipient) else "submissions.detail"
    return _page(endpoint, external=external, submission_id=submission.id)


def notify(
    submission: Submission, event: str, *, actor: User, note: str = "", recipients: list[User] | None = None,
) -> list[Notification]:
    """Queue in-app notifications and mail for ``event`` on ``submission``.

    Each message points at the page its own reader uses for the piece (the
    ministry's review page, or the bureau's submission page), relative in the
    inbox and absolute in mail; nobody else computes these links.
    """
    if recipients is None:
        recipients = bureau_members(submission) if event in TO_BUREAU else ministry_members(submission)
    # A title is one line on the page; in a mail header a line break would be an injected header.
    title = " ".join((submission.title or "").split()) or f"#{submission.id}"
    text_en, text_zh = (m.format(title=title) for m in MESSAGES[event])
    note_text = mail_text(note) if note else ""
    if event in QUOTED and note_text:
        quote = " ".join(note_text.split())
        quote = quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS - 1] + "…"
        text_en, text_zh = f"{text_en} — “{quote}”", f"{text_zh}——“{quote}”"
    created = []
    for user in recipients:
        if user.id == actor.id:
            continue
        created.append(_tell(
            user, text_en, text_zh, submission_id=submission.id, link=page_for(submission, user),
            mail_link=page_for(submission, user, external=True) if user.email else "",
            details=f"\n{note_text}\n" if note_text else "",
        ))
    return created


# --- notices about the conference itself, to whole bureaus ------------------------

# The wording of each notice is the conference's mail template of its kind
# (``app.domain.mail_templates``): the built-in one until an editor rewords it.
KIND_NAMES = {"oral": ("oral exchange speech", "大会交流发言"), "written": ("written exchange material", "书面交流材料")}


def members_of(organisation_ids: list[int]) -> list[User]:
    """The enabled accounts of these bureaus."""
    if not organisation_ids:
        return []
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id.in_(organisation_ids), User.is_enabled).order_by(User.id)))


def invitation_values(invitation, *, reason: str = "", now: datetime | None = None) -> tuple[dict, dict]:
    """(Chinese, English) placeholder values of a notice or reminder about ``invitation``."""
    conference, bureau = invitation.conference, invitation.organisation
    kind_en, kind_zh = KIND_NAMES[invitation.kind.value]
    due = format_due(invitation.effective_due_at, conference.timezone)
    tasks = conference.key_tasks
    zh = {"bureau": bureau.name_zh, "conference": conference.title_zh, "kind": kind_zh, "due_date": due,
          "reason": reason, "key_tasks": [f"{t.number}. {t.title_zh}" for t in tasks] or ["（无）"]}
    en = {**zh, "bureau": bureau.name_en, "conference": conference.title_en, "kind": kind_en,
          "key_tasks": [f"{t.number}. {t.title_en}" for t in tasks] or ["(none)"]}
    if now is not None:
        zh["days_left"], en["days_left"] = days_left(invitation, now=now)
    return zh, en


def days_left(invitation, *, now: datetime) -> tuple[str, str]:
    """(Chinese, English) of the days left before the due date, or of how late the piece is."""
    left = invitation.effective_due_at - now
    days = left.days if left.total_seconds() >= 0 else -((-left).days + (1 if (-left).seconds else 0))
    if days >= 0:
        return f"还剩 {days} 天", f"{days} days left"
    return f"已逾期 {-days} 天", f"overdue by {-days} days"


def invitation_notice(invitation, event: str, *, actor: User, reason: str = "") -> list[Notification]:
    """Tell every member of the invited bureau of its invitation, a corrected due date or an extension.

    The message names the kind, the due date with its time zone, the key tasks
    (in mail) and, for an extension, its reason.
    """
    values = invitation_values(invitation, reason=reason)
    return _notice(members_of([invitation.organisation_id]), event, invitation.conference_id, values,
                   actor=actor, endpoint="main.home")


def reminder_notice(invitation, *, actor: User | None, now: datetime) -> list[Notification]:
    """Remind every member of the invited bureau that its piece is due (or overdue), with the days left."""
    return _notice(members_of([invitation.organisation_id]), "remind", invitation.conference_id,
                   invitation_values(invitation, now=now), actor=actor, endpoint="main.home")


def reminder_mail(invitation, *, now: datetime) -> mail_templates.RenderedMail:
    """The reminder this invitation's bureau would get now, for the preview."""
    zh, en = invitation_values(invitation, now=now)
    link = _page("main.home", external=True)
    return mail_templates.render_for(invitation.conference_id, "remind", {**zh, "link": link}, {**en, "link": link})


def publication_notice(conference, number: int, *, actor: User, organisation_ids: list[int],
                       ministry: list[User]) -> list[Notification]:
    """Tell the bureaus of the conference, and the ministry's readers, that an edition is published."""
    values = ({"conference": conference.title_zh, "edition": number},
              {"conference": conference.title_en, "edition": number})
    return _notice(members_of(organisation_ids) + ministry, "published", conference.id, values, actor=actor,
                   endpoint="proceedings.published_index")


def _notice(recipients: list[User], event: str, conference_id: int, values: tuple[dict, dict], *,
            actor: User | None, endpoint: str) -> list[Notification]:
    """One rendering of the conference's template for ``event``, told to each recipient once."""
    mail_link = _page(endpoint, external=True)
    zh, en = values
    mail = mail_templates.render_for(conference_id, event, {**zh, "link": mail_link}, {**en, "link": mail_link})
    created = []
    for user in {u.id: u for u in recipients}.values():
        if actor is not None and user.id == actor.id:
            continue
        created.append(_tell(user, mail.subject_en, mail.subject_zh, submission_id=None, link=_page(endpoint),
                             mail_link="", details="", mail_body=mail.body))
    return created


def _page(endpoint: str, *, external: bool = False, **values) -> str:
    try:
        return url_for(endpoint, _external=external, **values)
    except (BuildError, RuntimeError):
        return ""


def _tell(user: User, text_en: str, text_zh: str, *, submission_id: int | None, link: str, mail_link: str,
          details: str, mail_body: str | None = None) -> Notification:
    """One recipient's inbox entry, and their mail when they have an address: the one shape of every message.

    ``mail_body``, when given, is the whole text of the mail (a conference
    notice rendered from its template); otherwise the body is the two lines,
    the ``details`` and the link.
    """
    notification = Notification(user_id=user.id, submission_id=submission_id, text_en=text_en, text_zh=text_zh,
                                link=link)
    db.session.add(notification)
    if user.email:
        body = mail_body if mail_body is not None else f"{text_zh}\n{text_en}\n" + details
        if mail_link:
            body += f"\n{mail_link}\n"
        db.session.add(OutboxMail(
            to_address=user.email, subject=f"[汇编 Huibian] {text_zh} / {text_en}"[:300], body_text=body))
    return notification


def mail_text(markdown_text: str) -> str:
    """What a comment says in a mail: the text of the sanitised HTML the page shows.

    Links the sanitiser took off the page stay off the mail (their words are
    kept), and an address written out as text is defanged (``evil[.]example``)
    so that the mail client does not turn it back into a link from the
    ministry's sender.
    """
    text = plain_text(render_body(markdown_text, id_prefix="mail-").html)
    return mail_templates.WEB_ADDRESS.sub(mail_templates.defang, text)


def inbox(user: User, *, page: int = 1) -> tuple[list[Notification], bool]:
    """A page of ``user``'s notifications, newest first, and whether more follow."""
    page = max(1, page)
    rows = list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(INBOX_PAGE_SIZE + 1).offset((page - 1) * INBOX_PAGE_SIZE)
    ))
    return rows[:INBOX_PAGE_SIZE], len(rows) > INBOX_PAGE_SIZE


#: The badge counts this many unread notifications at most and then says "99+": it is asked on
#: every page, and a user with thousands unread should cost what one with a hundred does.
UNREAD_BADGE_CAP = 99


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread, for the navigation badge: at most
    ``UNREAD_BADGE_CAP`` + 1 (the badge's "99+")."""
    unread = (sa.select(Notification.id)
              .where(Notification.user_id == user.id, Notification.read_at.is_(None))
              .limit(UNREAD_BADGE_CAP + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread)) or 0


def own_notification(user: User, notification_id: int) -> Notification | None:
    """The notification if it is ``user``'s; someone else's is as good as absent."""
    return db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
