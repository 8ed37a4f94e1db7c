"""home page: a conference's first invitations from an index, an invitation's extensions by invitation

Revision ID: b7d1e3f5a9c2
Revises: a4c8e2f6b1d3
Create Date: 2026-12-05 02:30:00

The ministry's home lists the first twenty invitations of each of its
conferences in the order of the programme (kind, speaking order). Without an
index in that order every invitation of the conference (600 at 3,000 pieces)
is read and sorted to keep twenty; with it, twenty are read. An invitation's
due date is moved by its latest extension, which the home page, the coverage
page and its exports look up per invitation: extensions had no index by
invitation at all, so each look-up read the whole table.
"""
from alembic import op


revision = 'b7d1e3f5a9c2'
down_revision = 'a4c8e2f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_conference_order',
                              ['conference_id', 'kind', 'speaking_order', 'id'], unique=False)
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.create_index('ix_extension_invitation_latest', ['invitation_id', 'granted_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.drop_index('ix_extension_invitation_latest')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_conference_order')
