"""NUL bytes, ids past the database's integers and control characters: a clear 400/404/422, never a 500."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Submission
from tests.factories import PASSWORD
from tests.helpers import page_text

NUL_REFUSED = "The request contained a NUL character, which no field accepts. Nothing was changed."
ONE_LINE = "This field takes one line of text: line breaks and control characters are not allowed."


def save(client, draft, **fields):
    data = {"lock_version": draft.lock_version, "title": draft.title, "body": draft.body_source} | fields
    return client.post(f"/submissions/{draft.id}/save", data=data)


@pytest.mark.parametrize("username", ["rev\x00iewer", "\x00", "reviewer\x00' OR 1=1"])
def test_a_nul_byte_in_a_login_name_is_a_clear_400(client, db, bureaus, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 400 and NUL_REFUSED in page_text(response)
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "login_failed")).all() == []


def test_a_nul_byte_in_a_search_is_a_clear_400(client, bureaus, login):
    login(client, "reviewer")
    response = client.get("/review/?q=%E8%93%9D%00sky")
    assert response.status_code == 400 and NUL_REFUSED in page_text(response)


def test_a_nul_byte_in_a_title_changes_nothing(client, db, bureaus, login):
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    title = draft.title
    response = save(client, draft, title="蓝天\x00保卫战")
    assert response.status_code == 400 and NUL_REFUSED in page_text(response)
    db.session.expire_all()
    assert draft.title == title


@pytest.mark.parametrize("path", [
    "/submissions/2147483648", "/submissions/99999999999999999999999", "/review/2147483648",
    "/submissions/2147483648/diff", "/admin/accounts/2147483648", "/notifications/2147483648/read",
])
def test_ids_past_the_database_integer_are_not_found(client, bureaus, login, path):
    login(client, "hebei-user" if path.startswith("/submissions") else "reviewer")
    method = client.post if path.endswith("/read") else client.get
    assert method(path).status_code in {403, 404}


def test_the_largest_database_integer_is_simply_not_found(client, bureaus, login):
    login(client, "hebei-user")
    assert client.get("/submissions/2147483647").status_code == 404


@pytest.mark.parametrize("query", ["page=2147483648", "page=-99999999999999999999", "page=abc"])
def test_huge_page_numbers_fall_back_to_the_first_page(client, bureaus, login, query):
    login(client, "reviewer")
    assert client.get(f"/notifications/?{query}").status_code == 200
    assert client.get(f"/review/?{query}").status_code == 200


def test_huge_version_numbers_in_a_comparison_fall_back_to_the_latest(client, db, factory, bureaus, login):
    from app.models import SubmissionState

    draft = bureaus["drafts"]["ours"]
    factory.move_to(draft, SubmissionState.CHANGES_REQUESTED, author=bureaus["users"]["ours"])
    factory.commit()
    login(client, "hebei-user")
    response = client.get(f"/submissions/{draft.id}/diff?old=99999999999&new=99999999999")
    assert response.status_code == 200 and "Compare versions" in page_text(response)


def test_a_huge_lock_version_is_a_form_error(client, db, bureaus, login):
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    assert save(client, draft, lock_version="99999999999999999999", title="新标题").status_code == 422
    db.session.expire_all()
    assert draft.title != "新标题"


@pytest.mark.parametrize("title", ["第一行\n第二行", "标题\r\nBcc: all@mee.gov.cn", "响铃\x07", "制表\t符", "分\u2028行"])
def test_control_characters_in_a_title_are_refused_with_a_message(client, db, bureaus, login, title):
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    before = draft.title
    response = save(client, draft, title=title)
    assert response.status_code == 422 and ONE_LINE in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).title == before


def test_line_breaks_stay_welcome_in_the_body(client, db, bureaus, login):
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    assert save(client, draft, body="第一段。\r\n\r\n第二段。\t完").status_code == 302
    db.session.expire_all()
    assert "第二段" in draft.body_source


def test_the_one_line_message_is_in_chinese(client, db, bureaus, login):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    bureaus["users"]["ours"].locale = None
    db.session.commit()
    login(client, "hebei-user")
    draft = bureaus["drafts"]["ours"]
    assert "此字段只接受单行文字" in page_text(save(client, draft, title="一\n二"))


def test_a_control_character_in_a_login_name_is_a_form_error(client, bureaus):
    response = client.post("/login", data={"username": "reviewer\x1b[2J", "password": PASSWORD})
    assert response.status_code == 200 and ONE_LINE in page_text(response)
