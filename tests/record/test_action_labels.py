"""Every kind of event the code records has a name in both languages, for the record page and its export."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.support import Translations

import app as app_package
from app.domain.labels import AUDIT_ACTION_LABELS, audit_action_label
from app.domain.workflow import Action

ROOT = Path(app_package.__file__).resolve().parent
RECORDERS = {"record_event", "record_security_event"}


def recorded_actions() -> set[str]:
    """The action names of every ``record_event``/``record_security_event`` call in app/, read from the AST.

    A literal, or each literal of a conditional (``"note" if internal else "comment"``); the workflow
    records ``action.value``, so every member of ``Action``.
    """
    found = {action.value for action in Action}
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in RECORDERS:
                if node.args:
                    found |= {c.value for c in ast.walk(node.args[0])
                              if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_the_walk_finds_the_actions_it_should():
    actions = recorded_actions()
    assert {"login", "login_failed", "probe", "refused", "note", "comment", "open_review", "approve",
            "remind", "archive_built", "original_download"} <= actions
    assert len(actions) > 50


def test_every_recorded_action_has_a_label():
    assert sorted(recorded_actions() - set(AUDIT_ACTION_LABELS)) == []


@pytest.mark.parametrize("action", sorted(recorded_actions()))
def test_every_label_is_translated_into_chinese(app, action):
    catalog = Translations.load(str(Path(app.root_path).parent / "translations"), ["zh"])
    english = AUDIT_ACTION_LABELS[action]._args[0]
    chinese = catalog.gettext(english)
    assert chinese != english and chinese.strip()


def test_an_action_no_longer_in_the_code_shows_its_name(app):
    with app.test_request_context():
        assert audit_action_label("retired_action") == "retired_action"
