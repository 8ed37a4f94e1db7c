"""`flask --app wsgi create-user`: a real account from the command line."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.accounts import authenticate
from app.models import Role, User

PASSWORD = "a long secret 2024"


@pytest.fixture
def create_user(app):
    runner = app.test_cli_runner()

    def create_user(*, username="zhang.san", name="张三", role="reviewer", password=PASSWORD,
                    repeat=None, args=()):
        answers = [username, name, role, password, password if repeat is None else repeat]
        return runner.invoke(args=["create-user", *args], input="\n".join(answers) + "\n")

    return create_user


def users(db) -> list[User]:
    return db.session.scalars(sa.select(User)).all()


def test_prompts_create_an_account_that_can_log_in(db, create_user):
    result = create_user()
    assert result.exit_code == 0, result.output
    assert "Created zhang.san (reviewer)." in result.output
    [user] = users(db)
    assert (user.username, user.display_name, user.role) == ("zhang.san", "张三", Role.REVIEWER)
    assert user.password_hash.startswith("$argon2id$")
    assert authenticate("zhang.san", PASSWORD) is user


def test_the_password_is_not_echoed(create_user):
    result = create_user()
    assert result.exit_code == 0
    assert PASSWORD not in result.output


def test_a_submitter_is_created_for_a_bureau_by_its_code(db, factory, create_user):
    bureau = factory.organisation(code="zhejiang")
    factory.commit()
    result = create_user(username="zj1", role="submitter", args=["--organisation", "zhejiang"])
    assert result.exit_code == 0, result.output
    [user] = users(db)
    assert user.organisation_id == bureau.id


def test_an_unknown_bureau_code_is_an_error(db, create_user):
    result = create_user(role="submitter", args=["--organisation", "atlantis"])
    assert result.exit_code == 1
    assert "No bureau with code 'atlantis'." in result.output
    assert users(db) == []


def test_a_taken_username_is_an_error(db, factory, create_user):
    factory.user(Role.EDITOR, username="zhang.san")
    factory.commit()
    result = create_user(username="Zhang.San")
    assert result.exit_code == 1
    assert "is taken" in result.output
    assert len(users(db)) == 1


def test_a_submitter_without_a_bureau_is_an_error(db, create_user):
    result = create_user(role="submitter")
    assert result.exit_code == 1
    assert "A submitter belongs to exactly one bureau" in result.output
    assert users(db) == []


def test_a_short_password_is_an_error(db, create_user):
    result = create_user(password="short")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert users(db) == []


def test_an_unknown_role_is_asked_again(db, create_user, app):
    runner = app.test_cli_runner()
    answers = ["li.si", "李四", "emperor", "editor", PASSWORD, PASSWORD]
    result = runner.invoke(args=["create-user"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "is not one of" in result.output
    assert users(db)[0].role is Role.EDITOR


def test_two_different_passwords_are_asked_again(db, app):
    runner = app.test_cli_runner()
    answers = ["li.si", "李四", "editor", PASSWORD, "something else 1", PASSWORD, PASSWORD]
    result = runner.invoke(args=["create-user"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()
    assert authenticate("li.si", PASSWORD) is not None


def test_a_leaked_password_is_refused_on_the_command_line_too(db, create_user):
    result = create_user(password="password123")
    assert result.exit_code != 0
    assert "on a list of common or leaked passwords" in result.output
    assert users(db) == []
