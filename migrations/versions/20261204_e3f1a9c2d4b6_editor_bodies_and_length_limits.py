"""bodies in the editor's HTML, length limits on invitations

Revision ID: e3f1a9c2d4b6
Revises: 5c3a1f0e7b21
Create Date: 2026-12-04 20:40:00

Bodies were Markdown (with HTML allowed); the body editor writes HTML. Every
stored body — drafts and versions — is carried over to the HTML the editor
opens (sanitised, each note at its call), through the same converter the
app uses (``editor_html``), and marked ``body_format = 'html'``. The printed
HTML (``body_html``) is left as it was: versions already judged or printed
keep exactly the markup they were judged and printed with. Invitations gain
an optional length limit in characters (字数).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f1a9c2d4b6'
down_revision = '5c3a1f0e7b21'
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
    # The Markdown a body was first written in is not kept: a downgrade keeps
    # the HTML, which the Markdown reading of earlier releases shows alike.
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('max_chars')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('body_format')
