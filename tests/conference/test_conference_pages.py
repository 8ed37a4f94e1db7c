"""The editors' set-up pages: who may open them, and what they do."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Conference, ConferenceState, ExchangeKind, Invitation, KeyTask, Organisation, Role
from tests.helpers import page_text

SETUP_ACTIONS = {
    "create_conference", "update_conference", "add_key_task", "update_key_task", "move_key_task",
    "delete_key_task", "add_invitation", "update_invitation", "delete_invitation", "grant_extension",
    "add_organisation",
}


@pytest.fixture
def world(factory):
    """A conference with three key tasks and one invitation, and one account per role."""
    conference = factory.conference(title_zh="2025年全国生态环境保护工作会议", title_en="National Conference 2025")
    invitation = factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=1,
                                    due_at=datetime(2025, 1, 10, 10, tzinfo=timezone.utc))
    users = {role: factory.user(role, username=role.value) for role in Role}
    factory.commit()
    return {"conference": conference, "task": conference.key_tasks[0], "invitation": invitation,
            "bureau": invitation.organisation, "users": users}


def routes(world) -> list[tuple[str, str]]:
    c, t, i = world["conference"].id, world["task"].id, world["invitation"].id
    return [
        ("GET", "/conference/"), ("GET", "/conference/new"), ("POST", "/conference/new"),
        ("GET", f"/conference/{c}"), ("POST", f"/conference/{c}"),
        ("GET", f"/conference/{c}/key-tasks"), ("POST", f"/conference/{c}/key-tasks"),
        ("GET", f"/conference/{c}/key-tasks/{t}"), ("POST", f"/conference/{c}/key-tasks/{t}"),
        ("POST", f"/conference/{c}/key-tasks/{t}/move/down"), ("POST", f"/conference/{c}/key-tasks/{t}/delete"),
        ("GET", f"/conference/{c}/invitations"), ("POST", f"/conference/{c}/invitations"),
        ("GET", f"/conference/{c}/invitations/{i}"), ("POST", f"/conference/{c}/invitations/{i}"),
        ("POST", f"/conference/{c}/invitations/{i}/extensions"), ("POST", f"/conference/{c}/invitations/{i}/delete"),
        ("GET", "/conference/organisations"), ("POST", "/conference/organisations"),
    ]


def setup_events(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.in_(SETUP_ACTIONS)))


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for method, url in routes(world):
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"], url


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.REVIEWER, Role.ADMIN])
def test_everyone_but_editors_is_forbidden_and_changes_nothing(db, client, auth, world, role):
    auth.login(role.value)
    for method, url in routes(world):
        response = client.open(url, method=method, data={"title_zh": "篡改", "reason": "x", "code": "evil"})
        assert response.status_code == 403, (method, url)
        assert "You may not do this" in response.get_data(as_text=True)
    assert setup_events(db) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyTask)) == 3


def test_editors_may_open_every_page(client, auth, world):
    auth.login("editor")
    for method, url in routes(world):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 200, url
            if url.startswith(f"/conference/{world['conference'].id}"):
                assert "2025年全国生态环境保护工作会议" in response.get_data(as_text=True), url


def test_the_navigation_links_editors_to_the_conference_list(client, auth, world):
    auth.login("editor")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/conference/"' in home
    listing = client.get("/conference/").get_data(as_text=True)
    assert "2025年全国生态环境保护工作会议" in listing
    assert f'href="/conference/{world["conference"].id}"' in listing


def test_reviewers_get_no_conference_link(client, auth, world):
    auth.login("reviewer")
    assert 'href="/conference/"' not in client.get("/").get_data(as_text=True)


CONFERENCE_FORM = {
    "slug": "2026", "title_zh": "2026年全国生态环境保护工作会议", "title_en": "2026 National Conference",
    "organiser_zh": "生态环境部", "organiser_en": "Ministry of Ecology and Environment",
    "city_zh": "杭州", "city_en": "Hangzhou", "starts_on": "2026-01-20", "ends_on": "2026-01-21",
    "timezone": "Asia/Shanghai", "state": "preparing",
}


def test_an_editor_creates_a_conference_in_chinese_and_english(db, client, auth, world):
    auth.login("editor")
    response = client.post("/conference/new", data=CONFERENCE_FORM)
    conference = db.session.scalar(sa.select(Conference).where(Conference.slug == "2026"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/conference/{conference.id}")
    assert (conference.title_zh, conference.city_zh, conference.state) == (
        "2026年全国生态环境保护工作会议", "杭州", ConferenceState.PREPARING)
    page = client.get(f"/conference/{conference.id}").get_data(as_text=True)
    assert "2026年全国生态环境保护工作会议" in page and 'value="杭州"' in page
    assert setup_events(db) == 1


def test_an_editor_edits_the_facts_and_closes_the_conference(db, client, auth, world):
    auth.login("editor")
    conference = world["conference"]
    form = CONFERENCE_FORM | {"slug": conference.slug, "state": "closed", "review_restricted_to_assigned": "y",
                              "title_zh": "第二届 汇编 会议"}
    response = client.post(f"/conference/{conference.id}", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert conference.state is ConferenceState.CLOSED and conference.review_restricted_to_assigned
    assert conference.title_zh == "第二届 汇编 会议"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update_conference"))
    assert (event.from_state, event.to_state, event.actor_id) == ("open", "closed", world["users"][Role.EDITOR].id)
    assert event.detail["changes"]["review_restricted_to_assigned"] == [False, True]


def test_the_facts_form_shows_the_current_state(client, auth, world):
    auth.login("editor")
    page = client.get(f"/conference/{world['conference'].id}").get_data(as_text=True)
    assert '<option selected value="open">' in page


def test_key_tasks_are_added_edited_renumbered_and_deleted(db, client, auth, world):
    auth.login("editor")
    conference = world["conference"]
    base = f"/conference/{conference.id}/key-tasks"
    assert client.post(base, data={"number": 4, "title_zh": "推动绿色低碳发展", "title_en": "Green development"}).status_code == 302
    task = db.session.scalar(sa.select(KeyTask).where(KeyTask.conference_id == conference.id, KeyTask.number == 4))
    assert task.title_zh == "推动绿色低碳发展"
    client.post(f"{base}/{task.id}", data={"number": 7, "title_zh": "推动绿色低碳高质量发展", "title_en": "Green, low-carbon"})
    client.post(f"{base}/{task.id}/move/up")  # swaps with task 3
    page = client.get(base).get_data(as_text=True)
    db.session.expire_all()
    assert (task.number, task.title_zh) == (3, "推动绿色低碳高质量发展")
    assert "推动绿色低碳高质量发展" in page
    client.post(f"{base}/{task.id}/delete")
    assert db.session.get(KeyTask, task.id) is None
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == ["add_key_task", "update_key_task", "move_key_task", "delete_key_task"]


def test_a_duplicate_key_task_number_is_a_form_error(db, client, auth, world):
    auth.login("editor")
    base = f"/conference/{world['conference'].id}/key-tasks"
    response = client.post(base, data={"number": 2, "title_zh": "重复", "title_en": "Duplicate"})
    assert response.status_code == 422
    assert "Key task 2 already exists" in response.get_data(as_text=True)
    response = client.post(f"{base}/{world['task'].id}", data={"number": 3, "title_zh": "x", "title_en": "x"})
    assert response.status_code == 422 and "Key task 3 already exists" in response.get_data(as_text=True)
    assert setup_events(db) == 0


def test_deleting_a_key_task_that_submissions_name_is_refused_with_a_message(db, client, auth, factory, world):
    submission = factory.submission(invitation=world["invitation"])
    factory.commit()
    auth.login("editor")
    task = submission.key_tasks[0]
    response = client.post(f"/conference/{world['conference'].id}/key-tasks/{task.id}/delete", follow_redirects=True)
    assert "cannot be deleted: 1 submission names it" in response.get_data(as_text=True)
    assert db.session.get(KeyTask, task.id) is not None


def test_an_invitation_is_added_with_a_local_due_time_stored_in_utc(db, client, auth, factory, world):
    bureau = factory.organisation(name_zh="浙江省生态环境厅")
    factory.commit()
    auth.login("editor")
    conference = world["conference"]
    response = client.post(f"/conference/{conference.id}/invitations", data={
        "organisation_id": bureau.id, "kind": "written", "due_date": "2030-01-15", "due_time": "18:00"})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == bureau.id))
    assert invitation.due_at == datetime(2030, 1, 15, 10, 0, tzinfo=timezone.utc)
    assert invitation.speaking_order is None
    page = client.get(f"/conference/{conference.id}/invitations").get_data(as_text=True)
    assert "浙江省生态环境厅" in page and "2030-01-15 18:00" in page


def test_an_oral_invitation_takes_its_speaking_order(db, client, auth, factory, world):
    bureau = factory.organisation()
    factory.commit()
    auth.login("editor")
    client.post(f"/conference/{world['conference'].id}/invitations", data={
        "organisation_id": bureau.id, "kind": "oral", "due_date": "2030-01-15", "due_time": "09:30"})
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == bureau.id))
    assert invitation.speaking_order == 2
    assert invitation.due_at == datetime(2030, 1, 15, 1, 30, tzinfo=timezone.utc)


def test_a_duplicate_invitation_is_refused_with_a_message(db, client, auth, world):
    auth.login("editor")
    response = client.post(f"/conference/{world['conference'].id}/invitations", data={
        "organisation_id": world["bureau"].id, "kind": "oral", "due_date": "2030-01-15", "due_time": "18:00"})
    assert response.status_code == 422
    assert "is already invited for this kind of piece" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1


def test_an_invitation_due_in_the_past_is_refused_until_the_editor_confirms(db, client, auth, factory, world):
    bureau = factory.organisation()
    factory.commit()
    auth.login("editor")
    url = f"/conference/{world['conference'].id}/invitations"
    data = {"organisation_id": bureau.id, "kind": "written", "due_date": "2025-01-15", "due_time": "18:00"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "The due date 2025-01-15 18:00 Asia/Shanghai has already passed" in page_text(response)
    assert "invite anyway" in page_text(response)
    assert db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == bureau.id)) is None
    assert client.post(url, data=data | {"allow_past": "y"}).status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == bureau.id))
    assert invitation.due_at == datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)


def test_an_extension_is_granted_and_shown_in_the_history(db, client, auth, world):
    auth.login("editor")
    conference, invitation = world["conference"], world["invitation"]
    url = f"/conference/{conference.id}/invitations/{invitation.id}"
    response = client.post(f"{url}/extensions", data={
        "new_due_date": "2025-01-17", "new_due_time": "18:00", "reason": "该省遭遇雨雪天气，申请延期。"})
    assert response.status_code == 302
    db.session.expire_all()
    [extension] = invitation.extensions
    assert extension.new_due_at == datetime(2025, 1, 17, 10, tzinfo=timezone.utc)
    assert extension.granted_by_id == world["users"][Role.EDITOR].id
    assert invitation.effective_due_at == extension.new_due_at
    page = client.get(url).get_data(as_text=True)
    assert "该省遭遇雨雪天气，申请延期。" in page and "2025-01-17 18:00" in page and "2025-01-10 18:00" in page
    listing = client.get(f"/conference/{conference.id}/invitations").get_data(as_text=True)
    assert "2025-01-17 18:00" in listing and "extended from 2025-01-10 18:00" in listing


def test_the_newest_extension_is_the_one_shown_as_due(db, client, auth, world):
    auth.login("editor")
    url = f"/conference/{world['conference'].id}/invitations/{world['invitation'].id}"
    client.post(f"{url}/extensions", data={"new_due_date": "2025-01-20", "new_due_time": "18:00", "reason": "一"})
    client.post(f"{url}/extensions", data={"new_due_date": "2025-01-12", "new_due_time": "12:00", "reason": "二"})
    page = client.get(url).get_data(as_text=True)
    assert 'class="effective-due"><strong>2025-01-12 12:00</strong>' in page


def test_the_invitation_itself_can_be_corrected(db, client, auth, world):
    auth.login("editor")
    invitation = world["invitation"]
    client.post(f"/conference/{world['conference'].id}/invitations/{invitation.id}",
                data={"due_date": "2025-01-11", "due_time": "17:00", "speaking_order": 3})
    db.session.expire_all()
    assert (invitation.due_at, invitation.speaking_order) == (datetime(2025, 1, 11, 9, tzinfo=timezone.utc), 3)


def test_an_invitation_without_a_submission_is_deleted(db, client, auth, world):
    auth.login("editor")
    conference, invitation = world["conference"], world["invitation"]
    response = client.post(f"/conference/{conference.id}/invitations/{invitation.id}/delete")
    assert response.headers["Location"].endswith(f"/conference/{conference.id}/invitations")
    assert db.session.get(Invitation, invitation.id) is None


def test_deleting_an_invitation_that_has_a_submission_is_refused(db, client, auth, factory, world):
    factory.submission(invitation=world["invitation"])
    factory.commit()
    auth.login("editor")
    url = f"/conference/{world['conference'].id}/invitations/{world['invitation'].id}"
    page = client.post(f"{url}/delete", follow_redirects=True).get_data(as_text=True)
    assert "cannot be deleted" in page and "already started its submission" in page
    assert db.session.get(Invitation, world["invitation"].id) is not None
    assert setup_events(db) == 0


def test_an_editor_adds_a_bureau(db, client, auth, world):
    auth.login("editor")
    response = client.post("/conference/organisations", data={
        "code": "Xizang", "name_zh": "西藏自治区生态环境厅", "name_en": "Tibet Department of Ecology and Environment",
        "region_zh": "西藏"})
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.code == "xizang"))
    assert organisation.name_zh == "西藏自治区生态环境厅"
    assert "西藏自治区生态环境厅" in client.get("/conference/organisations").get_data(as_text=True)
    duplicate = client.post("/conference/organisations", data={"code": "xizang", "name_zh": "重", "name_en": "Dup"})
    assert duplicate.status_code == 422 and "exists already" in duplicate.get_data(as_text=True)


def test_the_conference_list_counts_key_tasks_and_invitations(client, auth, world):
    auth.login("editor")
    page = client.get("/conference/").get_data(as_text=True)
    conference_id = world["conference"].id
    assert f'href="/conference/{conference_id}/key-tasks">3</a>' in page
    assert f'href="/conference/{conference_id}/invitations">1</a>' in page


def test_the_due_time_is_shown_in_the_conference_time_zone(db, client, auth, factory, world):
    conference = world["conference"]
    conference.timezone = "Europe/London"
    factory.commit()
    auth.login("editor")
    page = client.get(f"/conference/{conference.id}/invitations/{world['invitation'].id}").get_data(as_text=True)
    assert "2025-01-10 10:00" in page and "Europe/London" in page
