"""In-app notifications: the unread count in the navigation, the list, marking read."""
import pytest

from app.models import Notification, OutboxMail, Role, SubmissionState


@pytest.fixture
def decided(factory):
    """Changes requested on a piece: the bureau's member has one unread notification and one queued mail."""
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    member = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation,
                          username="notified", email="bureau@example.cn")
    from app.domain.workflow import Action, apply_transition

    apply_transition(submission, Action.REQUEST_CHANGES, actor=factory.user(Role.REVIEWER), comment="请补充数据。")
    factory.commit()
    return submission, member


def test_the_navigation_shows_the_unread_count_and_the_list_both_languages(client, auth, decided):
    submission, member = decided
    auth.login("notified")
    home = client.get("/").get_data(as_text=True)
    assert 'class="badge"' in home and "1 unread" in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Changes requested: {submission.title}" in page
    client.post("/language/zh", data={"next": "/notifications/"})
    assert f"退回修改：{submission.title}" in client.get("/notifications/").get_data(as_text=True)


def test_the_decision_queues_a_bilingual_mail_with_the_reason_and_link(decided, db):
    submission, member = decided
    mail = db.session.query(OutboxMail).filter_by(to_address="bureau@example.cn").one()
    assert "退回修改" in mail.subject and "Changes requested" in mail.subject
    assert "请补充数据。" in mail.body_text
    assert f"http://huibian.test/submissions/{submission.id}" in mail.body_text


def test_opening_a_notification_marks_it_read_and_goes_to_the_piece(client, auth, decided, db):
    submission, member = decided
    note = db.session.query(Notification).filter_by(user_id=member.id).one()
    auth.login("notified")
    response = client.post(f"/notifications/{note.id}/read")
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    db.session.expire_all()
    assert note.read_at is not None
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_mark_all_read(client, auth, decided, db):
    submission, member = decided
    auth.login("notified")
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert db.session.query(Notification).filter_by(user_id=member.id, read_at=None).count() == 0


def test_nobody_can_read_or_mark_someone_elses_notification(client, auth, factory, decided, db):
    submission, member = decided
    note = db.session.query(Notification).filter_by(user_id=member.id).one()
    factory.user(Role.SUBMITTER, username="snoop")
    factory.commit()
    auth.login("snoop")
    assert submission.title not in client.get("/notifications/").get_data(as_text=True)
    response = client.post(f"/notifications/{note.id}/read")
    assert response.status_code == 404  # as an id that does not exist
    assert client.post("/notifications/2147483647/read").status_code == 404
    db.session.expire_all()
    assert note.read_at is None


def test_a_notification_link_is_never_followed_off_site(client, auth, decided, db):
    submission, member = decided
    note = db.session.query(Notification).filter_by(user_id=member.id).one()
    note.link = "https://evil.example/"
    db.session.commit()
    auth.login("notified")
    assert client.post(f"/notifications/{note.id}/read").headers["Location"].endswith("/notifications/")


def test_the_inbox_quotes_what_the_ministry_asks(client, auth, decided):
    submission, member = decided
    auth.login("notified")
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Changes requested: {submission.title} — “请补充数据。”" in page


def test_a_long_request_is_quoted_in_part_and_its_links_are_not(factory, db):
    from app.domain.workflow import Action, apply_transition

    submission = factory.submission(state=SubmissionState.SUBMITTED)
    member = factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation)
    apply_transition(submission, Action.REJECT, actor=factory.user(Role.REVIEWER),
                     comment="[见此](https://evil.example/x) " + "数据不足。" * 100)
    note = db.session.query(Notification).filter_by(user_id=member.id).one()
    assert note.text_zh.startswith(f"未采用：{submission.title}——“见此 数据不足。") and note.text_zh.endswith("…”")
    assert "evil.example" not in note.text_zh and len(note.text_zh) < 260
