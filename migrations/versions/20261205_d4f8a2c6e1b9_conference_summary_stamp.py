"""conference summary stamp: whole-conference figures counted once per change

Revision ID: d4f8a2c6e1b9
Revises: c3e9a1f7d5b2
Create Date: 2026-12-05 05:10:00

The ministry's home and the editors' page summarise whole conferences; they
are counted once per change and kept under this stamp, which every commit
that changes what they count renews (``app.models.summary_stamp``). Each
existing conference gets a stamp of its own.
"""
import uuid

import sqlalchemy as sa
from alembic import op


revision = 'd4f8a2c6e1b9'
down_revision = 'c3e9a1f7d5b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_stamp', sa.String(length=32), nullable=True))
    conference = sa.table('conference', sa.column('id', sa.Integer), sa.column('summary_stamp', sa.String))
    connection = op.get_bind()
    for (conference_id,) in connection.execute(sa.select(conference.c.id)).all():
        connection.execute(sa.update(conference).where(conference.c.id == conference_id)
                           .values(summary_stamp=uuid.uuid4().hex))


def downgrade():
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.drop_column('summary_stamp')
