"""home page counts from indexes: pieces by conference and state, first versions by piece

Revision ID: a4c8e2f6b1d3
Revises: f5a1c3e7b9d2
Create Date: 2026-12-05 00:35:00

The ministry's home counts each conference's pieces by state and draws its
charts from pieces by key task and from when each invitation was first sent.
Those counts read every piece of a conference (600 at 3,000 pieces) and the
first version of each; from the wide rows (abstracts, bodies) that is a scan
of the tables. Two narrow indexes answer them alone: pieces by (conference,
state, invitation, id), and first versions (number 1) by (piece, time).
"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c8e2f6b1d3'
down_revision = 'f5a1c3e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_conference_state',
                              ['conference_id', 'state', 'invitation_id', 'id'], unique=False)
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.create_index('ix_submission_version_first', ['submission_id', 'created_at'], unique=False,
                              sqlite_where=sa.text('number = 1'), postgresql_where=sa.text('number = 1'))


def downgrade():
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_version_first',
                            sqlite_where=sa.text('number = 1'), postgresql_where=sa.text('number = 1'))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_conference_state')
