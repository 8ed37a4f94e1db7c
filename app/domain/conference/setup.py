"""Setting up a conference: its facts, key tasks, invitations, extensions and bureaus.

Editors do all of this; views check ``can_manage_conference`` and pass the
editor in as ``actor``. Every change writes an audit event. Each function
flushes; the request commits once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.domain.audit import record_event
from app.domain.dates import format_due
from app.domain.errors import DomainError, NotAllowed
from app.domain.notifications import invitation_notice
from app.extensions import db
from app.models import (
    Conference,
    ConferenceState,
    ExchangeKind,
    Extension,
    Invitation,
    KeyTask,
    Organisation,
    Submission,
    User,
    submission_key_task,
    utcnow,
)

CONFERENCE_FACTS = (
    "slug", "title_zh", "title_en", "organiser_zh", "organiser_en", "city_zh", "city_en",
    "starts_on", "ends_on", "timezone", "state", "review_restricted_to_assigned",
)


# --- time ------------------------------------------------------------------

def is_valid_timezone(name: str) -> bool:
    """An IANA zone name that zoneinfo knows (``Asia/Shanghai``), nothing looser."""
    # The list of zones, not whatever file ZoneInfo() manages to open (posixrules, …).
    return bool(name) and name in available_timezones()


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """A wall-clock date and time in the conference's zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def utc_to_local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


# --- the conference --------------------------------------------------------

def _check_facts(facts: dict, conference: Conference | None) -> None:
    if facts["ends_on"] < facts["starts_on"]:
        raise DomainError(_("The conference cannot end before it starts."))
    if not is_valid_timezone(facts["timezone"]):
        raise DomainError(_("%(tz)s is not a time zone we know; use a name such as Asia/Shanghai.", tz=facts["timezone"]))
    taken = db.session.scalar(sa.select(Conference.id).where(Conference.slug == facts["slug"]))
    if taken and (conference is None or taken != conference.id):
        raise DomainError(_("Another conference already uses the short name %(slug)s.", slug=facts["slug"]))


def _plain(value):
    if isinstance(value, ConferenceState):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def create_conference(*, actor: User, **facts) -> Conference:
    """A new conference, in preparation unless the editor says otherwise."""
    facts.setdefault("state", ConferenceState.PREPARING)
    facts.setdefault("review_restricted_to_assigned", False)
    _check_facts(facts, None)
    conference = Conference(**{key: facts[key] for key in CONFERENCE_FACTS})
    db.session.add(conference)
    record_event("create_conference", actor=actor, obj=conference, to_state=conference.state.value,
                 detail={"slug": conference.slug, "title_zh": conference.title_zh})
    return conference


def update_conference(conference: Conference, *, actor: User, **facts) -> dict:
    """Change the facts; returns what changed as ``{field: [old, new]}`` (also audited)."""
    merged = {key: facts.get(key, getattr(conference, key)) for key in CONFERENCE_FACTS}
    _check_facts(merged, conference)
    changes = {}
    for key in CONFERENCE_FACTS:
        old, new = getattr(conference, key), merged[key]
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
            setattr(conference, key, new)
    if changes:
        state_change = changes.get("state")
        record_event("update_conference", actor=actor, obj=conference,
                     from_state=state_change[0] if state_change else None,
                     to_state=state_change[1] if state_change else None, detail={"changes": changes})
    return changes


# --- key tasks -------------------------------------------------------------

def _number_taken(conference: Conference, number: int, but: KeyTask | None = None) -> KeyTask | None:
    for task in conference.key_tasks:
        if task.number == number and task is not but:
            return task
    return None


def add_key_task(conference: Conference, *, number: int, title_zh: str, title_en: str,
                 summary_en: str = "", actor: User) -> KeyTask:
    if _number_taken(conference, number):
        raise DomainError(_("Key task %(n)d already exists; choose another number.", n=number))
    task = KeyTask(number=number, title_zh=title_zh.strip(), title_en=title_en.strip(), summary_en=summary_en.strip())
    conference.key_tasks.append(task)
    record_event("add_key_task", actor=actor, obj=task, detail={"conference_id": conference.id, "number": number})
    return task


def update_key_task(task: KeyTask, *, number: int, title_zh: str, title_en: str,
                    summary_en: str = "", actor: User) -> None:
    if _number_taken(task.conference, number, but=task):
        raise DomainError(_("Key task %(n)d already exists; give that one another number first, or use the arrows.", n=number))
    before = {"number": task.number, "title_zh": task.title_zh, "title_en": task.title_en}
    task.number, task.title_zh, task.title_en = number, title_zh.strip(), title_en.strip()
    task.summary_en = summary_en.strip()
    record_event("update_key_task", actor=actor, obj=task, detail={"before": before})


def move_key_task(task: KeyTask, step: int, *, actor: User) -> KeyTask | None:
    """Swap numbers with the neighbouring task (``step`` -1 up, +1 down); None at either end."""
    ordered = sorted(task.conference.key_tasks, key=lambda t: t.number)
    index = ordered.index(task) + step
    if not 0 <= index < len(ordered):
        return None
    other = ordered[index]
    mine, theirs = task.number, other.number
    # The unique constraint is checked row by row, so park one number first.
    task.number = max(t.number for t in ordered) + 1
    db.session.flush()
    other.number = mine
    db.session.flush()
    task.number = theirs
    record_event("move_key_task", actor=actor, obj=task, detail={"from": mine, "to": theirs, "swapped_with": other.id})
    return other


def delete_key_task(task: KeyTask, *, actor: User) -> None:
    """Refused while any submission names the task: its pieces would lose their topic."""
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(submission_key_task)
        .where(submission_key_task.c.key_task_id == task.id)
    )
    if used:
        raise NotAllowed(ngettext(
            "Key task %(n)d cannot be deleted: %(num)d submission names it. "
            "Edit its titles instead, or ask the bureaus to choose another key task first.",
            "Key task %(n)d cannot be deleted: %(num)d submissions name it. "
            "Edit its titles instead, or ask the bureaus to choose another key task first.",
            used, n=task.number,
        ))
    detail = {"conference_id": task.conference_id, "number": task.number, "title_zh": task.title_zh}
    task.conference.key_tasks.remove(task)
    db.session.flush()
    record_event("delete_key_task", actor=actor, obj=task, detail=detail)


# --- invitations and extensions --------------------------------------------

def _check_speaking_order(conference: Conference, kind: ExchangeKind, order: int | None,
                          but: Invitation | None = None) -> int | None:
    """Oral speeches get a free place in the speaking order; written pieces none."""
    if kind is not ExchangeKind.ORAL:
        return None
    taken = {i.speaking_order: i for i in conference.invitations
             if i.kind is ExchangeKind.ORAL and i is not but and i.speaking_order is not None}
    if order is None:
        return max(taken, default=0) + 1
    if order in taken:
        raise DomainError(_("Place %(n)d in the speaking order is already taken by %(org)s.",
                            n=order, org=taken[order].organisation.name_zh))
    return order


class DueInPast(DomainError):
    """A new invitation whose due date has already gone by: most likely a typo in the year or month."""


def add_invitation(conference: Conference, *, organisation: Organisation, kind: ExchangeKind,
                   due_at: datetime, speaking_order: int | None = None, allow_past: bool,
                   max_chars: int | None = None, actor: User, now: datetime | None = None) -> Invitation:
    """Invite a bureau for one piece of one kind; a second invitation of the same kind is refused.

    A due date already past is refused unless ``allow_past`` (the editor confirmed it).
    """
    if organisation.is_ministry:
        raise DomainError(_("The ministry organises the conference; invite a bureau."))
    if not allow_past and due_at <= (now or utcnow()):
        raise DueInPast(_(
            "The due date %(due)s has already passed. Correct it, or tick the box below to invite anyway.",
            due=format_due(due_at, conference.timezone),
        ))
    duplicate = db.session.scalar(sa.select(Invitation.id).where(
        Invitation.conference_id == conference.id, Invitation.organisation_id == organisation.id,
        Invitation.kind == kind,
    ))
    if duplicate:
        raise DomainError(_("%(org)s is already invited for this kind of piece.", org=organisation.name_zh))
    order = _check_speaking_order(conference, kind, speaking_order)
    invitation = Invitation(conference=conference, organisation=organisation, kind=kind, due_at=due_at,
                            speaking_order=order, max_chars=max_chars)
    db.session.add(invitation)
    db.session.flush()
    invitation_notice(invitation, "invite", actor=actor)
    record_event("add_invitation", actor=actor, obj=invitation, detail={
        "conference_id": conference.id, "organisation": organisation.code, "kind": kind.value,
        "due_at": due_at.isoformat(), "speaking_order": order, "max_chars": max_chars,
    })
    return invitation


def update_invitation(invitation: Invitation, *, due_at: datetime, speaking_order: int | None,
                      actor: User, max_chars: int | None = None) -> None:
    """Correct the original due date, the speaking order or the length limit
    (extensions move deadlines for one bureau)."""
    order = _check_speaking_order(invitation.conference, invitation.kind, speaking_order, but=invitation)
    before = {"due_at": invitation.due_at.isoformat(), "speaking_order": invitation.speaking_order,
              "max_chars": invitation.max_chars}
    effective_before = invitation.effective_due_at
    invitation.due_at, invitation.speaking_order, invitation.max_chars = due_at, order, max_chars
    if invitation.effective_due_at != effective_before:
        invitation_notice(invitation, "due_changed", actor=actor)
    record_event("update_invitation", actor=actor, obj=invitation, detail={
        "before": before, "after": {"due_at": due_at.isoformat(), "speaking_order": order, "max_chars": max_chars},
    })


def delete_invitation(invitation: Invitation, *, actor: User) -> None:
    """Refused once the bureau has started its piece: the work would be orphaned."""
    if db.session.scalar(sa.select(Submission.id).where(Submission.invitation_id == invitation.id)):
        raise NotAllowed(_(
            "This invitation cannot be deleted: %(org)s has already started its submission. "
            "The bureau can withdraw the submission instead.", org=invitation.organisation.name_zh,
        ))
    detail = {"conference_id": invitation.conference_id, "organisation": invitation.organisation.code,
              "kind": invitation.kind.value, "extensions": len(invitation.extensions)}
    for extension in list(invitation.extensions):
        db.session.delete(extension)
    db.session.delete(invitation)
    db.session.flush()
    record_event("delete_invitation", actor=actor, obj=invitation, detail=detail)


def grant_extension(invitation: Invitation, *, new_due_at: datetime, reason: str, actor: User) -> Extension:
    """Move one bureau's deadline; the newest extension is the one that counts."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the extension is granted; the reason is kept with it."))
    if new_due_at <= invitation.due_at:
        raise DomainError(_("An extension must move the due date later than the original one."))
    previous = invitation.effective_due_at
    extension = Extension(invitation=invitation, new_due_at=new_due_at, reason=reason, granted_by=actor)
    db.session.add(extension)
    db.session.flush()
    db.session.refresh(invitation, ["extensions"])
    invitation_notice(invitation, "extension", actor=actor, reason=reason)
    record_event("grant_extension", actor=actor, obj=extension, detail={
        "invitation_id": invitation.id, "organisation": invitation.organisation.code,
        "from": previous.isoformat(), "to": new_due_at.isoformat(), "reason": reason,
    })
    return extension


# --- organisations ---------------------------------------------------------

def add_organisation(*, code: str, name_zh: str, name_en: str, region_zh: str = "", actor: User) -> Organisation:
    """A new provincial bureau (or similar body) that can be invited."""
    code = code.strip().lower()
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code)):
        raise DomainError(_("An organisation with the code %(code)s exists already.", code=code))
    organisation = Organisation(code=code, name_zh=name_zh.strip(), name_en=name_en.strip(),
                                region_zh=region_zh.strip())
    db.session.add(organisation)
    record_event("add_organisation", actor=actor, obj=organisation, detail={"code": code, "name_zh": organisation.name_zh})
    return organisation
