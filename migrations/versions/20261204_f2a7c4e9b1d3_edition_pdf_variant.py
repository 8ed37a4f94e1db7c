"""PDF variant per edition: plain, PDF/UA-1 or PDF/A-3u

Revision ID: f2a7c4e9b1d3
Revises: f2c9a7d4e1b8
Create Date: 2026-12-04 23:30:00

An editor chooses, per edition, whether the book is a plain PDF (as every
edition so far), a tagged PDF/UA-1 book that reads aloud, or a PDF/A-3u book
for the archive.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2a7c4e9b1d3'
down_revision = 'f2c9a7d4e1b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_variant', sa.String(length=16), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('proceedings_edition', schema=None) as batch_op:
        batch_op.drop_column('pdf_variant')
