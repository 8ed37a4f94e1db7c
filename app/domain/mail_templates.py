"""The wording of a conference's mail: built-in defaults, an editor's overrides, named placeholders.

Each kind of conference mail (a reminder, an invitation, a corrected due
date, an extension, a publication) has a subject and a body in Chinese and
in English. The built-in wording is used until an editor saves their own for
a conference; "reset to default" deletes the override.

A template is checked before it is stored: only the placeholders its kind
offers, written as bare names (``{bureau}``); no attribute or index access,
no conversion or format spec, no stray brace. Rendering never calls
``str.format``: it walks the parsed template and puts in values, so nothing
in a template can reach an object.

The values come from people (bureau names, titles, an extension's reason)
and go into plain-text mail. Each is made inert: one line (a line break
cannot forge a header or a paragraph), no bidirectional controls (a value
cannot read itself backwards), web addresses defanged (``evil[.]example``),
so that the ministry's mail never carries a link nobody at the ministry
wrote. Markup needs no escaping: the mail is ``text/plain`` only, so
``<script>`` or ``[x](…)`` is shown as the characters it is, exactly as the
page shows it.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, fields

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.errors import DomainError
from app.extensions import db
from app.models import MAIL_TEMPLATE_KINDS, MailTemplate
from app.models.mail_templates import BODY_MAX, SUBJECT_MAX

# A placeholder's value never takes more than this in a mail.
VALUE_MAX = 500
RENDERED_SUBJECT_MAX = 300

PLACEHOLDERS = {
    "bureau": _l("the bureau's name"),
    "conference": _l("the conference's title"),
    "kind": _l("the kind of piece: oral exchange speech or written exchange material"),
    "due_date": _l("the due date, with its time zone"),
    "days_left": _l("the days left before the due date, or how many days it is overdue"),
    "key_tasks": _l("the conference's key tasks, one a line"),
    "reason": _l("the reason given for the extension"),
    "edition": _l("the number of the published edition"),
    "link": _l("the address of the page in Huibian where the reader goes next"),
}
# Values Huibian builds itself from parts already made inert, or an address it must not defang.
_TRUSTED = {"link"}


@dataclass(frozen=True)
class Wording:
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str


FIELDS = tuple(f.name for f in fields(Wording))


@dataclass(frozen=True)
class MailKind:
    label: str
    placeholders: tuple[str, ...]
    default: Wording


_INVITED = ("bureau", "conference", "kind", "due_date", "key_tasks", "link")

KINDS = {
    "remind": MailKind(_l("Reminder"), ("bureau", "conference", "kind", "due_date", "days_left", "link"), Wording(
        "催报提醒：{conference}{kind}截止时间 {due_date}（{days_left}）",
        "Reminder for {conference}: the {kind} is due {due_date} ({days_left})",
        "催报提醒：{conference}{kind}截止时间 {due_date}（{days_left}）",
        "Reminder for {conference}: the {kind} is due {due_date} ({days_left})\n\n{link}")),
    "invite": MailKind(_l("Invitation notice"), _INVITED, Wording(
        "报送通知：{conference}{kind}，截止时间 {due_date}",
        "Invitation to {conference}: a {kind}, due {due_date}",
        "报送通知：{conference}{kind}，截止时间 {due_date}\n\n重点任务：\n{key_tasks}",
        "Invitation to {conference}: a {kind}, due {due_date}\n\nKey tasks:\n{key_tasks}\n\n{link}")),
    "due_changed": MailKind(_l("Due date corrected"), _INVITED, Wording(
        "截止时间更正：{conference}{kind}的截止时间改为 {due_date}",
        "Due date corrected for {conference}: the {kind} is now due {due_date}",
        "截止时间更正：{conference}{kind}的截止时间改为 {due_date}\n\n重点任务：\n{key_tasks}",
        "Due date corrected for {conference}: the {kind} is now due {due_date}\n\nKey tasks:\n{key_tasks}"
        "\n\n{link}")),
    "extension": MailKind(_l("Extension notice"), _INVITED + ("reason",), Wording(
        "延期通知：{conference}{kind}的截止时间延至 {due_date}",
        "Extension for {conference}: the {kind} is now due {due_date}",
        "延期通知：{conference}{kind}的截止时间延至 {due_date}\n\n重点任务：\n{key_tasks}\n\n延期理由：{reason}",
        "Extension for {conference}: the {kind} is now due {due_date}\n\nKey tasks:\n{key_tasks}"
        "\n\nReason for the extension: {reason}\n\n{link}")),
    "published": MailKind(_l("Publication notice"), ("conference", "edition", "link"), Wording(
        "{conference}交流材料汇编已发布（第{edition}版）",
        "The proceedings of {conference} are published (edition {edition})",
        "{conference}交流材料汇编已发布（第{edition}版）",
        "The proceedings of {conference} are published (edition {edition})\n\n{link}")),
}
assert tuple(KINDS) == MAIL_TEMPLATE_KINDS


class TemplateRefused(DomainError):
    """A template that cannot be stored; ``errors`` says why, field by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


# --- checking --------------------------------------------------------------------

# Bidirectional controls and marks: a template that reads itself backwards is refused.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Control characters but the line break (and tab, in a body), and the Unicode line separators.
_CONTROL_IN_BODY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_IN_SUBJECT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAME_SHOWN = 40


def _placeholder_list(allowed: tuple[str, ...]) -> str:
    return "、".join("{" + name + "}" for name in allowed)


def template_problem(text: str, allowed: tuple[str, ...], *, subject: bool) -> str | None:
    """Why ``text`` cannot be a template using ``allowed`` placeholders, or None when it can."""
    limit = SUBJECT_MAX if subject else BODY_MAX
    if not text.strip():
        return _("This cannot be empty.")
    if len(text) > limit:
        return _("This is %(n)d characters long; at most %(max)d are allowed.", n=len(text), max=limit)
    if (_CONTROL_IN_SUBJECT if subject else _CONTROL_IN_BODY).search(text):
        return (_("A subject takes one line of text: line breaks and control characters are not allowed.")
                if subject else _("Control characters are not allowed in the text."))
    if _BIDI.search(text):
        return _("Invisible direction marks or overrides are not allowed in the text.")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return _("A brace does not match: write each placeholder as {name}, and a brace of its own as {{ or }}.")
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = name if len(name) <= _NAME_SHOWN else name[:_NAME_SHOWN] + "…"
        if name in allowed and (spec or conversion):
            return _("Write the placeholder {%(name)s} by its name alone, without a format or a conversion.",
                     name=name)
        if name not in allowed:
            return _("Unknown placeholder {%(name)s}. This mail may use: %(known)s.",
                     name=shown, known=_placeholder_list(allowed))
    return None


def check_wording(kind: str, wording: Wording) -> None:
    """Refuse (TemplateRefused, field by field) a wording that cannot be stored for ``kind``."""
    allowed = KINDS[kind].placeholders
    errors = {}
    for name in FIELDS:
        problem = template_problem(getattr(wording, name), allowed, subject=name.startswith("subject"))
        if problem:
            errors[name] = problem
    if errors:
        raise TemplateRefused(errors)


# --- rendering -------------------------------------------------------------------

_CONTROLS_AND_SPACES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")
# Web addresses as a mail client would turn them into links.
WEB_ADDRESS = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)，。；：！？）]")


def defang(match: re.Match) -> str:
    """``https://evil.example/x`` as ``evil[.]example/x``: readable, but no longer a link."""
    address = re.sub(r"(?i)^(?:https?://)", "", match.group(0))
    return address.replace(".", "[.]")


def inert(value, *, limit: int = VALUE_MAX) -> str:
    """A person's text as one harmless line of a plain-text mail."""
    text = _CONTROLS_AND_SPACES.sub(" ", _BIDI.sub("", str(value))).strip()
    text = WEB_ADDRESS.sub(defang, text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _value(name: str, value) -> str:
    if name in _TRUSTED:
        return str(value)
    if isinstance(value, (list, tuple)):
        return "\n".join("  " + inert(line) for line in value)
    return inert(value)


def fill(template: str, values: dict) -> str:
    """``template`` with its placeholders replaced; the template was checked when it was stored."""
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(_value(name, values.get(name, "")))
    return "".join(out)


@dataclass(frozen=True)
class RenderedMail:
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str

    @property
    def body(self) -> str:
        """The mail's text: Chinese first, as everywhere in Huibian."""
        return f"{self.body_zh.rstrip()}\n\n{self.body_en.rstrip()}\n"


def _one_line(text: str) -> str:
    text = " ".join(_CONTROLS_AND_SPACES.sub(" ", text).split())
    return text if len(text) <= RENDERED_SUBJECT_MAX else text[:RENDERED_SUBJECT_MAX - 1] + "…"


def render(wording: Wording, values_zh: dict, values_en: dict) -> RenderedMail:
    """The mail ``wording`` makes with these values; each subject stays one line whatever the values hold."""
    return RenderedMail(
        subject_zh=_one_line(fill(wording.subject_zh, values_zh)),
        subject_en=_one_line(fill(wording.subject_en, values_en)),
        body_zh=fill(wording.body_zh, values_zh).replace("\r\n", "\n"),
        body_en=fill(wording.body_en, values_en).replace("\r\n", "\n"),
    )


# --- stored overrides ------------------------------------------------------------

def override(conference_id: int, kind: str) -> MailTemplate | None:
    """The stored override of ``kind`` for this conference, if an editor saved one."""
    return db.session.scalar(sa.select(MailTemplate).where(
        MailTemplate.conference_id == conference_id, MailTemplate.kind == kind))


def wording_for(conference_id: int | None, kind: str) -> Wording:
    """The conference's own wording of ``kind`` if an editor saved one, else the built-in one."""
    found = override(conference_id, kind) if conference_id is not None else None
    if found is None:
        return KINDS[kind].default
    return Wording(*(getattr(found, name) for name in FIELDS))


def render_for(conference_id: int | None, kind: str, values_zh: dict, values_en: dict) -> RenderedMail:
    """The mail of ``kind`` in the conference's wording, filled with these (Chinese, English) values."""
    return render(wording_for(conference_id, kind), values_zh, values_en)
