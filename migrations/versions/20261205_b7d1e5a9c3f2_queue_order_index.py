"""the review queue's order from an index: sent pieces by (state, submitted_at, id)

Revision ID: b7d1e5a9c3f2
Revises: b7d1e3f5a9c2
Create Date: 2026-12-05 02:40:00

The queue opens on the pieces awaiting review, newest first, a page of 50:
the reviewer's own assigned pieces, then the rest. Each of the two is read
from this index in its order and stops after a page, instead of sorting
every piece sent. Partial: a piece never sent (no latest version) is never
in the queue.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d1e5a9c3f2'
down_revision = 'b7d1e3f5a9c2'
branch_labels = None
depends_on = None

SENT = 'latest_version_id IS NOT NULL'


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_queue', ['state', 'submitted_at', 'id'], unique=False,
                              sqlite_where=sa.text(SENT), postgresql_where=sa.text(SENT))


def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_queue', sqlite_where=sa.text(SENT), postgresql_where=sa.text(SENT))
