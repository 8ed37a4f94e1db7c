"""Templates say their words in the request's language, and in a forced one (a mail in its
recipient's language) while it is forced: the catalogue is found once per language, never
carried over from another request or locale."""
from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

WORDS = '{{ _("Home") }}|{{ ngettext("%(num)d more bureau has no approved piece.", ' \
        '"%(num)d more bureaus have no approved piece.", 3) }}'


def test_template_words_follow_the_request_and_a_forced_locale(app):
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert render_template_string(WORDS) == "首页|另有 3 个单位尚无通过的材料。"
        with force_locale("en"):
            assert render_template_string(WORDS) == "Home|3 more bureaus have no approved piece."
        assert render_template_string(WORDS) == "首页|另有 3 个单位尚无通过的材料。"
    # Each request has an app context of its own, as when served (Flask-Babel keeps the locale on ``g``).
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(WORDS) == "Home|3 more bureaus have no approved piece."
