"""Schema for pages that hold at scale: the latest version is a column, list pages
never load bodies, and the unread badge counts from a partial index."""
from __future__ import annotations

import sqlalchemy as sa

from app.domain.notifications import unread_count
from app.domain.workflow import Action, apply_transition
from app.models import Notification, Role, Submission, SubmissionState, User
from tests.review.test_queue import piece


def test_each_submit_makes_its_version_the_submissions_latest(db, factory):
    submission = factory.submission(state=SubmissionState.SUBMITTED)
    author = db.session.get(User, submission.created_by_id)
    first = submission.latest_version
    apply_transition(submission, Action.REQUEST_CHANGES, actor=factory.user(Role.REVIEWER), comment="请补充数据。")
    apply_transition(submission, Action.RESUBMIT, actor=author)
    factory.commit()
    db.session.expire_all()

    saved = db.session.get(Submission, submission.id)
    assert first.number == 1
    assert (saved.latest_version.number, saved.latest_version_id) == (2, saved.versions[-1].id)


def test_a_draft_never_submitted_has_no_latest_version(db, factory):
    draft = factory.submission()
    factory.commit()
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).latest_version is None


def test_the_reviewers_queue_never_reads_a_body(client, auth, db, factory):
    conference = factory.conference()
    for n in range(3):
        piece(factory, conference, title=f"材料{n}")
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/review/").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)

    assert page.count("材料") >= 3
    assert [s for s in statements if "body_source" in s or "body_html" in s] == []


def test_the_unread_count_is_answered_from_the_partial_index(db, factory):
    user = factory.user(Role.REVIEWER)
    for n in range(3):
        db.session.add(Notification(user_id=user.id, text_en=f"n{n}", text_zh=f"通知{n}", link=""))
    factory.commit()
    assert unread_count(user) == 3

    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row) for row in db.session.execute(sa.text(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM notification WHERE user_id = :u AND read_at IS NULL"),
            {"u": user.id}))
        assert "ix_notification_unread" in plan
    else:
        definition = db.session.scalar(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_notification_unread'"))
        assert "(user_id)" in definition and "WHERE (read_at IS NULL)" in definition


def _notify(db, user, n, *, read=False):
    from datetime import timedelta

    from app.models.base import utcnow

    now = utcnow()
    db.session.add_all(Notification(user_id=user.id, text_en=f"n{i}", text_zh=f"通知{i}", link="",
                                    created_at=now - timedelta(minutes=i), read_at=now if read else None)
                       for i in range(n))


def test_the_badge_counts_to_99_and_then_says_99_plus(client, auth, db, factory):
    from app.domain.notifications import UNREAD_BADGE_CAP

    user = factory.user(Role.REVIEWER)
    _notify(db, user, 3)
    factory.commit()
    auth.login(user.username)
    assert unread_count(user) == 3
    assert '<span class="badge" aria-label="3 unread">3</span>' in client.get(
        "/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    _notify(db, user, 150)
    factory.commit()
    assert unread_count(user) == UNREAD_BADGE_CAP + 1 == 100
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="badge" aria-label="More than 99 unread">99+</span>' in english
    client.post("/language/zh")
    assert 'aria-label="超过99条未读">99+</span>' in client.get("/").get_data(as_text=True)


def test_a_page_of_the_inbox_is_read_in_order_from_an_index(db, factory):
    from app.domain.notifications import INBOX_PAGE_SIZE, inbox

    user, other = factory.user(Role.REVIEWER), factory.user(Role.REVIEWER)
    _notify(db, user, INBOX_PAGE_SIZE + 5, read=True)
    _notify(db, other, 10)
    factory.commit()
    first, more = inbox(user)
    second, more_again = inbox(user, page=2)
    assert more and not more_again and len(first) == INBOX_PAGE_SIZE and len(second) == 5
    everything = first + second
    assert [n.created_at for n in everything] == sorted((n.created_at for n in everything), reverse=True)
    assert {n.user_id for n in everything} == {user.id}

    query = ("SELECT id FROM notification WHERE user_id = :u ORDER BY created_at DESC, id DESC LIMIT 51")
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row) for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + query),
                                                                {"u": user.id}))
        assert "ix_notification_inbox" in plan and "TEMP B-TREE" not in plan
    else:
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db.session.execute(sa.text("EXPLAIN " + query), {"u": user.id}))
        assert "ix_notification_inbox" in plan and "Sort" not in plan
