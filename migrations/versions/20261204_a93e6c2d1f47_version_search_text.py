"""search text on each version, indexed by trigrams

Revision ID: a93e6c2d1f47
Revises: e3f1a9c2d4b6
Create Date: 2026-12-04 20:30:00

The reviewers' search ran ``ILIKE`` over eight columns (three of them whole
bodies) of every submitted version. Each version now carries one
``search_text`` (title, subtitle, speaker, post, the bureau's names, abstract,
body text without tags), written when it is taken and backfilled here.

PostgreSQL: a pg_trgm GIN index on it. Creating the extension needs the
right to; where it is refused the column is still searched, without an index,
and a warning says so.

SQLite: an FTS5 table with the trigram tokenizer, external content over the
column, kept by three triggers. A later migration that rebuilds
``submission_version`` in batch mode drops these triggers and must recreate
them (``_create_sqlite_search``); the queue's search tests fail if it forgets.
"""
import html
import re
import warnings

from alembic import op
import sqlalchemy as sa


revision = 'a93e6c2d1f47'
down_revision = 'e3f1a9c2d4b6'
branch_labels = None
depends_on = None

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def _text(html_body: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", html_body or ""))).strip()


def _backfill(conn) -> None:
    rows = conn.execute(sa.text(
        "SELECT v.id, v.title, v.subtitle, v.speaker_name, v.speaker_post, o.name_zh, o.name_en,"
        " v.abstract, v.body_html FROM submission_version v"
        " JOIN submission s ON s.id = v.submission_id JOIN organisation o ON o.id = s.organisation_id"
    )).all()
    update = sa.text("UPDATE submission_version SET search_text = :text WHERE id = :id")
    batch = []
    for row in rows:
        parts = list(row[1:8]) + [_text(row[8])]
        batch.append({"id": row[0], "text": "\n".join(p.strip() for p in parts if p and p.strip())})
        if len(batch) >= 500:
            conn.execute(update, batch)
            batch = []
    if batch:
        conn.execute(update, batch)


def _create_sqlite_search() -> None:
    op.execute("CREATE VIRTUAL TABLE submission_version_search USING fts5("
               "search_text, content='submission_version', content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER submission_version_search_insert AFTER INSERT ON submission_version BEGIN"
               " INSERT INTO submission_version_search(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute("CREATE TRIGGER submission_version_search_delete AFTER DELETE ON submission_version BEGIN"
               " INSERT INTO submission_version_search(submission_version_search, rowid, search_text)"
               " VALUES ('delete', old.id, old.search_text); END")
    op.execute("CREATE TRIGGER submission_version_search_update AFTER UPDATE OF search_text ON submission_version BEGIN"
               " INSERT INTO submission_version_search(submission_version_search, rowid, search_text)"
               " VALUES ('delete', old.id, old.search_text);"
               " INSERT INTO submission_version_search(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute("INSERT INTO submission_version_search(submission_version_search) VALUES ('rebuild')")


def upgrade():
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == 'sqlite':
        _create_sqlite_search()
    elif conn.dialect.name == 'postgresql':
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:
            warnings.warn("pg_trgm could not be created (ask the database owner to run "
                          "CREATE EXTENSION pg_trgm): the search works, without its index.")
            return
        op.execute("CREATE INDEX ix_submission_version_search_text ON submission_version"
                   " USING gin (search_text gin_trgm_ops)")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        for suffix in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS submission_version_search_{suffix}")
        op.execute("DROP TABLE IF EXISTS submission_version_search")
    elif conn.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_submission_version_search_text")
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.drop_column('search_text')
