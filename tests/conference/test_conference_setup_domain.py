"""The set-up rules themselves, through app.domain.conference.setup."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.domain.conference import setup
from app.domain.errors import DomainError, NotAllowed
from app.models import AuditEvent, Conference, ConferenceState, ExchangeKind, Extension, Invitation, KeyTask, Role

FACTS = dict(
    slug="2025", title_zh="2025年全国生态环境保护工作会议", title_en="2025 National Conference",
    organiser_zh="生态环境部", organiser_en="Ministry of Ecology and Environment",
    city_zh="北京", city_en="Beijing", starts_on=date(2025, 1, 20), ends_on=date(2025, 1, 21),
    timezone="Asia/Shanghai",
)


@pytest.fixture
def editor(factory):
    return factory.user(Role.EDITOR, username="editor")


def events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_local_due_time_is_stored_in_utc():
    due = setup.local_to_utc(date(2024, 1, 10), time(18, 0), "Asia/Shanghai")
    assert due == datetime(2024, 1, 10, 10, 0, tzinfo=timezone.utc)
    assert setup.utc_to_local(due, "Asia/Shanghai").strftime("%Y-%m-%d %H:%M") == "2024-01-10 18:00"


@pytest.mark.parametrize("name, valid", [
    ("Asia/Shanghai", True), ("UTC", True), ("Europe/Berlin", True),
    ("Mars/Olympus_Mons", False), ("../../etc/passwd", False), ("", False), ("asia/shanghai", False),
])
def test_time_zone_names_are_checked_against_zoneinfo(name, valid):
    assert setup.is_valid_timezone(name) is valid


def test_create_conference_starts_in_preparation_and_is_audited(db, editor):
    conference = setup.create_conference(actor=editor, **FACTS)
    db.session.commit()
    assert db.session.get(Conference, conference.id).state is ConferenceState.PREPARING
    [event] = events(db, "create_conference")
    assert (event.actor_id, event.object_id, event.to_state) == (editor.id, conference.id, "preparing")


@pytest.mark.parametrize("change, message", [
    ({"ends_on": date(2025, 1, 19)}, "cannot end before it starts"),
    ({"timezone": "Beijing"}, "not a time zone we know"),
])
def test_impossible_facts_are_refused(db, editor, change, message):
    with pytest.raises(DomainError, match=message):
        setup.create_conference(actor=editor, **(FACTS | change))


def test_a_second_conference_cannot_take_the_same_short_name(db, editor, factory):
    factory.conference(slug="2025")
    with pytest.raises(DomainError, match="already uses the short name"):
        setup.create_conference(actor=editor, **FACTS)


def test_update_records_what_changed_and_the_state_move(db, editor, factory):
    conference = factory.conference(state=ConferenceState.PREPARING)
    changes = setup.update_conference(conference, actor=editor, state=ConferenceState.OPEN, city_zh="杭州")
    db.session.commit()
    assert changes == {"city_zh": ["北京", "杭州"], "state": ["preparing", "open"]}
    [event] = events(db, "update_conference")
    assert (event.from_state, event.to_state) == ("preparing", "open")
    assert event.detail["changes"]["city_zh"] == ["北京", "杭州"]


def test_saving_unchanged_facts_writes_no_audit_event(db, editor, factory):
    conference = factory.conference()
    assert setup.update_conference(conference, actor=editor, city_en="Beijing") == {}
    assert events(db, "update_conference") == []


def test_key_task_numbers_stay_unique(db, editor, factory):
    conference = factory.conference()  # key tasks 1, 2, 3
    with pytest.raises(DomainError, match="Key task 2 already exists"):
        setup.add_key_task(conference, number=2, title_zh="新任务", title_en="New", actor=editor)
    task = conference.key_tasks[0]
    with pytest.raises(DomainError, match="Key task 3 already exists"):
        setup.update_key_task(task, number=3, title_zh=task.title_zh, title_en=task.title_en, actor=editor)
    assert sorted(t.number for t in conference.key_tasks) == [1, 2, 3]


def test_renumbering_a_key_task_to_a_free_number(db, editor, factory):
    conference = factory.conference()
    task = conference.key_tasks[0]
    setup.update_key_task(task, number=9, title_zh="改后的标题", title_en="Renamed", actor=editor)
    db.session.commit()
    db.session.expire_all()
    assert [(t.number, t.title_zh) for t in conference.key_tasks][-1] == (9, "改后的标题")
    assert events(db, "update_key_task")[0].detail["before"]["number"] == 1


def test_moving_a_key_task_swaps_numbers_with_its_neighbour(db, editor, factory):
    conference = factory.conference()
    first, second, _ = conference.key_tasks
    setup.move_key_task(second, -1, actor=editor)
    db.session.commit()
    db.session.expire_all()
    assert (first.number, second.number) == (2, 1)
    assert setup.move_key_task(second, -1, actor=editor) is None  # already first


def test_a_key_task_that_submissions_name_cannot_be_deleted(db, editor, factory):
    submission = factory.submission()
    task = submission.key_tasks[0]
    with pytest.raises(NotAllowed, match="1 submission"):
        setup.delete_key_task(task, actor=editor)
    assert db.session.get(KeyTask, task.id) is not None


def test_an_unused_key_task_is_deleted_and_audited(db, editor, factory):
    conference = factory.conference()
    task = conference.key_tasks[2]
    setup.delete_key_task(task, actor=editor)
    db.session.commit()
    assert db.session.get(KeyTask, task.id) is None
    assert events(db, "delete_key_task")[0].detail["number"] == 3


def test_oral_invitations_get_the_next_speaking_place_and_written_none(db, editor, factory):
    conference = factory.conference()
    due = datetime(2025, 1, 10, 10, tzinfo=timezone.utc)
    first = setup.add_invitation(conference, organisation=factory.organisation(), kind=ExchangeKind.ORAL,
                                 due_at=due, allow_past=True, actor=editor)
    second = setup.add_invitation(conference, organisation=factory.organisation(), kind=ExchangeKind.ORAL,
                                  due_at=due, allow_past=True, actor=editor)
    written = setup.add_invitation(conference, organisation=factory.organisation(), kind=ExchangeKind.WRITTEN,
                                   due_at=due, speaking_order=5, allow_past=True, actor=editor)
    assert (first.speaking_order, second.speaking_order, written.speaking_order) == (1, 2, None)
    with pytest.raises(DomainError, match="Place 2 in the speaking order is already taken"):
        setup.add_invitation(conference, organisation=factory.organisation(), kind=ExchangeKind.ORAL,
                             due_at=due, speaking_order=2, allow_past=True, actor=editor)


def test_the_same_bureau_and_kind_cannot_be_invited_twice(db, editor, factory):
    invitation = factory.invitation(kind=ExchangeKind.WRITTEN)
    with pytest.raises(DomainError, match="already invited"):
        setup.add_invitation(invitation.conference, organisation=invitation.organisation,
                             kind=ExchangeKind.WRITTEN, due_at=invitation.due_at, allow_past=True, actor=editor)
    # Another kind is another piece.
    setup.add_invitation(invitation.conference, organisation=invitation.organisation,
                         kind=ExchangeKind.ORAL, due_at=invitation.due_at, allow_past=True, actor=editor)


def test_the_ministry_is_not_invited(db, editor, factory):
    ministry = factory.organisation(is_ministry=True)
    with pytest.raises(DomainError, match="invite a bureau"):
        setup.add_invitation(factory.conference(), organisation=ministry, kind=ExchangeKind.WRITTEN,
                             due_at=datetime(2025, 1, 10, tzinfo=timezone.utc), allow_past=True, actor=editor)


def test_the_newest_extension_is_the_deadline_that_counts(db, editor, factory):
    invitation = factory.invitation()
    later, latest = invitation.due_at + timedelta(days=7), invitation.due_at + timedelta(days=3)
    setup.grant_extension(invitation, new_due_at=later, reason="省厅申请延期一周", actor=editor)
    setup.grant_extension(invitation, new_due_at=latest, reason="Shortened after all", actor=editor)
    db.session.commit()
    db.session.expire_all()
    assert invitation.effective_due_at == latest
    assert [e.reason for e in invitation.extensions] == ["省厅申请延期一周", "Shortened after all"]
    assert all(e.granted_by_id == editor.id and e.granted_at for e in invitation.extensions)
    detail = events(db, "grant_extension")[0].detail
    assert detail["reason"] == "省厅申请延期一周" and detail["to"] == later.isoformat()


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_extension_needs_a_reason(db, editor, factory, reason):
    invitation = factory.invitation()
    with pytest.raises(DomainError, match="Say why"):
        setup.grant_extension(invitation, new_due_at=invitation.due_at + timedelta(days=1), reason=reason, actor=editor)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0


def test_an_extension_must_move_the_deadline_later(db, editor, factory):
    invitation = factory.invitation()
    with pytest.raises(DomainError, match="later than the original"):
        setup.grant_extension(invitation, new_due_at=invitation.due_at, reason="typo", actor=editor)


def test_an_invitation_with_a_submission_cannot_be_deleted(db, editor, factory):
    submission = factory.submission()
    with pytest.raises(NotAllowed, match="already started its submission"):
        setup.delete_invitation(submission.invitation, actor=editor)


def test_deleting_an_invitation_takes_its_extensions_along(db, editor, factory):
    invitation = factory.invitation()
    setup.grant_extension(invitation, new_due_at=invitation.due_at + timedelta(days=2), reason="病假", actor=editor)
    db.session.commit()
    setup.delete_invitation(invitation, actor=editor)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0
    assert events(db, "delete_invitation")[0].detail["extensions"] == 1


def test_organisation_codes_are_unique_and_lower_case(db, editor, factory):
    organisation = setup.add_organisation(code=" XiZang ", name_zh="西藏自治区生态环境厅",
                                          name_en="Department of Ecology and Environment of Tibet", actor=editor)
    assert organisation.code == "xizang"
    with pytest.raises(DomainError, match="exists already"):
        setup.add_organisation(code="xizang", name_zh="重复", name_en="Duplicate", actor=editor)
    assert events(db, "add_organisation")[0].detail == {"code": "xizang", "name_zh": "西藏自治区生态环境厅"}


def test_a_new_invitation_due_in_the_past_is_refused_unless_confirmed(db, editor, factory):
    conference = factory.conference(timezone="Asia/Shanghai")
    bureau = factory.organisation()
    now = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)
    past = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    with pytest.raises(setup.DueInPast, match=r"The due date 2026-12-01 18:00 Asia/Shanghai has already passed"):
        setup.add_invitation(conference, organisation=bureau, kind=ExchangeKind.WRITTEN, due_at=past,
                             allow_past=False, actor=editor, now=now)
    assert db.session.scalars(sa.select(Invitation)).all() == []
    future = setup.add_invitation(conference, organisation=bureau, kind=ExchangeKind.WRITTEN,
                                  due_at=datetime(2026, 12, 20, tzinfo=timezone.utc), allow_past=False,
                                  actor=editor, now=now)
    confirmed = setup.add_invitation(conference, organisation=bureau, kind=ExchangeKind.ORAL, due_at=past,
                                     allow_past=True, actor=editor, now=now)
    assert (future.due_at, confirmed.due_at) == (datetime(2026, 12, 20, tzinfo=timezone.utc), past)
