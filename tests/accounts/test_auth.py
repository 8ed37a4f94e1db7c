"""Logging in and out, sessions, CSRF and redirects."""
import pytest

from app.models import Role
from tests.factories import PASSWORD


@pytest.fixture
def submitter(factory):
    user = factory.user(Role.SUBMITTER, username="tianjin")
    factory.commit()
    return user


def test_login_with_right_password_reaches_home(client, auth, submitter):
    response = auth.login("tianjin")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    home = client.get("/")
    assert submitter.organisation.name_en in home.get_data(as_text=True)


def test_username_is_not_case_sensitive(client, auth, submitter):
    auth.login("TianJin")
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, auth, submitter):
    response = auth.login("tianjin", "wrong password!")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, auth):
    response = auth.login("nobody", PASSWORD)
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/admin/accounts")
    assert response.status_code == 302
    assert "/login?next=%2Fadmin%2Faccounts" in response.headers["Location"]


def test_login_follows_a_safe_next(client, submitter):
    response = client.post("/login", data={"username": "tianjin", "password": PASSWORD, "next": "/account"})
    assert response.headers["Location"].endswith("/account")


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/\t/evil.example", "\\\\evil.example",
])
def test_login_never_redirects_off_site(client, submitter, target):
    response = client.post("/login", data={"username": "tianjin", "password": PASSWORD, "next": target})
    location = response.headers["Location"]
    assert location in ("/", "http://huibian.test/")


def test_logout_ends_the_session(client, auth, submitter):
    auth.login("tianjin")
    auth.logout()
    assert client.get("/").status_code == 302


def test_logout_ends_copies_of_the_session_cookie(app, client, auth, submitter):
    auth.login("tianjin")
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session", domain="huibian.test").value, domain="huibian.test")
    assert stolen.get("/").status_code == 200
    auth.logout()
    assert stolen.get("/").status_code == 302


def test_disabled_account_cannot_log_in(factory, client, auth, submitter, db):
    submitter.is_enabled = False
    factory.commit()
    response = auth.login("tianjin")
    assert response.status_code == 401


def test_disabling_an_account_ends_its_live_sessions(factory, app, client, auth, submitter):
    from app.domain.accounts import set_enabled

    auth.login("tianjin")
    assert client.get("/").status_code == 200
    admin = factory.user(Role.ADMIN)
    set_enabled(submitter, False, actor=admin)
    factory.commit()
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(csrf_client, submitter):
    response = csrf_client.post("/login", data={"username": "tianjin", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_login_with_csrf_token_works(csrf_client, submitter):
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post("/login", data={"username": "tianjin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert csrf_client.get("/").status_code == 200


def test_logout_by_get_is_not_possible(client, auth, submitter):
    auth.login("tianjin")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_change_password_requires_the_current_one(client, auth, submitter):
    auth.login("tianjin")
    response = client.post("/account", data={
        "current_password": "not it at all", "new_password": "a new password 1", "confirm": "a new password 1"})
    assert "The current password is not right." in response.get_data(as_text=True)


def test_change_password_then_log_in_with_the_new_one(app, client, auth, submitter):
    auth.login("tianjin")
    other_device = app.test_client()
    other_device.post("/login", data={"username": "tianjin", "password": PASSWORD})
    response = client.post("/account", data={
        "current_password": PASSWORD, "new_password": "a new password 1", "confirm": "a new password 1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200          # this session kept
    assert other_device.get("/").status_code == 302    # the others ended
    auth.logout()
    assert auth.login("tianjin", PASSWORD).status_code == 401
    assert auth.login("tianjin", "a new password 1").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(submitter):
    assert submitter.password_hash.startswith("$argon2id$")
    assert PASSWORD not in submitter.password_hash


@pytest.mark.parametrize("cookie", ["1", "abc:def", "999:token", ":", ""])
def test_forged_session_ids_are_anonymous(app, cookie):
    from app.auth.session import load_user

    assert load_user(cookie) is None
