"""the programme of the oral session, printed in an edition's front matter when chosen

Revision ID: f2c9a7d4e1b8
Revises: d7e2b5a8c3f1
Create Date: 2026-12-04 23:30:00

An editor may print the programme of the oral session (发言顺序表) in the
book's front matter. The rows are frozen in the edition when it is created,
like its foreword; NULL (every existing edition) means no programme page.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2c9a7d4e1b8'
down_revision = 'd7e2b5a8c3f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.drop_column('programme')
