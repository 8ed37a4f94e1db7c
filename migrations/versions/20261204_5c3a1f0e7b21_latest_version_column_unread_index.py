"""latest version as a column, unread notifications index

Revision ID: 5c3a1f0e7b21
Revises: 7d1afd37a228
Create Date: 2026-12-04 18:00:00

The reviewers' queue and the home pages joined every submission to a
GROUP BY over all its versions to find the latest; the submission now
points at it (kept by ``app.domain.submissions.versions.take_snapshot``).
The unread badge on every page counts a user's unread notifications: a
partial index holds only those.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c3a1f0e7b21'
down_revision = '7d1afd37a228'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_latest_version_id_submission_version'),
                                    'submission_version', ['latest_version_id'], ['id'], use_alter=True)
    op.execute(
        "UPDATE submission SET latest_version_id = ("
        " SELECT v.id FROM submission_version v WHERE v.submission_id = submission.id"
        " ORDER BY v.number DESC LIMIT 1)"
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_unread', ['user_id'], unique=False,
                              postgresql_where=sa.text('read_at IS NULL'),
                              sqlite_where=sa.text('read_at IS NULL'))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_unread')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_latest_version_id_submission_version'), type_='foreignkey')
        batch_op.drop_column('latest_version_id')
