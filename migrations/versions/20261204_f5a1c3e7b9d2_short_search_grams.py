"""short searches indexed: the characters and character pairs of each version's search text; pieces by latest version

Revision ID: f5a1c3e7b9d2
Revises: f2a7c4e9b1d3
Create Date: 2026-12-04 23:30:00

Reviewers search for two characters as often as for more (湿地, 云南, 张三),
and a trigram index holds nothing shorter than three: such a search read the
search text of every version, three times a page. PostgreSQL now also keeps a
GIN index of every single character and pair of characters of the (lowercased)
search text, through an immutable function, so a one- or two-character query
is answered from the index like a longer one.

Both: an index on ``submission.latest_version_id``, so that the versions a
search finds lead to their pieces without a scan of every piece.

SQLite's FTS5 trigram table has no counterpart (there, a short query reads the
one search column; SQLite serves the small installations).
"""
from alembic import op


revision = 'f5a1c3e7b9d2'
down_revision = 'f2a7c4e9b1d3'
branch_labels = None
depends_on = None

# One pass over the characters (a window's ``lead`` pairs each with the next):
# ``substr`` at every offset is quadratic on multibyte text. Not inlined by the
# planner (it has a FROM), so the index expression matches the queries'
# expression as written. Lowercased: the search is caseless.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION huibian_search_grams(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT pair.gram), '{}')
    FROM (SELECT c, lead(c) OVER (ORDER BY i) AS next
          FROM unnest(regexp_split_to_array(lower(body), '')) WITH ORDINALITY AS chars(c, i)) AS s,
         LATERAL (VALUES (s.c), (s.c || s.next)) AS pair(gram)
    WHERE pair.gram IS NOT NULL
$$
"""


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_latest_version_id'), ['latest_version_id'], unique=False)
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(GRAMS_FUNCTION)
    op.execute("CREATE INDEX ix_submission_version_search_grams ON submission_version"
               " USING gin (huibian_search_grams(search_text))")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_submission_version_search_grams")
        op.execute("DROP FUNCTION IF EXISTS huibian_search_grams(text)")
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_latest_version_id'))
