"""Editors and administrators manage accounts; nobody else may."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.accounts import authenticate
from app.models import AuditEvent, Role, User
from tests.factories import PASSWORD


@pytest.fixture
def staff(factory):
    bureau = factory.organisation(code="hunan", name_zh="湖南省生态环境厅", name_en="Hunan Department")
    users = {
        "editor": factory.user(Role.EDITOR, username="editor"),
        "admin": factory.user(Role.ADMIN, username="admin"),
        "reviewer": factory.user(Role.REVIEWER, username="reviewer"),
        "submitter": factory.user(Role.SUBMITTER, organisation=bureau, username="hunan"),
    }
    factory.commit()
    return users | {"bureau": bureau}


def as_user(client, auth, username):
    auth.login(username)
    client.post("/language/en")  # WTForms' own messages are asserted in English
    return client


def new_account(**values):
    return {"username": "wang.wu", "display_name": "王五", "email": "wang@example.cn", "role": "reviewer",
            "organisation_id": 0, "password": "a strong password"} | values


def user_named(db, username):
    return db.session.scalar(sa.select(User).where(User.username == username))


@pytest.mark.parametrize("manager", ["editor", "admin"])
def test_a_manager_creates_a_submitter_for_a_bureau(db, client, auth, staff, manager):
    as_user(client, auth, manager)
    response = client.post("/admin/accounts/new", data=new_account(
        username="hunan2", role="submitter", organisation_id=staff["bureau"].id))
    user = user_named(db, "hunan2")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/accounts/{user.id}")
    assert (user.role, user.organisation_id, user.display_name) == (Role.SUBMITTER, staff["bureau"].id, "王五")
    assert authenticate("hunan2", "a strong password") is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "create_account",
                                                          AuditEvent.object_id == user.id))
    assert event.actor_id == staff[manager].id
    assert "hunan2" in client.get("/admin/accounts").get_data(as_text=True)


def test_a_manager_creates_a_ministry_reviewer(db, client, auth, staff):
    as_user(client, auth, "editor")
    client.post("/admin/accounts/new", data=new_account())
    assert user_named(db, "wang.wu").role is Role.REVIEWER


@pytest.mark.parametrize("values, message", [
    ({"role": "submitter", "organisation_id": 0}, "A submitter belongs to exactly one bureau"),
    ({"role": "reviewer", "organisation_id": "bureau"}, "A submitter belongs to exactly one bureau"),
    ({"password": "short"}, "Field must be between 10 and 500 characters long."),
    ({"username": "has space"}, "Letters, digits, dot, dash and underscore only."),
    ({"username": "Reviewer"}, "is taken"),
    ({"email": "not-an-address"}, "Invalid email address."),
    ({"display_name": "长" * 100_000}, "Field cannot be longer than 120 characters."),
])
def test_an_impossible_account_is_refused_with_a_message(db, client, auth, staff, values, message):
    as_user(client, auth, "editor")
    if values.get("organisation_id") == "bureau":
        values = values | {"organisation_id": staff["bureau"].id}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = client.post("/admin/accounts/new", data=new_account(**values))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_disabling_an_account_ends_its_session_and_its_logins(db, app, client, auth, staff):
    victim = app.test_client()
    victim.post("/login", data={"username": "hunan", "password": PASSWORD})
    assert victim.get("/").status_code == 200
    as_user(client, auth, "editor")
    response = client.post(f"/admin/accounts/{staff['submitter'].id}/enabled/off", follow_redirects=True)
    assert "Account disabled; its sessions have ended." in response.get_data(as_text=True)
    assert victim.get("/").status_code == 302
    assert victim.post("/login", data={"username": "hunan", "password": PASSWORD}).status_code == 401
    db.session.expire_all()
    assert not staff["submitter"].is_enabled
    assert "disabled" in client.get("/admin/accounts").get_data(as_text=True)


def test_enabling_an_account_lets_it_log_in_again(db, app, client, auth, staff):
    staff["submitter"].is_enabled = False
    db.session.commit()
    as_user(client, auth, "admin")
    client.post(f"/admin/accounts/{staff['submitter'].id}/enabled/on")
    returning = app.test_client()
    assert returning.post("/login", data={"username": "hunan", "password": PASSWORD}).status_code == 302
    assert returning.get("/").status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "enable_account" in actions


def test_resetting_a_password_ends_sessions_and_sets_the_new_one(db, app, client, auth, staff):
    victim = app.test_client()
    victim.post("/login", data={"username": "reviewer", "password": PASSWORD})
    as_user(client, auth, "editor")
    response = client.post(f"/admin/accounts/{staff['reviewer'].id}/password", data={"password": "brand new secret"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert authenticate("reviewer", PASSWORD) is None
    assert authenticate("reviewer", "brand new secret") is not None


def test_a_weak_reset_password_is_refused(db, client, auth, staff):
    as_user(client, auth, "editor")
    response = client.post(f"/admin/accounts/{staff['reviewer'].id}/password", data={"password": "short"})
    assert response.status_code == 422
    assert "Field must be between 10 and 500 characters long." in response.get_data(as_text=True)
    assert authenticate("reviewer", PASSWORD) is not None


def test_an_administrator_cannot_disable_themself(db, client, auth, staff):
    as_user(client, auth, "admin")
    response = client.post(f"/admin/accounts/{staff['admin'].id}/enabled/off")
    assert response.status_code == 400
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert staff["admin"].is_enabled
    assert client.get("/admin/accounts").status_code == 200


def test_an_unknown_account_is_not_found(client, auth, staff):
    as_user(client, auth, "admin")
    for method, url in [("GET", "/admin/accounts/999999"), ("POST", "/admin/accounts/999999/enabled/off"),
                        ("POST", "/admin/accounts/999999/password")]:
        assert client.open(url, method=method).status_code == 404, url


@pytest.mark.parametrize("role", ["reviewer", "hunan"])
def test_reviewers_and_submitters_are_forbidden_every_admin_route(db, client, auth, staff, role):
    as_user(client, auth, role)
    target = staff["editor"].id
    for method, url, data in [
        ("GET", "/admin/accounts", None), ("GET", "/admin/accounts/new", None),
        ("POST", "/admin/accounts/new", new_account(username="intruder", role="admin")),
        ("GET", f"/admin/accounts/{target}", None),
        ("POST", f"/admin/accounts/{target}/enabled/off", None),
        ("POST", f"/admin/accounts/{target}/enabled/on", None),
        ("POST", f"/admin/accounts/{target}/password", {"password": "taken over now"}),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
    db.session.expire_all()
    assert user_named(db, "intruder") is None
    assert staff["editor"].is_enabled
    assert authenticate("editor", PASSWORD) is not None


def test_account_management_without_csrf_token_is_refused(db, csrf_client, staff):
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    response = csrf_client.post(f"/admin/accounts/{staff['reviewer'].id}/enabled/off")
    assert response.status_code == 400
    response = csrf_client.post("/admin/accounts/new", data=new_account())
    assert response.status_code == 400
    db.session.expire_all()
    assert staff["reviewer"].is_enabled and user_named(db, "wang.wu") is None
