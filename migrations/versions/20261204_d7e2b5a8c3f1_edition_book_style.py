"""book style per edition: the ministry compilation or a Western proceedings book

Revision ID: d7e2b5a8c3f1
Revises: b7d4e1c9a2f3
Create Date: 2026-12-04 21:50:00

An editor chooses, per edition, whether the book is set as a ministry
compilation (汇编, the default) or as Western proceedings for an English
edition. Existing editions were all built as ministry compilations.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2b5a8c3f1'
down_revision = 'b7d4e1c9a2f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('book_style', sa.String(length=16), nullable=False, server_default='ministry'))


def downgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.drop_column('book_style')
