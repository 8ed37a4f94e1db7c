"""The demo conference: the 2024 national conference, its bureaus and accounts.

Loading is idempotent: every row is looked up by its natural key first, so a
second run changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from app.domain.accounts import create_user
from app.extensions import db
from app.models import Conference, ConferenceState, ExchangeKind, Invitation, KeyTask, Organisation, Role, User

DATA_FILE = Path(__file__).resolve().parent / "data" / "conference-2024.json"
DEMO_SLUG = "2024"
DEMO_PASSWORD = "huibian-demo-2024"
# Deadlines in the demo lie ahead of the day it is loaded, so that a newcomer
# can draft and submit; 18:00 in Beijing is 10:00 UTC.
DEMO_DAYS_TO_DEADLINE = {ExchangeKind.ORAL: 21, ExchangeKind.WRITTEN: 28}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str


def load_conference_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _get_or_add(model, lookup: dict, **values):
    row = db.session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
    return row


def _demo_account(username: str, display_name: str, role: Role, organisation: Organisation | None) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = create_user(
            username=username, display_name=display_name, role=role, password=DEMO_PASSWORD,
            organisation=organisation, email=f"{username}@huibian.example",
        )
    return user


MINISTRY_ACCOUNTS = [
    ("reviewer1", "审核员一 Reviewer One", Role.REVIEWER),
    ("reviewer2", "审核员二 Reviewer Two", Role.REVIEWER),
    ("editor", "编辑 Editor", Role.EDITOR),
    ("admin", "管理员 Administrator", Role.ADMIN),
]


def invited_bureaus(data: dict) -> list[tuple[ExchangeKind, str]]:
    """(kind, bureau code) in speaking order: the oral speeches, then the written."""
    return [(ExchangeKind.ORAL, code) for code in data["exchange"]["oral_speeches_by"]] + [
        (ExchangeKind.WRITTEN, code) for code in data["exchange"]["written_exchanges_by"]
    ]


def demo_logins() -> list[DemoLogin]:
    """The demo accounts, as ``seed_demo`` creates them."""
    data = load_conference_data()
    names = {org["code"]: org["name_en"] for org in data["organisations"]}
    organiser = data["conference"]["organiser_en"]
    logins = [DemoLogin(code, Role.SUBMITTER.value, names[code]) for _, code in invited_bureaus(data)]
    logins += [
        DemoLogin(username, role.value, "—" if role is Role.ADMIN else organiser)
        for username, _, role in MINISTRY_ACCOUNTS
    ]
    return logins


def seed_demo(today: date | None = None) -> None:
    """Load the demo conference, its bureaus, invitations and accounts."""
    data = load_conference_data()
    today = today or datetime.now(timezone.utc).date()
    facts = data["conference"]
    conference = _get_or_add(
        Conference, {"slug": DEMO_SLUG},
        title_zh=facts["title_zh"], title_en=facts["title_en"],
        organiser_zh=facts["organiser_zh"], organiser_en=facts["organiser_en"],
        city_zh=facts["city_zh"], city_en=facts["city_en"],
        starts_on=date.fromisoformat(facts["starts_on"]), ends_on=date.fromisoformat(facts["ends_on"]),
        timezone="Asia/Shanghai", state=ConferenceState.OPEN,
    )
    for task in data["key_tasks"]:
        _get_or_add(
            KeyTask, {"conference_id": conference.id, "number": task["number"]},
            title_zh=task["title_zh"], title_en=task["title_en"], summary_en=task["summary_en"],
        )
    _get_or_add(Organisation, {"code": "mee"}, name_zh=facts["organiser_zh"], name_en=facts["organiser_en"],
                region_zh="", is_ministry=True)
    organisations = {
        org["code"]: _get_or_add(
            Organisation, {"code": org["code"]},
            name_zh=org["name_zh"], name_en=org["name_en"], region_zh=org["region_zh"],
        )
        for org in data["organisations"]
    }

    for order, (kind, code) in enumerate(invited_bureaus(data), start=1):
        organisation = organisations[code]
        due = datetime.combine(today + timedelta(days=DEMO_DAYS_TO_DEADLINE[kind]), time(10, 0), timezone.utc)
        _get_or_add(
            Invitation, {"conference_id": conference.id, "organisation_id": organisation.id, "kind": kind},
            due_at=due, speaking_order=order if kind is ExchangeKind.ORAL else None,
        )
        _demo_account(code, organisation.name_zh, Role.SUBMITTER, organisation)
    for username, name, role in MINISTRY_ACCOUNTS:
        _demo_account(username, name, role, None)
    db.session.flush()
