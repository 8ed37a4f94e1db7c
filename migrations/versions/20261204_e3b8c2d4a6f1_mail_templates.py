"""mail templates: an editor's wording of a conference's reminders and notices

Revision ID: e3b8c2d4a6f1
Revises: e4b9c2d17a60
Create Date: 2026-12-04 20:30:00

One row per conference and kind of mail overrides the built-in wording;
"reset to default" deletes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8c2d4a6f1'
down_revision = 'e4b9c2d17a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_zh', sa.String(length=200), nullable=False),
    sa.Column('subject_en', sa.String(length=200), nullable=False),
    sa.Column('body_zh', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('remind', 'invite', 'due_changed', 'extension', 'published')",
                       name=op.f('ck_mail_template_known_kind')),
    sa.CheckConstraint('length(body_zh) <= 5000 AND length(body_en) <= 5000',
                       name=op.f('ck_mail_template_body_not_too_long')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'],
                            name=op.f('fk_mail_template_conference_id_conference'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                            name=op.f('fk_mail_template_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_template')),
    sa.UniqueConstraint('conference_id', 'kind', name='uq_mail_template_conference_kind')
    )


def downgrade():
    op.drop_table('mail_template')
