"""word originals: the Word file a body was imported from, kept and linked to the version sent

Revision ID: e4b9c2d17a60
Revises: 5c3a1f0e7b21
Create Date: 2026-12-04 20:30:00

The office files each approved piece with the document the bureau wrote
it in; imports kept only the converted body. Earlier imports cannot be
recovered, so existing versions have no original.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b9c2d17a60'
down_revision = '5c3a1f0e7b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('word_original',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('source_format', sa.String(length=8), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_word_original_size_non_negative')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_word_original_submission_id_submission'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_word_original_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_word_original'))
    )
    with op.batch_alter_table('word_original', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_word_original_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_word_original_submission_id'), ['submission_id'], unique=False)
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('word_original_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_version_word_original_id'), ['word_original_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submission_version_word_original_id_word_original'),
                                    'word_original', ['word_original_id'], ['id'])


def downgrade():
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_version_word_original_id_word_original'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submission_version_word_original_id'))
        batch_op.drop_column('word_original_id')
    with op.batch_alter_table('word_original', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_word_original_submission_id'))
        batch_op.drop_index(batch_op.f('ix_word_original_sha256'))
    op.drop_table('word_original')
