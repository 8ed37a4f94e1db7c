"""What every template may use: permission predicates, dates, language."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user

from app.domain import permissions
from app.domain.dates import local_time
from app.domain.labels import (
    audit_action_label,
    audit_state_label,
    conference_state_label,
    coverage_status_label,
    field_label,
    kind_label,
    outcome_label,
    revision_label,
    role_label,
    state_label,
)
from app.domain.notifications import UNREAD_BADGE_CAP, unread_count
from app.domain.review.coverage import NOT_STARTED
from app.i18n import LANGUAGES, current_lang
from app.models import ExchangeKind, SubmissionState


def localized(obj, attr: str) -> str:
    """``obj.<attr>_zh`` or ``obj.<attr>_en`` for the current language."""
    lang = current_lang()
    return getattr(obj, f"{attr}_{lang}") or getattr(obj, f"{attr}_en")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["unread_badge_cap"] = UNREAD_BADGE_CAP
    # The names of an enum's members: a few words, asked for on every row.
    enum_labels = dict(state_label=state_label, kind_label=kind_label, role_label=role_label,
                       outcome_label=outcome_label, conference_state_label=conference_state_label,
                       coverage_status_label=coverage_status_label)
    app.jinja_env.globals.update({name: once_per_language(label) for name, label in enum_labels.items()})
    # Whole tables, for a page that names a status or kind on every bar and row: one call a page.
    # A kind or state is found by its member or its value, as the rows carry one or the other.
    app.jinja_env.globals.update(
        coverage_status_labels=table_per_language(
            coverage_status_label, [NOT_STARTED, *(state.value for state in SubmissionState)]),
        kind_labels=table_per_language(kind_label, [*ExchangeKind, *(kind.value for kind in ExchangeKind)]),
        state_labels=table_per_language(state_label, [*SubmissionState, *(s.value for s in SubmissionState)]))
    app.jinja_env.globals["counted"] = counted
    app.jinja_env.globals.update(field_label=field_label, audit_action_label=audit_action_label,
                                 audit_state_label=audit_state_label, revision_label=revision_label)

    @app.context_processor
    def inject_globals():
        return {
            "can": permissions,
            "lang": current_lang(),
            "unread_notifications": _unread_count(),
        }


def once_per_language(label):
    """``label`` of an enum member, translated once per language and member, not once per row.

    The words of a language are fixed while the process runs (the catalogue
    is compiled before it starts), so nothing kept here is ever stale; the
    keys are a language and a member (or its value), a few dozen at most.
    """
    words: dict = {}

    def word(value):
        key = (current_lang(), value)
        try:
            return words[key]
        except KeyError:
            words[key] = found = label(value)
            return found
        except TypeError:  # an unhashable value: translate it as it comes
            return label(value)
    word.__name__ = label.__name__
    return word


def table_per_language(label, values):
    """``label`` of each of ``values`` as one dict per language, built once (as ``once_per_language``).

    The template asks for the table once a page and looks each bar's or
    row's word up in it, with neither a call nor the locale asked for per row.
    """
    tables: dict[str, dict] = {}

    def table() -> dict:
        lang = current_lang()
        try:
            return tables[lang]
        except KeyError:
            tables[lang] = found = {value: label(value) for value in values}
            return found
    table.__name__ = f"{label.__name__}s"
    return table


def counted(counts: dict, words: dict, *, nonzero: bool = False) -> str:
    """``draft 2, submitted 5``: each status in ``counts`` by its word, for a chart's text alternative."""
    return ", ".join(f"{words[status]} {n}" for status, n in counts.items() if n or not nonzero)


def page_url(number: int) -> str:
    """This page with the same query string (filters, search, sort) on page ``number``."""
    args = {key: values for key, values in request.args.lists() if key != "page"}
    return url_for(request.endpoint, **(request.view_args or {}), **args, page=number)


def _unread_count() -> int:
    if not current_user or not current_user.is_authenticated:
        return 0
    return unread_count(current_user)
