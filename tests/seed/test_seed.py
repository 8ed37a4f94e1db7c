"""`flask --app wsgi seed-demo`: the 2024 conference, its bureaus and demo accounts, loaded once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.accounts import authenticate
from app.models import Base, Conference, ExchangeKind, Invitation, KeyTask, Organisation, Role, User
from app.seed.demo import DEMO_PASSWORD, load_conference_data

ORAL = ["tianjin", "heilongjiang", "fujian", "hunan", "guangdong", "tibet", "xinjiang"]
WRITTEN = ["shanxi", "zhejiang", "shandong", "guangxi", "sichuan"]


@pytest.fixture
def seed(app):
    runner = app.test_cli_runner()

    def seed(*args: str):
        result = runner.invoke(args=["seed-demo", *args])
        assert result.exit_code == 0, result.output
        return result

    return seed


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def every_table(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()}


def test_the_data_file_lies_inside_the_project():
    from app.config import ROOT
    from app.seed.demo import DATA_FILE

    assert DATA_FILE.resolve().is_relative_to(ROOT / "app") and DATA_FILE.is_file()


def test_seed_loads_the_2024_conference(db, seed):
    seed()
    assert count(db, Conference) == 1
    organisations = db.session.scalars(sa.select(Organisation)).all()
    assert len(organisations) == 33
    assert [o.code for o in organisations if o.is_ministry] == ["mee"]
    assert len([o for o in organisations if not o.is_ministry]) == 32
    conference = db.session.scalar(sa.select(Conference))
    assert conference.title_zh == load_conference_data()["conference"]["title_zh"]
    assert conference.timezone == "Asia/Shanghai"


def test_seed_loads_eight_key_tasks_in_both_languages(db, seed):
    seed()
    tasks = db.session.scalars(sa.select(KeyTask).order_by(KeyTask.number)).all()
    assert [t.number for t in tasks] == list(range(1, 9))
    assert all(t.title_zh and t.title_en and t.title_zh != t.title_en for t in tasks)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in tasks[0].title_zh)  # real Chinese, not mojibake


def test_seed_invites_seven_oral_and_five_written_exchanges(db, seed):
    seed()
    invitations = db.session.scalars(sa.select(Invitation).order_by(Invitation.speaking_order)).all()
    oral = [i for i in invitations if i.kind is ExchangeKind.ORAL]
    written = [i for i in invitations if i.kind is ExchangeKind.WRITTEN]
    assert [i.organisation.code for i in oral] == ORAL
    assert [i.speaking_order for i in oral] == list(range(1, 8))
    assert sorted(i.organisation.code for i in written) == sorted(WRITTEN)
    assert all(i.speaking_order is None for i in written)


def test_seed_creates_the_demo_accounts(db, seed):
    seed()
    users = db.session.scalars(sa.select(User)).all()
    submitters = {u.username: u for u in users if u.role is Role.SUBMITTER}
    assert set(submitters) == set(ORAL + WRITTEN)
    assert all(u.organisation.code == name for name, u in submitters.items())
    by_role = {role: sorted(u.username for u in users if u.role is role) for role in Role}
    assert by_role[Role.REVIEWER] == ["reviewer1", "reviewer2"]
    assert by_role[Role.EDITOR] == ["editor"]
    assert by_role[Role.ADMIN] == ["admin"]
    for username in ("tianjin", "reviewer1", "editor", "admin"):
        assert authenticate(username, DEMO_PASSWORD) is not None, username


def test_seed_prints_every_login(seed):
    output = seed().output
    assert DEMO_PASSWORD in output
    for username in ORAL + WRITTEN + ["reviewer1", "reviewer2", "editor", "admin"]:
        assert f"  {username} " in output, username


def test_running_the_seed_twice_changes_nothing(db, seed):
    seed()
    first = every_table(db)
    hashes = dict(db.session.execute(sa.select(User.username, User.password_hash)).all())
    due = dict(db.session.execute(sa.select(Invitation.id, Invitation.due_at)).all())
    db.session.remove()
    seed()
    assert every_table(db) == first
    assert dict(db.session.execute(sa.select(User.username, User.password_hash)).all()) == hashes
    assert dict(db.session.execute(sa.select(Invitation.id, Invitation.due_at)).all()) == due
    assert first["organisation"] == 33 and first["user"] == 16 and first["invitation"] == 12


def test_if_empty_loads_nothing_into_a_database_that_holds_a_conference(db, factory, seed):
    factory.conference(slug="2030")
    factory.commit()
    before = every_table(db)
    result = seed("--if-empty")
    assert "nothing was loaded" in result.output
    assert every_table(db) == before
    assert db.session.scalar(sa.select(User).where(User.username == "editor")) is None


def test_if_empty_loads_the_demo_into_an_empty_database(db, seed):
    result = seed("--if-empty")
    assert "Demo conference loaded." in result.output
    assert count(db, Invitation) == 12
