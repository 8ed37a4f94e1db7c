"""The queue's order across pages: the reviewer's assigned pieces first, then the rest.

The two are read apart (each in its order, from an index) and put end to
end, so the page that passes from one to the other is where a piece could be
lost or shown twice. A page of four makes every boundary a few pieces away.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.domain.review import queue
from app.domain.review.decisions import assign_reviewer
from app.domain.review.queue import QueueFilters, review_queue
from app.models import Role, SubmissionState
from tests.review.test_queue import QueryCounter, piece, titles

SMALL_PAGE = 4


@pytest.fixture(params=["two reads", "one sort"])
def small_pages(request, monkeypatch):
    """Pages of four, the boundary page read both ways: two reads put end to end (many
    matches), or one sort of every match (few, see ``queue.FEW_PAGES``)."""
    monkeypatch.setattr(queue, "PAGE_SIZE", SMALL_PAGE)
    monkeypatch.setattr(queue, "FEW_PAGES", 0 if request.param == "two reads" else 100)
    return request.param


@pytest.fixture
def reviewer(factory):
    return factory.user(Role.REVIEWER, username="order-reviewer")


@pytest.fixture
def pieces(factory, db, reviewer):
    """Six pieces assigned to the reviewer and seven that are not, sent at interleaved times.

    Returns the titles of each group, newest first. One of the rest is assigned
    to another reviewer only: it is not the reviewer's.
    """
    conference = factory.conference()
    editor, colleague = factory.user(Role.EDITOR), factory.user(Role.REVIEWER)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    mine, rest = [], []
    for n in range(13):
        # The bureaus' names sort against the order of sending: by bureau is newest first too.
        submission = piece(factory, conference, title=f"材料{n:02d}",
                           org_zh=f"第{20 - n:02d}省", org_en=f"Province {20 - n:02d}")
        submission.submitted_at = start + timedelta(hours=n)
        if n % 2 == 0 and len(mine) < 6:
            assign_reviewer(submission, reviewer, actor=editor)
            mine.append(submission.title)
        else:
            if n == 1:
                assign_reviewer(submission, colleague, actor=editor)
            rest.append(submission.title)
    factory.commit()
    return list(reversed(mine)), list(reversed(rest))


def every_page(reviewer, **filters) -> list[list[str]]:
    first = review_queue(QueueFilters(**filters), viewer=reviewer)
    return [titles(first)] + [titles(review_queue(QueueFilters(page=n, **filters), viewer=reviewer))
                              for n in range(2, first.pages + 1)]


@pytest.mark.parametrize("sort, newest_first", [("submitted_desc", True), ("submitted_asc", False),
                                                ("organisation", True)])
def test_pages_show_my_pieces_then_the_rest_each_once_in_order(db, reviewer, pieces, small_pages, sort, newest_first):
    mine, rest = pieces
    if not newest_first:
        mine, rest = list(reversed(mine)), list(reversed(rest))
    pages = every_page(reviewer, sort=sort)
    assert [len(page) for page in pages] == [4, 4, 4, 1]
    # Page 2 passes from the reviewer's sixth piece to the others' first.
    assert pages[1] == mine[4:6] + rest[:2]
    assert sum(pages, []) == mine + rest


def test_a_page_that_ends_exactly_where_my_pieces_end(db, factory, reviewer, pieces, small_pages):
    mine, rest = pieces
    editor = factory.user(Role.EDITOR)
    # Two more of the rest become the reviewer's: eight, two whole pages of them.
    for title in rest[:2]:
        submission = next(s for s in _submissions(db) if s.latest_version.title == title)
        assign_reviewer(submission, reviewer, actor=editor)
    factory.commit()
    mine = sorted(mine + rest[:2], reverse=True)
    pages = every_page(reviewer)
    assert pages[:2] == [mine[:4], mine[4:]] and pages[2] == rest[2:6]
    assert sum(pages, []) == mine + rest[2:]


def test_only_mine_and_a_state_page_through_my_pieces_alone(db, reviewer, pieces, small_pages):
    mine, _rest = pieces
    assert sum(every_page(reviewer, assigned_to_me=True), []) == mine
    assert sum(every_page(reviewer, state=SubmissionState.SUBMITTED, assigned_to_me=True), []) == mine
    # A page past the end shows the last, as everywhere in the queue.
    assert titles(review_queue(QueueFilters(page=99), viewer=reviewer)) == pieces[1][-1:]


def test_a_reviewer_with_nothing_assigned_sees_every_piece_newest_first(db, factory, pieces, small_pages):
    mine, rest = pieces
    stranger = factory.user(Role.REVIEWER, username="nothing-assigned")
    factory.commit()
    assert sum(every_page(stranger), []) == sorted(mine + rest, reverse=True)
    assert not any(row.assigned_to_me for row in review_queue(QueueFilters(), viewer=stranger).rows)


def test_every_page_costs_the_same_queries_mine_the_boundary_or_the_rest(db, reviewer, pieces, small_pages):
    counts = []
    for page in (1, 2, 3):  # the reviewer's pieces alone, the boundary, the rest alone
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            review_queue(QueueFilters(page=page), viewer=reviewer)
        counts.append(counter.count)
    assert counts == [counts[0]] * 3, counts


def test_the_queue_page_costs_the_same_queries_on_every_page(client, auth, db, reviewer, pieces, small_pages):
    auth.login(reviewer.username)
    counts = []
    for page in (1, 2, 3, 4):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            html = client.get(f"/review/?page={page}").get_data(as_text=True)
        counts.append(counter.count)
        assert html.count('<tr class="mine">') == {1: 4, 2: 2, 3: 0, 4: 0}[page]
    assert counts == [counts[0]] * 4, counts


def _submissions(db):
    from app.models import Submission

    return db.session.scalars(sa.select(Submission)).all()


def plan_of_the_rows(db, reviewer, **filters) -> str:
    """The plan of the queue's row query for ``filters``, with sorting and full scans discouraged.

    Discouraged, the database still sorts or scans when no index can give the
    rows in the queue's order: a plan without a sort says one can.
    """
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        review_queue(QueueFilters(**filters), viewer=reviewer)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in statements if "version.title" in s)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


@pytest.mark.parametrize("page", [1, 2, 3], ids=["mine", "boundary", "rest"])
def test_the_default_queue_reads_its_rows_in_order_from_the_queue_index(db, reviewer, pieces, monkeypatch, page):
    monkeypatch.setattr(queue, "PAGE_SIZE", SMALL_PAGE)
    monkeypatch.setattr(queue, "FEW_PAGES", 0)  # as with thousands of pieces
    plan = plan_of_the_rows(db, reviewer, state=SubmissionState.SUBMITTED, page=page)
    assert "ix_submission_queue" in plan, plan
    if db.engine.dialect.name == "postgresql":
        # Each half in the index's order; only the boundary page sorts its few rows again, to join them.
        halves = plan.count("Index Scan Backward using ix_submission_queue")
        assert halves == (2 if page == 2 else 1), plan
        assert ("Sort" in plan) == (page == 2) and "Seq Scan on submission" not in plan, plan
    else:
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan or page == 2, plan


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_row_names_its_key_tasks_by_number_and_its_reviewers_as_assigned(client, auth, db, factory, lang):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    # Assigned against the alphabet and the order of their accounts: the order shown is the assignments'.
    later, first = factory.user(Role.REVIEWER, display_name="Qian Later"), factory.user(Role.REVIEWER,
                                                                                         display_name="Zhao First")
    submission = piece(factory, conference, title="两个重点任务的材料")
    submission.key_tasks = [conference.key_tasks[2], conference.key_tasks[0]]
    assign_reviewer(submission, first, actor=editor)
    assign_reviewer(submission, later, actor=editor)
    factory.commit()
    auth.login(first.username)
    client.post(f"/language/{lang}")

    row = client.get("/review/").get_data(as_text=True).split('<tr class="mine">', 1)[1].split("</tr>", 1)[0]
    tasks = [conference.key_tasks[0], conference.key_tasks[2]]
    titles_shown = [task.title_zh if lang == "zh" else task.title_en for task in tasks]
    assert row.count('class="key-task-no"') == 2
    assert row.index(f'title="{titles_shown[0]}">{tasks[0].number}<') < \
        row.index(f'title="{titles_shown[1]}">{tasks[1].number}<')
    assert "Zhao First, Qian Later" in row
    assert f'href="/review/{submission.id}"' in row
