"""No English-only refusal reaches the Chinese interface from the domain.

The walk reads every ``raise`` of a refusal in ``app/domain`` and checks that
its message goes through gettext, and that the Chinese catalog translates
every message the domain can say; then a few refusals are met over HTTP in
Chinese, the way a user meets them.
"""
from __future__ import annotations

import ast
import re

import pytest
from babel.messages.mofile import read_mo

from app.config import ROOT
from app.models import Role, SubmissionState
from tests.helpers import page_text

DOMAIN = ROOT / "app" / "domain"
def _refusal_names() -> set[str]:
    """Every DomainError subclass the domain defines, found by importing the whole domain."""
    import importlib
    import pkgutil

    import app.domain
    from app.domain.errors import DomainError

    for module in pkgutil.walk_packages(app.domain.__path__, "app.domain."):
        importlib.import_module(module.name)
    names, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


# DocxImportError is not a refusal itself, but its message becomes one (ImportRefused).
REFUSALS = _refusal_names() | {"DocxImportError"}
GETTEXT = {"_", "gettext", "ngettext", "_l", "lazy_gettext"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _called_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
    return None


def domain_refusals():
    """(file, line, message node) of every ``raise <Refusal>(message)`` in the domain."""
    for path in sorted(DOMAIN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Raise) and _called_name(node.exc) in REFUSALS and node.exc.args:
                yield path.relative_to(ROOT), node.lineno, node.exc.args[0]


def domain_msgids() -> set[str]:
    found = set()
    for path in DOMAIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if _called_name(node) in GETTEXT and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    return found


def _is_plain_text(node: ast.AST) -> bool:
    """A message written out in the code (a string, an f-string, or text glued to one): English only."""
    if isinstance(node, ast.Constant):
        return bool(str(node.value).strip())  # a space gluing two translated sentences is no English
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    return False


def test_no_refusal_in_the_domain_is_written_out_in_english():
    """A refusal's message is a gettext call, or comes from one (a helper, a caught refusal's message)."""
    plain = [f"{path}:{line}" for path, line, message in domain_refusals() if _is_plain_text(message)]
    assert plain == []


def test_the_chinese_catalog_translates_everything_the_domain_says():
    with open(ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        catalog = read_mo(mo)
    translated = {m.id if isinstance(m.id, str) else m.id[0]
                  for m in catalog if m.id and m.string and CJK.search(str(m.string))}
    untranslated = sorted(m for m in domain_msgids() if m not in translated and CJK.search(m) is None)
    assert untranslated == []


@pytest.fixture
def in_chinese(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    return client


def test_building_with_nothing_approved_is_refused_in_chinese(in_chinese, auth, factory):
    conference = factory.conference()
    factory.user(Role.EDITOR, username="editor-zh")
    factory.commit()
    auth.login("editor-zh")
    response = in_chinese.post(f"/proceedings/{conference.slug}/editions", data={"edition_date": "2024-12-20"})
    assert response.status_code == 400
    assert "汇编中尚无已通过的材料，无法生成。" in page_text(response)


def test_disabling_ones_own_account_is_refused_in_chinese(in_chinese, auth, factory, db):
    admin = factory.user(Role.ADMIN, username="admin-zh")
    factory.commit()
    auth.login("admin-zh")
    response = in_chinese.post(f"/admin/accounts/{admin.id}/enabled/off")
    assert "不能停用自己的账号。" in page_text(response)
    db.session.refresh(admin)
    assert admin.is_enabled


def test_submitting_an_incomplete_piece_is_refused_in_chinese(in_chinese, auth, factory, db):
    submission = factory.submission(title="")
    author = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, username="bureau-zh")
    factory.commit()
    auth.login("bureau-zh")
    response = in_chinese.post(f"/submissions/{submission.id}/submit")
    assert response.status_code == 400
    text = page_text(response)
    assert "提交前" in text and "Before submitting" not in text
    db.session.refresh(submission)
    assert submission.state is SubmissionState.DRAFT and author.id
