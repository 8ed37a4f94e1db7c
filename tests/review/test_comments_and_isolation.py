"""Comments and internal notes: sanitised, and a bureau never sees notes or another bureau's work."""
import pytest

from app.domain.errors import DomainError, Forbidden
from app.domain.review.thread import add_comment, thread_for
from app.models import AuditEvent, Comment, Notification, Role, SubmissionState

SECRET_NOTE = "内部意见：该省数据可能有误 INTERNAL-ONLY"


@pytest.fixture
def world(factory):
    """Two bureaus with one submitted piece each, a reviewer, and a note on the first piece."""
    mine = factory.submission(state=SubmissionState.SUBMITTED, title="本省的材料")
    theirs = factory.submission(state=SubmissionState.SUBMITTED, title="外省的材料 OTHER-BUREAU")
    me = factory.user(Role.SUBMITTER, organisation=mine.invitation.organisation, username="me-bureau")
    reviewer = factory.user(Role.REVIEWER, username="notes-reviewer")
    add_comment(mine, SECRET_NOTE, actor=reviewer, internal=True)
    add_comment(mine, "请补充2023年的监测数据。", actor=reviewer)
    add_comment(theirs, "外省的留言 OTHER-COMMENT", actor=reviewer)
    factory.commit()
    return {"mine": mine, "theirs": theirs, "me": me, "reviewer": reviewer}


def test_the_thread_shows_the_ministry_notes_and_the_bureau_only_comments(world):
    ministry_view = [e.html for e in thread_for(world["mine"], world["reviewer"])]
    bureau_view = [e.html for e in thread_for(world["mine"], world["me"])]
    assert any("INTERNAL-ONLY" in h for h in ministry_view)
    assert not any("INTERNAL-ONLY" in h for h in bureau_view)
    assert any("监测数据" in h for h in bureau_view)
    assert thread_for(world["theirs"], world["me"]) == []


def test_the_bureaus_submission_page_shows_the_thread_without_internal_notes(client, auth, world):
    auth.login("me-bureau")
    page = client.get(f"/submissions/{world['mine'].id}").get_data(as_text=True)
    assert "请补充2023年的监测数据。" in page
    assert "INTERNAL-ONLY" not in page and "OTHER-COMMENT" not in page


def test_every_page_a_bureau_can_reach_is_free_of_notes_and_other_bureaus_work(app, client, auth, world):
    auth.login("me-bureau")
    mine, theirs = world["mine"], world["theirs"]
    reachable = ["/", "/notifications/", f"/submissions/{mine.id}", f"/submissions/{mine.id}/versions/1",
                 f"/submissions/{mine.id}/diff", f"/submissions/{theirs.id}", f"/review/{mine.id}",
                 f"/review/{theirs.id}", "/review/", "/review/coverage", "/review/coverage.csv"]
    for rule in app.url_map.iter_rules():
        # Every other GET page without arguments that the app offers.
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static"):
            reachable.append(rule.rule)
    for path in sorted(set(reachable)):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert "INTERNAL-ONLY" not in text, path
        assert "OTHER-BUREAU" not in text and "OTHER-COMMENT" not in text, path
    assert client.get(f"/submissions/{theirs.id}").status_code == 404


def test_a_bureau_cannot_comment_on_another_bureaus_piece(client, auth, world, db):
    auth.login("me-bureau")
    response = client.post(f"/review/{world['theirs'].id}/comments", data={"text": "我来插一句"})
    assert response.status_code == 404
    assert db.session.query(Comment).filter_by(body_source="我来插一句").count() == 0


def test_a_bureau_cannot_write_an_internal_note(client, auth, world, db):
    auth.login("me-bureau")
    response = client.post(f"/review/{world['mine'].id}/comments", data={"text": "悄悄话", "internal": "y"})
    assert response.status_code == 403
    assert db.session.query(Comment).filter_by(body_source="悄悄话").count() == 0
    with pytest.raises(Forbidden):
        add_comment(world["mine"], "悄悄话", actor=world["me"], internal=True)


def test_a_bureau_comment_reaches_the_ministry(client, auth, world, db):
    auth.login("me-bureau")
    response = client.post(f"/review/{world['mine'].id}/comments",
                           data={"text": "数据已补充，见附件。", "next": f"/submissions/{world['mine'].id}"})
    assert response.headers["Location"].endswith(f"/submissions/{world['mine'].id}")
    comment = db.session.query(Comment).filter_by(body_source="数据已补充，见附件。").one()
    assert not comment.internal
    told = db.session.query(Notification).filter_by(user_id=world["reviewer"].id).all()
    assert any(n.text_zh.startswith("报送单位留言") for n in told)


def test_an_internal_note_tells_nobody_at_the_bureau(world, db):
    bureau_notes = db.session.query(Notification).filter_by(user_id=world["me"].id).all()
    assert [n.text_en for n in bureau_notes] == [f"New comment on: {world['mine'].title}"]


def test_comments_are_sanitised_like_bodies(factory, world, db):
    comment = add_comment(world["mine"], '**重要** <script>alert(1)</script><img src=x onerror=alert(1)> [链接](javascript:alert(1))',
                          actor=world["reviewer"])
    assert "<strong>重要</strong>" in comment.body_html
    assert "<script" not in comment.body_html and "onerror" not in comment.body_html
    assert "href=\"javascript" not in comment.body_html  # left as harmless text at most
    event = db.session.query(AuditEvent).filter_by(action="comment").order_by(AuditEvent.id.desc()).first()
    assert event.detail.get("removed")


@pytest.mark.parametrize("text", ["", "   ", "<script>alert(1)</script>", "x" * 20_001])
def test_empty_or_oversized_comments_are_refused(client, auth, world, db, text):
    before = db.session.query(Comment).count()
    with pytest.raises(DomainError):
        add_comment(world["mine"], text, actor=world["reviewer"])
    db.session.rollback()
    auth.login("notes-reviewer")
    response = client.post(f"/review/{world['mine'].id}/comments", data={"text": text}, follow_redirects=True)
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)
    assert db.session.query(Comment).count() == before


def test_the_comment_form_never_redirects_off_site(client, auth, world):
    auth.login("notes-reviewer")
    response = client.post(f"/review/{world['mine'].id}/comments",
                           data={"text": "好", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/review/{world['mine'].id}")


def test_there_is_no_thread_to_write_in_before_the_first_submit(client, auth, factory, db):
    draft = factory.submission(title="还没提交的草稿")
    author = factory.user(Role.SUBMITTER, organisation=draft.invitation.organisation, username="drafting-bureau")
    factory.commit()
    with pytest.raises(Forbidden):
        add_comment(draft, "有人吗？", actor=author)
    db.session.rollback()
    auth.login("drafting-bureau")
    assert 'class="comment-form"' not in client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    assert client.post(f"/review/{draft.id}/comments", data={"text": "有人吗？"}).status_code == 403
    assert db.session.query(Comment).count() == 0
