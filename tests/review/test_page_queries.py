"""Every page that lists costs the same queries at 10 pieces as at 200.

The pages are those ``benchmarks/pages.py`` measures under gunicorn, filled
the same way (bulk inserts: five conferences, every state, versions,
comments, decisions, notifications). What grows with the pieces must be the
rows on later pages, never the queries of one page, nor its size past a page.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.models import Base
from benchmarks.pages import pages
from benchmarks.seed_scale import PASSWORD, seed
from tests.review.test_queue import QueryCounter


def measure(app, db, pieces: int) -> dict[str, tuple[int, int]]:
    seeded = seed(db.engine, pieces)
    clients = {}
    found = {}
    for label, who, path, _rows in pages(seeded):
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                clients[who].post("/login", data={"username": who, "password": PASSWORD})
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = clients[who].get(path)
        assert response.status_code == 200, (label, response.status_code)
        found[label] = (counter.count, len(response.get_data()))
    return found


def wipe(db) -> None:
    db.session.remove()
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # a submission and its latest version point at each other
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE"))
            return
        for table in tables:
            conn.execute(table.delete())


def test_every_listing_page_costs_the_same_queries_at_10_and_200_pieces(app, db):
    few = measure(app, db, 10)
    wipe(db)
    many = measure(app, db, 200)
    print(f"queries and bytes per page at 10 pieces: {few}\nand at 200: {many}")
    assert {label: queries for label, (queries, _size) in many.items()} == \
        {label: queries for label, (queries, _size) in few.items()}
    # A page of rows, not all of them: nothing that lists grows past about 100 KB.
    for label, (_queries, size) in many.items():
        assert size < 100 * 1024 or "CSV" in label or "xlsx" in label, (label, size)


def test_the_seeded_search_finds_its_word_through_the_index(app, db, client):
    seeded = seed(db.engine, 20)
    client.post("/login", data={"username": seeded.reviewer, "password": PASSWORD})
    page = client.get("/review/?state=&q=蓝天保卫战").get_data(as_text=True)
    titles = db.session.scalars(sa.text("SELECT title FROM submission_version WHERE title LIKE '%蓝天保卫战%'")).all()
    assert titles and all(title in page for title in set(titles))


# The review page and the piece page show a body; every other page measured lists or counts.
READS_A_BODY = {"review page", "piece page"}


def test_no_listing_page_reads_a_body_or_the_search_text(app, db):
    import re

    seeded = seed(db.engine, 20)
    clients = {}
    for label, who, path, _rows in pages(seeded):
        if label in READS_A_BODY:
            continue
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                clients[who].post("/login", data={"username": who, "password": PASSWORD})
        db.session.expire_all()
        statements = []

        def record(_conn, _cursor, statement, *_rest):
            statements.append(statement)
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert clients[who].get(path).status_code == 200, label
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        for statement in statements:
            # Bodies are deferred columns; the search text is only ever compared, never selected.
            assert "body_html" not in statement and "body_source" not in statement, (label, statement)
            assert not re.search(r"search_text(,| AS |\s+FROM)", statement), (label, statement)
