"""字数 kept on each version (the exports read it instead of every body)

Revision ID: b7d4e1c9a2f3
Revises: c81d5e2a9b47
Create Date: 2026-12-04 22:00:00

The pieces export counted the characters of every latest version by loading
its body (32 s at 3,000 pieces). The count is now taken with the version;
existing versions are counted here from body_html, a batch at a time.

A plain ADD/DROP COLUMN, not a batch rebuild: rebuilding submission_version on
SQLite would drop the FTS5 search triggers of a93e6c2d1f47.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e1c9a2f3'
down_revision = 'c81d5e2a9b47'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    from app.domain.submissions.bodies.rendering import character_count

    op.add_column('submission_version',
                  sa.Column('character_count', sa.Integer(), nullable=False, server_default='0'))
    conn = op.get_bind()
    versions = sa.table('submission_version', sa.column('id', sa.Integer), sa.column('body_html', sa.Text),
                        sa.column('character_count', sa.Integer))
    last = 0
    while True:
        # Keyset batches: a few hundred bodies in memory at a time, whatever the table holds.
        rows = conn.execute(sa.select(versions.c.id, versions.c.body_html).where(versions.c.id > last)
                            .order_by(versions.c.id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(versions.update().where(versions.c.id == sa.bindparam('version_id'))
                     .values(character_count=sa.bindparam('count')),
                     [{'version_id': id_, 'count': character_count(html or '')} for id_, html in rows])
        last = rows[-1][0]


def downgrade():
    op.drop_column('submission_version', 'character_count')
