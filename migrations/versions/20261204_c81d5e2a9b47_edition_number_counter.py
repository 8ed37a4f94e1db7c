"""edition number counter (a deleted edition's number is never reused) and piece numbering per edition

Revision ID: c81d5e2a9b47
Revises: a93e6c2d1f47
Create Date: 2026-12-04 21:30:00

The next edition took max(number) + 1, so deleting the newest edition let the
next build take its number again (two different books under one number). The
conference now keeps the highest number ever given out; it starts at the
highest existing edition number.

Each edition also fixes how its pieces are numbered (none, 1. 2., 一、二、,
per section); existing editions were built without numbers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c81d5e2a9b47'
down_revision = 'a93e6c2d1f47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_edition_number', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('piece_numbering', sa.String(length=16), nullable=False, server_default='none'))
    op.execute(
        "UPDATE conference SET last_edition_number = COALESCE("
        "(SELECT MAX(number) FROM proceedings_edition WHERE proceedings_edition.conference_id = conference.id), 0)"
    )


def downgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.drop_column('piece_numbering')
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.drop_column('last_edition_number')
