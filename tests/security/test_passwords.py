"""Common and leaked passwords are refused wherever a password is set; who may reset whose."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.accounts import authenticate, create_user
from app.domain.passwords import WeakPassword, common_passwords
from app.models import AuditEvent, Role, User
from tests.factories import PASSWORD
from tests.helpers import page_text

LEAKED = "This password is on a list of common or leaked passwords. Please choose another."


@pytest.fixture
def staff(factory):
    users = {role.value: factory.user(role, username=role.value) for role in Role}
    factory.commit()
    return users


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_bundled_list_holds_the_common_passwords():
    assert len(common_passwords()) > 19000
    assert {"password123", "123456789", "qwertyuiop"} <= common_passwords()


@pytest.mark.parametrize("password", ["password123", "PASSWORD123", "1234567890", "qwertyuiop"])
def test_creating_an_account_with_a_leaked_password_is_refused(db, password):
    with pytest.raises(WeakPassword, match="common or leaked"):
        create_user(username="wang", display_name="王", role=Role.REVIEWER, password=password)
    assert db.session.scalar(sa.select(User).where(User.username == "wang")) is None


def test_a_password_containing_the_username_is_refused(db):
    with pytest.raises(WeakPassword, match="must not contain the username"):
        create_user(username="zhangsan", display_name="张三", role=Role.REVIEWER, password="Zhangsan-2024!")


def test_the_admin_form_refuses_a_leaked_initial_password(client, db, staff):
    login(client, "admin")
    response = client.post("/admin/accounts/new", data={
        "username": "wang", "display_name": "王五", "role": "reviewer", "organisation_id": 0, "password": "password123"})
    assert response.status_code == 422 and LEAKED in page_text(response)
    assert db.session.scalar(sa.select(User).where(User.username == "wang")) is None


def test_changing_ones_password_to_a_leaked_one_is_refused(client, db, staff):
    login(client, "reviewer")
    response = client.post("/account", data={
        "current_password": PASSWORD, "new_password": "password123", "confirm": "password123"})
    assert LEAKED in page_text(response)
    assert authenticate("reviewer", PASSWORD) is not None


def test_the_leaked_password_message_is_in_chinese(client, db, staff):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    login(client, "reviewer")
    response = client.post("/account", data={
        "current_password": PASSWORD, "new_password": "password123", "confirm": "password123"})
    assert "此密码属于常见或已泄露的密码" in page_text(response)


def test_resetting_to_a_leaked_password_is_refused(client, db, staff):
    login(client, "admin")
    response = client.post(f"/admin/accounts/{staff['reviewer'].id}/password", data={"password": "password123"})
    assert response.status_code == 422 and LEAKED in page_text(response)
    assert authenticate("reviewer", PASSWORD) is not None


@pytest.mark.parametrize("target", ["editor", "admin"])
def test_an_editor_may_not_reset_or_disable_editors_and_administrators(client, db, staff, target):
    login(client, "editor")
    victim = staff[target] if target == "admin" else create_user(
        username="editor2", display_name="编辑二", role=Role.EDITOR, password=PASSWORD)
    db.session.commit()
    assert client.post(f"/admin/accounts/{victim.id}/password", data={"password": "an attacker's own"}).status_code == 403
    assert client.post(f"/admin/accounts/{victim.id}/enabled/off").status_code == 403
    assert "Reset the password" not in page_text(client.get(f"/admin/accounts/{victim.id}"))
    db.session.expire_all()
    assert authenticate(victim.username, PASSWORD) is not None and victim.is_enabled
    refusals = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [(e.actor_id, e.detail["method"]) for e in refusals] == [(staff["editor"].id, "POST")] * 2


@pytest.mark.parametrize("target", ["reviewer", "submitter"])
def test_an_editor_resets_reviewers_and_submitters(client, db, staff, target):
    login(client, "editor")
    response = client.post(f"/admin/accounts/{staff[target].id}/password", data={"password": "a fresh strong one"})
    assert response.status_code == 302
    assert authenticate(target, "a fresh strong one") is not None


def test_an_administrator_resets_an_editor(client, db, staff):
    login(client, "admin")
    assert client.post(f"/admin/accounts/{staff['editor'].id}/password", data={"password": "a fresh strong one"}).status_code == 302
    assert authenticate("editor", "a fresh strong one") is not None


def test_an_editor_may_not_create_an_editor_or_administrator(client, db, staff):
    login(client, "editor")
    form = client.get("/admin/accounts/new").get_data(as_text=True)
    assert 'value="reviewer"' in form and 'value="admin"' not in form and 'value="editor"' not in form
    response = client.post("/admin/accounts/new", data={
        "username": "boss", "display_name": "Boss", "role": "admin", "organisation_id": 0, "password": "a strong password"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.username == "boss")) is None


def test_the_domain_itself_refuses_an_editor_giving_the_administrator_role(db, staff):
    from app.domain.errors import Forbidden

    with pytest.raises(Forbidden):
        create_user(username="boss", display_name="Boss", role=Role.ADMIN, password="a strong password",
                    actor=staff["editor"])
    assert db.session.scalar(sa.select(User).where(User.username == "boss")) is None
