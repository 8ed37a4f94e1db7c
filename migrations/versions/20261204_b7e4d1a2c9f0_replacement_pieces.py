"""replacement pieces: an invitation keeps superseded pieces beside its one live piece

Revision ID: b7e4d1a2c9f0
Revises: 9782bb041f5c
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e4d1a2c9f0'
down_revision = '9782bb041f5c'
branch_labels = None
depends_on = None

OLD_STATES = ('draft', 'submitted', 'changes_requested', 'approved', 'rejected', 'withdrawn')
NEW_STATES = OLD_STATES + ('superseded',)
LIVE = "state != 'superseded'"


def _states(values):
    return "state IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_submission_invitation_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_submission_submission_state'), type_='check')
        batch_op.create_check_constraint('submission_state', _states(NEW_STATES))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_replaces_id_submission'), 'submission',
                                    ['replaces_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_submission_invitation_id'), ['invitation_id'], unique=False)
    op.create_index('uq_submission_live_invitation', 'submission', ['invitation_id'], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade():
    op.drop_index('uq_submission_live_invitation', table_name='submission')
    op.execute("DELETE FROM submission WHERE state = 'superseded'")
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_invitation_id'))
        batch_op.drop_constraint(batch_op.f('fk_submission_replaces_id_submission'), type_='foreignkey')
        batch_op.drop_column('replaces_id')
        batch_op.drop_constraint(batch_op.f('ck_submission_submission_state'), type_='check')
        batch_op.create_check_constraint('submission_state', _states(OLD_STATES))
        batch_op.create_unique_constraint(batch_op.f('uq_submission_invitation_id'), ['invitation_id'])
