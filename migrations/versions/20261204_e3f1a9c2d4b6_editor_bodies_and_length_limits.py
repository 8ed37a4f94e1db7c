"""bodies in the editor's HTML, length limits on invitations, draft revisions, own passwords

Revision ID: e3f1a9c2d4b6
Revises: e4b8c2d91f3a
Create Date: 2026-12-04 20:40:00

Bodies were Markdown (with HTML allowed); the body editor writes HTML. Every
stored body — drafts and versions — is carried over to the HTML the editor
opens (sanitised, each note at its call), through the same converter the
app uses (``editor_html``), and marked ``body_format = 'html'``. The printed
HTML (``body_html``) is left as it was: versions already judged or printed
keep exactly the markup they were judged and printed with. Invitations gain
an optional length limit in characters (字数). Each save, import and restore
of a draft keeps a revision (``draft_revision``) the bureau can put back.
A Word import under way is noted (``import_run``) so that a reload shows it.
An account whose password an administrator or editor set must choose its own
(``must_change_password``); existing accounts are left as they are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f1a9c2d4b6'
down_revision = 'e4b8c2d91f3a'
branch_labels = None
depends_on = None

TABLES = ("submission", "submission_version")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('body_format', sa.String(length=16), nullable=False,
                                          server_default='markdown'))
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_chars', sa.Integer(), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'draft_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('subtitle', sa.String(length=300), nullable=False),
        sa.Column('speaker_name', sa.String(length=120), nullable=False),
        sa.Column('speaker_post', sa.String(length=200), nullable=False),
        sa.Column('abstract', sa.Text(), nullable=False),
        sa.Column('body_source', sa.Text(), nullable=False),
        sa.Column('body_format', sa.String(length=16), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('characters', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_draft_revision_created_by_id_user')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_draft_revision_submission_id_submission'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_revision')),
        sa.UniqueConstraint('submission_id', 'number', name='uq_draft_revision_submission_number'),
    )
    with op.batch_alter_table('draft_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_revision_submission_id'), ['submission_id'], unique=False)
    op.create_table(
        'import_run',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_import_run_started_by_id_user')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_import_run_submission_id_submission'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_import_run')),
    )
    _carry_over_markdown_bodies()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('body_format', server_default='html')


def _carry_over_markdown_bodies():
    from app.domain.submissions.bodies.rendering import editor_html

    connection = op.get_bind()
    for table in TABLES:
        rows = sa.table(table, sa.column("id", sa.Integer), sa.column("body_source", sa.Text),
                        sa.column("body_format", sa.String))
        markdown = connection.execute(
            sa.select(rows.c.id, rows.c.body_source).where(rows.c.body_format == "markdown")).all()
        for row_id, source in markdown:
            connection.execute(rows.update().where(rows.c.id == row_id).values(
                body_source=editor_html(source or "", "markdown"), body_format="html"))


def downgrade():
    op.drop_table('import_run')
    op.drop_table('draft_revision')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    # The Markdown a body was first written in is not kept: a downgrade keeps
    # the HTML, which the Markdown reading of earlier releases shows alike.
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('max_chars')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('body_format')
