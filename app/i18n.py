"""Language and time zone for each request (Chinese by default, English on request)."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.extensions import babel

LANGUAGES = {"zh": "中文", "en": "English"}


# Locale → language: ``str(locale)`` rebuilds the identifier at every call,
# and templates ask once per row and column. A pure mapping, never stale.
_LANG_OF_LOCALE: dict = {}


def current_lang() -> str:
    """``zh`` or ``en``: the language this request is answered in."""
    locale = get_locale()
    try:
        return _LANG_OF_LOCALE[locale]
    except KeyError:
        lang = _LANG_OF_LOCALE[locale] = "zh" if str(locale).startswith("zh") else "en"
        return lang


# Locale → its catalogue. Flask-Babel finds the catalogue anew at every
# ``_()`` of a template (its context twice, the locale's identifier rebuilt as
# a string, a cache lookup): about 11 µs, and a page of rows says a few hundred
# words. Catalogues are compiled before the process starts, so what is kept
# here is never stale; a forced locale (mail in the recipient's language) is
# a locale of its own.
_CATALOGUE_OF_LOCALE: dict = {}


def request_translations():
    """The catalogue of the language this request (or forced locale) is answered in."""
    locale = get_locale()
    if locale is None:
        return get_translations()
    try:
        return _CATALOGUE_OF_LOCALE[locale]
    except KeyError:
        found = _CATALOGUE_OF_LOCALE[locale] = get_translations()
        return found


def select_locale() -> str | None:
    if not has_request_context():
        return None  # CLI commands and background jobs: Babel's default locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(
        list(LANGUAGES), default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    # The words of templates, as Flask-Babel installs them but with the catalogue
    # found once per language (``request_translations``).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
