"""The ministry home's kept figures are never stale: each write that changes what they count renews the stamp.

Whole-conference figures are kept in the process under ``Conference.summary_stamp``
(``app.domain.summary_cache``), and session hooks give a conference a new stamp at
every commit that changes a row its figures count (``app.models.summary_stamp``).
A write path that changed a count without renewing the stamp would leave the home
showing yesterday's numbers; one that renewed it for nothing would lock the
conference's row at every autosave. Each write is driven here through its real
route, and the figures the home then shows are compared with figures counted afresh.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.domain import summary_cache
from app.domain.conference.charts import conference_figures
from app.domain.workflow import Action, apply_transition
from app.models import Conference, KeyTask, Notification, Role, SubmissionState, User
from app.models.summary_stamp import changed_conferences
from tests.factories import approved_piece
from tests.review.test_queue import QueryCounter
from tests.submissions.conftest import draft_data

IN_TWENTY_DAYS = (datetime.now(timezone.utc) + timedelta(days=20)).date().isoformat()


class World:
    """Two conferences (the one written to and a bystander), a bureau invited to the first, and a client per role."""

    def __init__(self, app, factory, db):
        self.factory, self.db = factory, db
        self.conference = factory.conference()
        self.bystander = factory.conference()
        self.bureau = factory.organisation()
        self.author = factory.user(Role.SUBMITTER, organisation=self.bureau, username="bureau")
        factory.user(Role.REVIEWER, username="reviewer")
        self.editor = factory.user(Role.EDITOR, username="editor")
        self.invitation = factory.invitation(conference=self.conference, organisation=self.bureau)
        factory.submission(factory.invitation(conference=self.bystander), state=SubmissionState.SUBMITTED)
        factory.commit()
        self.clients = {}
        for username in ("bureau", "reviewer", "editor"):
            self.clients[username] = client = app.test_client()
            client.post("/login", data={"username": username, "password": "correct horse battery"})

    def piece(self, state: SubmissionState = SubmissionState.DRAFT):
        return self.factory.submission(self.invitation, author=self.author, state=state)

    def post(self, username: str, url: str, data: dict | None = None):
        """Post as ``username``; the route must have done its work (a redirect), or the test means nothing."""
        response = self.clients[username].post(url, data=data or {})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def home(self, username: str = "editor") -> str:
        return self.clients[username].get("/").get_data(as_text=True)


@pytest.fixture
def world(app, factory, db):
    summary_cache.forget_all()
    return World(app, factory, db)


def stamps(db) -> dict[int, str | None]:
    """Every conference's stamp as committed, read on a connection of its own."""
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.select(Conference.id, Conference.summary_stamp)).all())


def figures(conference):
    """The figures the home shows: the kept ones when the stamp is known."""
    return conference_figures([conference])[conference.id]


def counted_afresh(conference):
    summary_cache.forget_all()
    return figures(conference)


def submitted_count(page: str, conference) -> int:
    """The count of submitted pieces on ``conference``'s part of the ministry's home."""
    [section] = [s for s in page.split('<section class="conference">') if conference.title_zh in s]
    return int(re.search(r'<li class="state-submitted"><span class="count">(\d+)</span>', section)[1])


class ConferenceUpdates:
    """Every UPDATE of the conference table run while open: a renewed stamp locks the conference's row."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if re.match(r"\s*UPDATE\s+conference\b", statement, re.I):
            self.statements.append(statement)


# --- every write the home counts, through its route ------------------------------------
# Each arranges what the write needs and answers the write itself, to run once the
# figures of the conference before it are kept.

def a_bureau_starts_a_draft(w: World) -> Callable:
    return lambda: w.post("bureau", f"/submissions/start/{w.invitation.id}")


def a_bureau_changes_its_drafts_key_tasks(w: World) -> Callable:
    piece = w.piece()
    _first, second, third = w.conference.key_tasks
    return lambda: w.post("bureau", f"/submissions/{piece.id}/save",
                          draft_data(piece, key_task_ids=[second.id, third.id]))


def a_bureau_submits(w: World) -> Callable:
    piece = w.piece()
    return lambda: w.post("bureau", f"/submissions/{piece.id}/submit")


def a_bureau_saves_and_submits_in_one_go(w: World) -> Callable:
    piece = w.piece()
    return lambda: w.post("bureau", f"/submissions/{piece.id}/save", draft_data(piece, title="定稿", then="submit"))


def a_reviewer_approves(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)
    return lambda: w.post("reviewer", f"/review/{piece.id}/decide", {"outcome": "approve", "version_seen": "1"})


def a_reviewer_requests_changes(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)
    return lambda: w.post("reviewer", f"/review/{piece.id}/decide",
                          {"outcome": "request_changes", "comment": "请补充数据。", "version_seen": "1"})


def a_reviewer_rejects(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)
    return lambda: w.post("reviewer", f"/review/{piece.id}/decide",
                          {"outcome": "reject", "comment": "与会议主题不符。", "version_seen": "1"})


def an_editor_reopens_an_approved_piece(w: World) -> Callable:
    piece = w.piece(SubmissionState.APPROVED)
    return lambda: w.post("editor", f"/review/{piece.id}/reopen", {"reason": "请更新数据。"})


def a_bureau_withdraws(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)
    return lambda: w.post("bureau", f"/submissions/{piece.id}/withdraw")


def a_bureau_restarts_a_withdrawn_piece(w: World) -> Callable:
    piece = w.piece(SubmissionState.WITHDRAWN)
    return lambda: w.post("bureau", f"/submissions/{piece.id}/restart")


def the_ministry_asks_for_a_replacement(w: World) -> Callable:
    piece = w.piece(SubmissionState.REJECTED)
    return lambda: w.post("reviewer", f"/review/{piece.id}/replacement", {"reason": "请围绕重点任务另写一篇。"})


def an_editor_grants_an_extension(w: World) -> Callable:
    url = f"/conference/{w.conference.id}/invitations/{w.invitation.id}/extensions"
    return lambda: w.post("editor", url, {"new_due_date": IN_TWENTY_DAYS, "new_due_time": "18:00", "reason": "雨雪天气"})


def an_editor_adds_an_invitation(w: World) -> Callable:
    bureau = w.factory.organisation()
    return lambda: w.post("editor", f"/conference/{w.conference.id}/invitations", {
        "organisation_id": bureau.id, "kind": "written", "due_date": IN_TWENTY_DAYS, "due_time": "18:00"})


def an_editor_moves_an_invitations_due_date(w: World) -> Callable:
    url = f"/conference/{w.conference.id}/invitations/{w.invitation.id}"
    return lambda: w.post("editor", url, {"due_date": IN_TWENTY_DAYS, "due_time": "17:00"})


def an_editor_removes_an_invitation(w: World) -> Callable:
    return lambda: w.post("editor", f"/conference/{w.conference.id}/invitations/{w.invitation.id}/delete")


def an_editor_adds_a_key_task(w: World) -> Callable:
    return lambda: w.post("editor", f"/conference/{w.conference.id}/key-tasks",
                          {"number": 4, "title_zh": "推动绿色低碳发展", "title_en": "Green development"})


def an_editor_renumbers_a_key_task(w: World) -> Callable:
    task = w.conference.key_tasks[2]
    return lambda: w.post("editor", f"/conference/{w.conference.id}/key-tasks/{task.id}/move/up")


def an_editor_deletes_a_key_task(w: World) -> Callable:
    task = w.conference.key_tasks[2]
    return lambda: w.post("editor", f"/conference/{w.conference.id}/key-tasks/{task.id}/delete")


def an_editor_leaves_a_piece_out_of_the_proceedings(w: World) -> Callable:
    piece = w.piece(SubmissionState.APPROVED)
    return lambda: w.post("editor", f"/proceedings/{w.conference.slug}/pieces/{piece.id}/exclude",
                          {"reason": "内容与发言重复"})


def an_editor_moves_a_piece_up_in_the_proceedings(w: World) -> Callable:
    w.piece(SubmissionState.APPROVED)
    second = approved_piece(w.factory, w.conference, title="第二篇")
    return lambda: w.post("editor", f"/proceedings/{w.conference.slug}/pieces/{second.id}/move/up")


def an_editor_types_in_the_proceedings_order(w: World) -> Callable:
    first = w.piece(SubmissionState.APPROVED)
    approved_piece(w.factory, w.conference, title="第二篇")
    return lambda: w.post("editor", f"/proceedings/{w.conference.slug}/positions", {f"position-{first.id}": "2"})


#: The writes, and whether the home's figures move with them (leaving a piece out of the
#: book or renumbering a key task renews the stamp for the editors' summaries, not the home's).
COUNTED_WRITES = [
    (a_bureau_starts_a_draft, True),
    (a_bureau_changes_its_drafts_key_tasks, True),
    (a_bureau_submits, True),
    (a_bureau_saves_and_submits_in_one_go, True),
    (a_reviewer_approves, True),
    (a_reviewer_requests_changes, True),
    (a_reviewer_rejects, True),
    (an_editor_reopens_an_approved_piece, True),
    (a_bureau_withdraws, True),
    (a_bureau_restarts_a_withdrawn_piece, True),
    (the_ministry_asks_for_a_replacement, True),
    (an_editor_grants_an_extension, True),
    (an_editor_adds_an_invitation, True),
    (an_editor_moves_an_invitations_due_date, True),
    (an_editor_removes_an_invitation, True),
    (an_editor_adds_a_key_task, False),
    (an_editor_renumbers_a_key_task, False),
    (an_editor_deletes_a_key_task, False),
    (an_editor_leaves_a_piece_out_of_the_proceedings, False),
    (an_editor_moves_a_piece_up_in_the_proceedings, False),
    (an_editor_types_in_the_proceedings_order, False),
]


@pytest.mark.parametrize(("write", "moves_figures"), COUNTED_WRITES, ids=[w.__name__ for w, _ in COUNTED_WRITES])
def test_a_write_the_home_counts_renews_its_conferences_stamp_and_no_other(db, world, write, moves_figures):
    act = write(world)
    world.factory.commit()
    kept = figures(world.conference), figures(world.bystander)  # kept under today's stamps
    before = stamps(db)

    act()

    after = stamps(db)
    assert after[world.conference.id] != before[world.conference.id]
    assert {c: s for c, s in after.items() if c != world.conference.id} == {
        c: s for c, s in before.items() if c != world.conference.id}
    shown = figures(world.conference)
    assert shown == counted_afresh(world.conference)
    assert (shown != kept[0]) is moves_figures
    assert figures(world.bystander) == kept[1]


def test_the_home_shows_a_submission_and_its_approval_after_being_viewed_before(db, world):
    piece = world.piece()
    world.factory.commit()
    first = world.home()
    db.session.expire_all()
    with QueryCounter(db.engine) as viewed_again:
        assert submitted_count(world.home(), world.conference) == submitted_count(first, world.conference) == 0
    db.session.expire_all()
    with QueryCounter(db.engine) as after_forgetting:
        summary_cache.forget_all()
        world.home()
    assert viewed_again.count < after_forgetting.count  # the second view read the kept figures

    world.post("bureau", f"/submissions/{piece.id}/submit")
    page = world.home()
    assert submitted_count(page, world.conference) == 1
    assert submitted_count(page, world.bystander) == 1  # its own piece, as before

    world.post("reviewer", f"/review/{piece.id}/decide", {"outcome": "approve", "version_seen": "1"})
    page = world.home()
    assert submitted_count(page, world.conference) == 0
    section = page.split(world.conference.title_zh, 1)[1]
    assert '<li class="state-approved"><span class="count">1</span>' in section
    assert "Beautiful China Pilot Zone: approved 1." in section


def test_the_reviewers_home_shows_the_submission_too(db, world):
    piece = world.piece()
    world.factory.commit()
    assert submitted_count(world.home("reviewer"), world.conference) == 0
    world.post("bureau", f"/submissions/{piece.id}/submit")
    assert submitted_count(world.home("reviewer"), world.conference) == 1


# --- writes that change nothing counted ------------------------------------------------

def a_bureau_autosaves_its_drafts_title_and_body(w: World) -> Callable:
    piece = w.piece()
    return lambda: w.post("bureau", f"/submissions/{piece.id}/save",
                          draft_data(piece, title="截止前最后一稿", body="## 一、主要做法\n\n又改了一句。"))


def a_bureau_comments_on_its_piece(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)
    return lambda: w.post("bureau", f"/review/{piece.id}/comments", {"text": "数据已核实。"})


def a_reviewer_comments_and_writes_a_note(w: World) -> Callable:
    piece = w.piece(SubmissionState.SUBMITTED)

    def act():
        w.post("reviewer", f"/review/{piece.id}/comments", {"text": "请补充附件。"})
        w.post("reviewer", f"/review/{piece.id}/comments", {"text": "内部意见", "internal": "y"})
    return act


def a_bureau_marks_its_notifications_read(w: World) -> Callable:
    w.piece(SubmissionState.CHANGES_REQUESTED)  # the decision told the bureau

    def act():
        one = w.db.session.scalars(sa.select(Notification.id).where(Notification.user_id == w.author.id)).first()
        assert one is not None
        w.post("bureau", f"/notifications/{one}/read")
        w.post("bureau", "/notifications/read-all")
    return act


UNCOUNTED_WRITES = [a_bureau_autosaves_its_drafts_title_and_body, a_bureau_comments_on_its_piece,
                    a_reviewer_comments_and_writes_a_note, a_bureau_marks_its_notifications_read]


@pytest.mark.parametrize("write", UNCOUNTED_WRITES, ids=[w.__name__ for w in UNCOUNTED_WRITES])
def test_a_write_that_changes_nothing_counted_keeps_the_stamp_and_leaves_the_conference_row_alone(db, world, write):
    act = write(world)
    world.factory.commit()
    kept = figures(world.conference)
    before = stamps(db)

    with ConferenceUpdates(db.engine) as updates:
        act()

    assert stamps(db) == before
    assert updates.statements == []  # during a deadline rush, autosaves do not queue on the conference's row
    assert figures(world.conference) == kept == counted_afresh(world.conference)


# --- transactions -----------------------------------------------------------------------

def test_a_rolled_back_transaction_renews_nothing_and_its_changes_do_not_leak_into_the_next(db, factory):
    conference, other = factory.conference(), factory.conference()
    invitation = factory.invitation(conference=conference)
    factory.commit()
    before = stamps(db)

    invitation.due_at += timedelta(days=3)
    db.session.flush()
    assert changed_conferences(db.session) == {conference.id}
    db.session.rollback()
    assert changed_conferences(db.session) == frozenset()
    assert stamps(db) == before

    other.title_en = "Renamed, nothing counted"  # the next transaction changes nothing counted
    db.session.commit()
    assert stamps(db) == before


def test_a_failed_flush_renews_nothing(db, factory):
    conference = factory.conference()
    factory.commit()
    before = stamps(db)
    conference.key_tasks.append(KeyTask(number=1, title_zh="重复", title_en="Duplicate"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert stamps(db) == before and changed_conferences(db.session) == frozenset()


def test_a_savepoint_rolled_back_does_not_forget_the_changes_made_before_it(db, factory):
    conference, other = factory.conference(), factory.conference()
    invitation = factory.invitation(conference=conference)
    factory.commit()
    before = stamps(db)

    invitation.due_at += timedelta(days=3)
    db.session.flush()
    savepoint = db.session.begin_nested()
    factory.invitation(conference=other)
    savepoint.rollback()
    db.session.commit()

    after = stamps(db)
    assert after[conference.id] != before[conference.id]
    assert figures(conference) == counted_afresh(conference)


def test_a_savepoint_released_stamps_with_its_transaction_rolled_back_or_committed(db, factory):
    conference = factory.conference()
    factory.commit()
    before = stamps(db)

    def begun():
        # pysqlite opens the transaction at the first write, not at a SAVEPOINT: write first,
        # or releasing the savepoint would commit it on SQLite.
        conference.title_en = "Renamed"
        db.session.flush()

    begun()
    with db.session.begin_nested():
        factory.invitation(conference=conference)
    db.session.rollback()
    assert stamps(db) == before
    begun()
    with db.session.begin_nested():
        factory.invitation(conference=conference)
    db.session.commit()
    assert stamps(db)[conference.id] != before[conference.id]


def test_within_a_transaction_that_changed_a_conference_its_figures_are_counted_afresh(db, factory):
    conference = factory.conference()
    invitation = factory.invitation(conference=conference)
    piece = factory.submission(invitation)
    factory.commit()
    kept = figures(conference)
    assert kept.pieces == {SubmissionState.DRAFT: 1}

    apply_transition(piece, Action.SUBMIT, actor=db.session.get(User, piece.created_by_id))
    assert changed_conferences(db.session) == {conference.id}
    assert figures(conference).pieces == {SubmissionState.SUBMITTED: 1}

    db.session.rollback()  # what the transaction saw was not kept under the stamp it did not change
    assert figures(conference) == kept


def test_a_change_not_yet_flushed_is_counted_too(db, factory):
    conference = factory.conference()
    invitation = factory.invitation(conference=conference)
    factory.commit()
    kept = figures(conference)

    invitation.due_at = datetime(2031, 5, 1, 2, tzinfo=timezone.utc)  # pending: no query has flushed it yet
    assert figures(conference).due_dates == (datetime(2031, 5, 1).date(),)
    assert changed_conferences(db.session) == {conference.id}

    db.session.rollback()
    assert figures(conference) == kept


# --- the cache itself ------------------------------------------------------------------

def test_the_cache_keeps_at_most_capacity_summaries_dropping_the_least_recently_used(db, factory, monkeypatch):
    monkeypatch.setattr(summary_cache, "CAPACITY", 3)
    summary_cache.forget_all()
    conferences = [factory.conference() for _ in range(4)]
    factory.commit()
    asked: list[list[int]] = []

    def count(unknown):
        asked.append([c.id for c in unknown])
        return {c.id: c.id for c in unknown}

    ids = [c.id for c in conferences]
    assert summary_cache.summaries("test", conferences[:3], count) == dict(zip(ids[:3], ids[:3]))
    summary_cache.summaries("test", conferences[:1], count)  # the first is now the most recently used
    summary_cache.summaries("test", conferences[3:], count)  # a fourth: the second goes
    assert len(summary_cache._kept) == 3
    summary_cache.summaries("test", conferences, count)
    assert asked == [ids[:3], ids[3:], [ids[1]]]


def test_a_change_puts_the_new_figures_in_the_place_of_the_old_rather_than_beside_them(db, factory):
    """During a deadline rush a conference changes every few seconds: its figures of earlier stamps must not
    fill the cache and push out the figures of the conferences nobody is writing to."""
    summary_cache.forget_all()
    busy, quiet = factory.conference(), factory.conference()
    factory.commit()
    summary_cache.summaries("test", [quiet], lambda unknown: {c.id: "quiet" for c in unknown})
    for n in range(5):
        factory.invitation(conference=busy)
        factory.commit()
        assert summary_cache.summaries("test", [busy], lambda unknown: {c.id: n for c in unknown}) == {busy.id: n}
    assert len(summary_cache._kept) == 2
    assert summary_cache.summaries("test", [quiet], lambda unknown: pytest.fail("counted again")) == {
        quiet.id: "quiet"}


def test_a_conference_without_a_stamp_is_counted_every_time_and_never_kept(db, factory):
    summary_cache.forget_all()
    unstamped, stamped = factory.conference(), factory.conference()
    factory.commit()
    unstamped.summary_stamp = None
    factory.commit()
    assert stamps(db)[unstamped.id] is None  # changing the conference itself renews nothing
    asked: list[list[int]] = []

    def count(unknown):
        asked.append([c.id for c in unknown])
        return {c.id: len(asked) for c in unknown}

    for _ in range(3):
        summary_cache.summaries("test", [unstamped, stamped], count)
    assert asked == [[unstamped.id, stamped.id], [unstamped.id], [unstamped.id]]
    assert summary_cache.summaries("test", [unstamped], count) == {unstamped.id: 4}
    assert all(key[1] != unstamped.id for key in summary_cache._kept)
