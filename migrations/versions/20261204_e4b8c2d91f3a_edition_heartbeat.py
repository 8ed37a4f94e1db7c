"""edition heartbeat: a build's process stamps it while it works

Revision ID: e4b8c2d91f3a
Revises: e3b8c2d4a6f1
Create Date: 2026-12-04 20:20:00

A build whose process stopped (killed, a restart) was only noticed 45
minutes after it was created. The process building it now stamps the row
every half minute; a building edition whose stamp is a few minutes old has
lost its process and is marked failed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b8c2d91f3a'
down_revision = 'e3b8c2d4a6f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
