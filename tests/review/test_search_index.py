"""The reviewers' search is answered from an index that fits Chinese, never by reading every version.

Three characters or more: PostgreSQL's pg_trgm GIN index, SQLite's FTS5
trigram table. One or two (湿地, 云): PostgreSQL's index of characters and
pairs of characters; SQLite then reads the one search column (see
``app.domain.submissions.search``). The plans are asked with sequential
scans discouraged, so that a test table of three rows still says whether the
index *can* answer the query the queue sends.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.review.queue import QueueFilters, review_queue
from app.models import Role
from tests.review.test_queue import piece, titles


@pytest.fixture
def reviewer(factory):
    return factory.user(Role.REVIEWER, username="search-reviewer")


def plan_of_the_queue_search(db, reviewer, text: str) -> str:
    """The plan of the query that counts the queue's matches for ``text``, as the database would run it."""
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        review_queue(QueueFilters(text=text), viewer=reviewer)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in statements if "count(" in s and "GROUP BY" in s)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    return "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


@pytest.fixture
def three_pieces(factory, db):
    conference = factory.conference()
    piece(factory, conference, title="深入打好蓝天保卫战", body_source="推进湿地保护修复。")
    piece(factory, conference, title="高原湖泊", org_zh="云南省生态环境厅")
    piece(factory, conference, title="核与辐射安全")
    factory.commit()


def test_a_search_of_three_characters_or_more_reads_the_trigram_index(db, reviewer, three_pieces):
    assert titles(review_queue(QueueFilters(text="蓝天保卫"), viewer=reviewer)) == ["深入打好蓝天保卫战"]
    plan = plan_of_the_queue_search(db, reviewer, "蓝天保卫")
    if db.engine.dialect.name == "postgresql":
        assert "ix_submission_version_search_text" in plan, plan
    else:
        assert "submission_version_search VIRTUAL TABLE INDEX" in plan, plan


@pytest.mark.parametrize("text, expected", [("湿地", ["深入打好蓝天保卫战"]), ("云", ["高原湖泊"]), ("RG", [])])
def test_a_search_of_one_or_two_characters_reads_the_index_of_characters_and_pairs(
        db, reviewer, three_pieces, text, expected):
    assert titles(review_queue(QueueFilters(text=text), viewer=reviewer)) == expected
    plan = plan_of_the_queue_search(db, reviewer, text)
    if db.engine.dialect.name == "postgresql":
        assert "ix_submission_version_search_grams" in plan and "Seq Scan on submission_version" not in plan, plan
    else:  # FTS5's trigram table holds nothing shorter than three characters: the one column is read
        assert "submission_version_search" not in plan, plan


def test_a_two_letter_search_is_caseless_through_the_index_of_pairs(db, factory, reviewer):
    conference = factory.conference()
    piece(factory, conference, title="PM2.5 治理", abstract="Particulate matter")
    factory.commit()
    assert titles(review_queue(QueueFilters(text="pm"), viewer=reviewer)) == ["PM2.5 治理"]
    assert titles(review_queue(QueueFilters(text="Pa"), viewer=reviewer)) == ["PM2.5 治理"]
