"""Hostile and mistaken input on the set-up pages: a clear message, the right status, nothing written."""
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Conference, ExchangeKind, Extension, Invitation, KeyTask, Organisation, Role
from tests.factories import PASSWORD

FACTS = {
    "slug": "2026", "title_zh": "2026年会议", "title_en": "2026 Conference", "organiser_zh": "生态环境部",
    "organiser_en": "Ministry", "city_zh": "北京", "city_en": "Beijing", "starts_on": "2026-01-20",
    "ends_on": "2026-01-21", "timezone": "Asia/Shanghai", "state": "preparing",
}
HUGE = "长" * 100_000


@pytest.fixture
def world(factory):
    conference = factory.conference()
    invitation = factory.invitation(conference=conference, kind=ExchangeKind.WRITTEN,
                                    due_at=datetime(2025, 1, 10, 10, tzinfo=timezone.utc))
    editor = factory.user(Role.EDITOR, username="editor")
    factory.commit()
    return {"conference": conference, "invitation": invitation, "editor": editor}


@pytest.fixture
def editor_client(client, auth, world):
    auth.login("editor")
    # English pages, so that WTForms' own messages (it ships a Chinese catalog) read as asserted.
    client.post("/language/en")
    return client


def row_counts(db) -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Conference, KeyTask, Invitation, Extension, Organisation, AuditEvent)}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_every_form_without_a_csrf_token_is_refused_and_writes_nothing(db, csrf_client, world):
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post("/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    assert csrf_client.get("/conference/").status_code == 200
    before = row_counts(db)
    c, i, t = world["conference"].id, world["invitation"].id, world["conference"].key_tasks[0].id
    posts = [
        ("/conference/new", FACTS),
        (f"/conference/{c}", FACTS | {"slug": world["conference"].slug}),
        (f"/conference/{c}/key-tasks", {"number": 9, "title_zh": "新", "title_en": "New"}),
        (f"/conference/{c}/key-tasks/{t}", {"number": 9, "title_zh": "新", "title_en": "New"}),
        (f"/conference/{c}/key-tasks/{t}/move/down", {}),
        (f"/conference/{c}/key-tasks/{t}/delete", {}),
        (f"/conference/{c}/invitations", {"organisation_id": world["invitation"].organisation_id, "kind": "oral",
                                          "due_date": "2025-01-15", "due_time": "18:00"}),
        (f"/conference/{c}/invitations/{i}", {"due_date": "2025-02-01", "due_time": "18:00"}),
        (f"/conference/{c}/invitations/{i}/extensions", {"new_due_date": "2025-02-01", "new_due_time": "18:00",
                                                          "reason": "延期"}),
        (f"/conference/{c}/invitations/{i}/delete", {}),
        ("/conference/organisations", {"code": "new", "name_zh": "新", "name_en": "New"}),
    ]
    for url, data in posts:
        response = csrf_client.post(url, data=data)
        assert response.status_code == 400, url
        assert "reload the page" in page_text(response), url
    assert row_counts(db) == before
    db.session.expire_all()
    assert [t.number for t in world["conference"].key_tasks] == [1, 2, 3]


@pytest.mark.parametrize("field", ["title_zh", "title_en", "organiser_zh", "city_en"])
def test_a_100000_character_conference_fact_is_a_form_error(db, editor_client, world, field):
    before = row_counts(db)
    response = editor_client.post("/conference/new", data=FACTS | {field: HUGE})
    assert response.status_code == 422
    assert "Field cannot be longer than" in page_text(response)
    response = editor_client.post(f"/conference/{world['conference'].id}", data=FACTS | {field: HUGE})
    assert response.status_code == 422 and "Field cannot be longer than" in page_text(response)
    assert row_counts(db) == before


def test_100000_character_key_task_titles_and_names_are_form_errors(db, editor_client, world):
    before = row_counts(db)
    c = world["conference"].id
    for url, data in [
        (f"/conference/{c}/key-tasks", {"number": 9, "title_zh": HUGE, "title_en": "x"}),
        (f"/conference/{c}/key-tasks/{world['conference'].key_tasks[0].id}", {"number": 1, "title_zh": "x", "title_en": HUGE}),
        ("/conference/organisations", {"code": "x", "name_zh": HUGE, "name_en": "x"}),
        (f"/conference/{c}/invitations/{world['invitation'].id}/extensions",
         {"new_due_date": "2025-02-01", "new_due_time": "18:00", "reason": HUGE}),
    ]:
        response = editor_client.post(url, data=data)
        assert response.status_code == 422, url
        assert "Field cannot be longer than" in page_text(response), url
    assert row_counts(db) == before


def test_dates_out_of_order_are_refused(db, editor_client, world):
    before = row_counts(db)
    response = editor_client.post("/conference/new", data=FACTS | {"starts_on": "2026-01-21", "ends_on": "2026-01-20"})
    assert response.status_code == 422
    assert "The last day cannot come before the first day." in page_text(response)
    response = editor_client.post(f"/conference/{world['conference'].id}",
                                  data=FACTS | {"starts_on": "2026-01-21", "ends_on": "2026-01-20"})
    assert response.status_code == 422
    assert row_counts(db) == before


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../../etc/passwd", "Beijing", "+08:00", "posixrules"])
def test_an_unknown_time_zone_is_refused(db, editor_client, world, zone):
    response = editor_client.post("/conference/new", data=FACTS | {"timezone": zone})
    assert response.status_code == 422
    assert "Not a time zone we know" in page_text(response)
    assert db.session.scalar(sa.select(Conference).where(Conference.slug == "2026")) is None


@pytest.mark.parametrize("bad_date", ["31/12/2024", "tomorrow", "2024-02-30", "2024-01-10'; DROP TABLE invitation;--", ""])
def test_a_due_date_that_is_not_a_date_is_a_form_error(db, editor_client, factory, world, bad_date):
    bureau = factory.organisation()
    factory.commit()
    c = world["conference"].id
    response = editor_client.post(f"/conference/{c}/invitations", data={
        "organisation_id": bureau.id, "kind": "written", "due_date": bad_date, "due_time": "18:00"})
    assert response.status_code == 422
    assert "Enter a date such as 2024-01-10." in page_text(response)
    response = editor_client.post(f"/conference/{c}/invitations/{world['invitation'].id}/extensions", data={
        "new_due_date": bad_date, "new_due_time": "18:00", "reason": "延期"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0


def test_a_due_time_that_is_not_a_time_is_a_form_error(editor_client, factory, world):
    bureau = factory.organisation()
    factory.commit()
    response = editor_client.post(f"/conference/{world['conference'].id}/invitations", data={
        "organisation_id": bureau.id, "kind": "written", "due_date": "2025-01-10", "due_time": "25:99"})
    assert response.status_code == 422 and "Enter a time such as 18:00." in page_text(response)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_extension_without_a_reason_is_refused(db, editor_client, world, reason):
    url = f"/conference/{world['conference'].id}/invitations/{world['invitation'].id}"
    response = editor_client.post(f"{url}/extensions", data={
        "new_due_date": "2025-02-01", "new_due_time": "18:00", "reason": reason})
    assert response.status_code == 422
    assert "Say why the extension is granted." in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0


def test_an_extension_earlier_than_the_original_due_date_is_refused(db, editor_client, world):
    url = f"/conference/{world['conference'].id}/invitations/{world['invitation'].id}"
    response = editor_client.post(f"{url}/extensions", data={
        "new_due_date": "2025-01-05", "new_due_time": "18:00", "reason": "搞错了"})
    assert response.status_code == 422
    assert "later than the original one" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0


def test_an_unknown_bureau_or_kind_in_an_invitation_is_a_form_error(db, editor_client, world):
    c = world["conference"].id
    for data in ({"organisation_id": 999_999, "kind": "written"}, {"organisation_id": "abc", "kind": "written"},
                 {"organisation_id": world["invitation"].organisation_id, "kind": "keynote"}):
        response = editor_client.post(f"/conference/{c}/invitations", data=data | {
            "due_date": "2025-01-15", "due_time": "18:00"})
        assert response.status_code == 422, data
        assert "Not a valid choice" in page_text(response) or "Invalid Choice" in page_text(response), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1


def test_an_unknown_state_is_a_form_error(editor_client, world):
    response = editor_client.post("/conference/new", data=FACTS | {"state": "archived"})
    assert response.status_code == 422 and "Not a valid choice" in page_text(response)


@pytest.mark.parametrize("number", ["0", "-3", "abc", "1e9"])
def test_a_key_task_number_must_be_a_positive_whole_number(db, editor_client, world, number):
    response = editor_client.post(f"/conference/{world['conference'].id}/key-tasks",
                                  data={"number": number, "title_zh": "新", "title_en": "New"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyTask)) == 3


@pytest.mark.parametrize("code", ["../etc", "has space", "<script>", ""])
def test_a_bureau_code_is_letters_digits_and_dashes(db, editor_client, world, code):
    response = editor_client.post("/conference/organisations", data={"code": code, "name_zh": "新", "name_en": "New"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(Organisation).where(Organisation.name_zh == "新")) is None


def test_markup_in_names_is_shown_as_text(db, editor_client, world):
    editor_client.post(f"/conference/{world['conference'].id}/key-tasks",
                       data={"number": 9, "title_zh": "<script>alert(1)</script>", "title_en": "<b>x</b>"})
    page = page_text(editor_client.get(f"/conference/{world['conference'].id}/key-tasks"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_short_name_taken_by_another_conference_is_refused(db, editor_client, factory, world):
    factory.conference(slug="2026")
    factory.commit()
    response = editor_client.post("/conference/new", data=FACTS)
    assert response.status_code == 422 and "already uses the short name 2026" in page_text(response)
    response = editor_client.post(f"/conference/{world['conference'].id}", data=FACTS)
    assert response.status_code == 422
    db.session.expire_all()
    assert world["conference"].slug != "2026"


def test_nonexistent_ids_are_not_found(editor_client, factory, world):
    other = factory.conference()
    other_invitation = factory.invitation(conference=other)
    factory.commit()
    c, i, t = world["conference"].id, world["invitation"].id, world["conference"].key_tasks[0].id
    foreign_task, foreign_invitation = other.key_tasks[0].id, other_invitation.id
    missing = [
        ("GET", "/conference/999999"), ("POST", "/conference/999999"),
        ("GET", "/conference/999999/key-tasks"), ("GET", "/conference/999999/invitations"),
        ("GET", f"/conference/{c}/key-tasks/999999"), ("POST", f"/conference/{c}/key-tasks/999999/delete"),
        ("POST", f"/conference/{c}/key-tasks/999999/move/up"),
        ("GET", f"/conference/{c}/invitations/999999"), ("POST", f"/conference/{c}/invitations/999999/extensions"),
        ("POST", f"/conference/{c}/invitations/999999/delete"),
        # Another conference's key task or invitation under this conference's address.
        ("GET", f"/conference/{c}/key-tasks/{foreign_task}"), ("POST", f"/conference/{c}/key-tasks/{foreign_task}/delete"),
        ("GET", f"/conference/{c}/invitations/{foreign_invitation}"),
        ("POST", f"/conference/{c}/invitations/{foreign_invitation}/delete"),
        ("GET", f"/conference/{other.id}/invitations/{i}"), ("GET", f"/conference/{other.id}/key-tasks/{t}"),
        ("POST", f"/conference/{c}/key-tasks/{t}/move/sideways"),
    ]
    for method, url in missing:
        response = editor_client.open(url, method=method)
        assert response.status_code == 404, (method, url)
        assert "Not found" in page_text(response)
