"""Editors reword a conference's mail: save an override, reset it to the default, preview it.

The checking and rendering live in ``app.domain.mail_templates`` (the
notices use them); this module is what the editors' pages call. Each change
writes an audit event; functions flush, the request commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.domain.audit import record_event
from app.domain.dates import format_due
from app.domain.mail_templates import (
    FIELDS,
    KINDS,
    PLACEHOLDERS,
    RenderedMail,
    Wording,
    check_wording,
    override,
    render,
    wording_for,
)
from app.extensions import db
from app.models import Conference, MailTemplate, User, utcnow

SAMPLE_BUREAU = ("河北省生态环境厅", "Department of Ecology and Environment of Hebei Province")
SAMPLE_REASON = "因汛期抢险，延期一周 / flood emergency: one more week"
SAMPLE_DAYS = 3


@dataclass(frozen=True)
class KindEntry:
    """One row of the list of a conference's mail: the kind, and whether an editor reworded it."""
    kind: str
    label: str
    customised: MailTemplate | None


def kinds_of(conference: Conference) -> list[KindEntry]:
    """Every kind of conference mail with the conference's override, if any."""
    found = {t.kind: t for t in db.session.scalars(
        sa.select(MailTemplate).where(MailTemplate.conference_id == conference.id))}
    return [KindEntry(kind, str(spec.label), found.get(kind)) for kind, spec in KINDS.items()]


def placeholders_of(kind: str) -> list[tuple[str, str]]:
    """(name, what it stands for) of each placeholder ``kind`` offers, for the edit page."""
    return [(name, str(PLACEHOLDERS[name])) for name in KINDS[kind].placeholders]


def current_wording(conference: Conference, kind: str) -> Wording:
    """The wording the conference's next mail of ``kind`` will use: its own, or the built-in one."""
    return wording_for(conference.id, kind)


def override_of(conference: Conference, kind: str) -> MailTemplate | None:
    """The conference's own wording of ``kind``, or None when the built-in one is used."""
    return override(conference.id, kind)


def save_template(conference: Conference, kind: str, wording: Wording, *, actor: User) -> MailTemplate | None:
    """Store ``wording`` as the conference's own for ``kind``; refused whole if any field is wrong.

    Saving the built-in wording unchanged removes the override instead, so that
    a later improvement of the default reaches this conference too.
    Returns the override, or None when the default is in use.
    """
    check_wording(kind, wording)
    found = override(conference.id, kind)
    if wording == KINDS[kind].default:
        if found is not None:
            reset_template(conference, kind, actor=actor)
        return None
    if found is None:
        found = MailTemplate(conference_id=conference.id, kind=kind, **{n: getattr(wording, n) for n in FIELDS})
        db.session.add(found)
    else:
        for name in FIELDS:
            setattr(found, name, getattr(wording, name))
    found.updated_by_id = actor.id
    found.updated_at = utcnow()
    record_event("mail_template_save", actor=actor, obj=conference, detail={"kind": kind})
    return found


def reset_template(conference: Conference, kind: str, *, actor: User) -> bool:
    """Go back to the built-in wording of ``kind``; False when there was no override."""
    found = override(conference.id, kind)
    if found is None:
        return False
    db.session.delete(found)
    record_event("mail_template_reset", actor=actor, obj=conference, detail={"kind": kind})
    return True


def sample_values(conference: Conference, kind: str, *, link: str,
                  now: datetime | None = None) -> tuple[dict, dict]:
    """(Chinese, English) values for a preview: a sample bureau, the conference's own facts."""
    now = now or utcnow()
    due = format_due(now + timedelta(days=SAMPLE_DAYS), conference.timezone)
    tasks = conference.key_tasks
    zh = {"bureau": SAMPLE_BUREAU[0], "conference": conference.title_zh, "kind": "大会交流发言",
          "due_date": due, "days_left": f"还剩 {SAMPLE_DAYS} 天", "reason": SAMPLE_REASON, "edition": 1,
          "key_tasks": [f"{t.number}. {t.title_zh}" for t in tasks] or ["（无）"], "link": link}
    en = {**zh, "bureau": SAMPLE_BUREAU[1], "conference": conference.title_en, "kind": "oral exchange speech",
          "days_left": f"{SAMPLE_DAYS} days left",
          "key_tasks": [f"{t.number}. {t.title_en}" for t in tasks] or ["(none)"]}
    return zh, en


def preview(conference: Conference, kind: str, wording: Wording, *, link: str) -> RenderedMail:
    """The mail ``wording`` would make for the sample bureau; the wording must have passed its check."""
    return render(wording, *sample_values(conference, kind, link=link))
