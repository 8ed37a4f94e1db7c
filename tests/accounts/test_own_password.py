"""A password someone else chose must be replaced at the first login, before anything else."""
from __future__ import annotations

import sqlalchemy as sa

from app.models import Notification, Role, User
from tests.helpers import page_text

GIVEN = "a password the administrator chose"
OWN = "my very own passphrase 2024"


def user_named(db, username) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def create_by_editor(client, auth, factory, username="wang.wu"):
    factory.user(Role.EDITOR, username="editor")
    factory.commit()
    auth.login("editor")
    client.post("/admin/accounts/new", data={"username": username, "display_name": "王五", "email": "",
                                             "role": "reviewer", "organisation_id": 0, "password": GIVEN})
    auth.logout()
    user_named(factory.db, username).locale = "zh"
    factory.commit()


def test_an_account_made_by_an_editor_must_choose_its_own_password_first(db, client, auth, factory):
    create_by_editor(client, auth, factory)
    assert user_named(db, "wang.wu").must_change_password
    assert auth.login("wang.wu", GIVEN).status_code == 302
    for path in ("/", "/review/", "/proceedings/published"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    page = client.get("/account", follow_redirects=True)
    assert page.status_code == 200
    response = client.post("/account", data={"current_password": GIVEN, "new_password": OWN, "confirm": OWN})
    assert response.status_code == 302
    assert not user_named(db, "wang.wu").must_change_password
    assert client.get("/").status_code == 200


def test_the_warning_says_why_in_the_users_language(db, client, auth, factory):
    create_by_editor(client, auth, factory)
    auth.login("wang.wu", GIVEN)
    page = page_text(client.get("/", follow_redirects=True))
    assert "您的密码由他人设置。请先设置自己的密码再继续。" in page


def test_a_post_elsewhere_changes_nothing_until_the_password_is_the_users_own(db, client, auth, factory):
    create_by_editor(client, auth, factory)
    user = user_named(db, "wang.wu")
    db.session.add(Notification(user_id=user.id, text_en="A notice", text_zh="一条通知", link="/"))
    db.session.commit()
    auth.login("wang.wu", GIVEN)
    response = client.post("/notifications/read-all")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Notification.read_at)) is None


def test_keeping_the_given_password_is_refused(db, client, auth, factory):
    create_by_editor(client, auth, factory)
    auth.login("wang.wu", GIVEN)
    response = client.post("/account", data={"current_password": GIVEN, "new_password": GIVEN, "confirm": GIVEN})
    assert "请设置一个与他人为您设置的密码不同的新密码。" in page_text(response)
    assert user_named(db, "wang.wu").must_change_password


def test_a_reset_by_an_administrator_asks_again(db, client, auth, factory):
    reviewer = factory.user(Role.REVIEWER, username="reviewer")
    factory.user(Role.ADMIN, username="admin")
    factory.commit()
    assert not reviewer.must_change_password
    auth.login("admin")
    client.post(f"/admin/accounts/{reviewer.id}/password", data={"password": GIVEN})
    assert user_named(db, "reviewer").must_change_password


def test_accounts_from_the_command_line_and_the_demo_are_their_owners(db):
    from app.domain.accounts import create_user

    user = create_user(username="hubei.cli", display_name="命令行建的账号", role=Role.REVIEWER, password=OWN)
    assert not user.must_change_password
