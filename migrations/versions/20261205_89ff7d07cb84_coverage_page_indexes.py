"""coverage page from indexes: invitations in the page's order, bureaus' members, latest extensions and reminders

Revision ID: 89ff7d07cb84
Revises: b7d1e5a9c3f2
Create Date: 2026-12-05 02:45:00

The coverage page shows 50 of a conference's invitations (600 at 3,000
pieces) in the order oral/written, speaking order, bureau. Without an index in
that order every invitation of the conference was joined and sorted to keep
50; with one the page is read in order and stops. Each row also asks whether
its bureau has an enabled member, its latest extension and its latest
reminder: three probes of small indexes instead of scans of the users, the
extensions and the whole audit trail (only its reminders are indexed). The
extensions' index by invitation came with the home page's migration
(b7d1e3f5a9c2), which serves both.
"""
from alembic import op
import sqlalchemy as sa


revision = '89ff7d07cb84'
down_revision = 'b7d1e5a9c3f2'
branch_labels = None
depends_on = None

REMINDERS = "action = 'remind' AND object_type = 'Invitation'"


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_coverage_order',
                              ['conference_id', 'kind', 'speaking_order', 'organisation_id', 'id'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index('ix_user_organisation_id', ['organisation_id'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_remind', ['object_id', 'created_at', 'id'], unique=False,
                              sqlite_where=sa.text(REMINDERS), postgresql_where=sa.text(REMINDERS))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_remind', sqlite_where=sa.text(REMINDERS),
                            postgresql_where=sa.text(REMINDERS))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_organisation_id')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_coverage_order')
