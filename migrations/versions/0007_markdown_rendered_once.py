"""markdown rendered once when saved

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00

Comments, request descriptions, roadmap item descriptions and release notes
gain a column holding their sanitised HTML and the renderer version that
made it. Existing rows are rendered here, in batches, so no page has to parse
Markdown after the upgrade.
"""

from alembic import op
import sqlalchemy as sa

from portfolio.markdown import RENDERER_VERSION, render_markdown


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table → (source column, HTML column) pairs
FIELDS = {
    "comment": (("body", "body_html"),),
    "product_request": (("description", "description_html"),),
    "roadmap_item": (("description", "description_html"), ("release_note", "release_note_html")),
}
BATCH = 500


def upgrade():
    for table, pairs in FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _, html_column in pairs:
                batch_op.add_column(sa.Column(html_column, sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("markdown_version", sa.Integer(), nullable=True))
    connection = op.get_bind()
    for table, pairs in FIELDS.items():
        sources = ", ".join(source for source, _ in pairs)
        assignments = ", ".join(f"{html} = :{html}" for _, html in pairs)
        update = sa.text(
            f"UPDATE {table} SET {assignments}, markdown_version = :version WHERE id = :id"
        )
        last_id = 0
        while True:
            rows = connection.execute(
                sa.text(
                    f"SELECT id, {sources} FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}"
                ),
                {"last": last_id},
            ).all()
            if not rows:
                break
            for row in rows:
                values = {"id": row[0], "version": RENDERER_VERSION}
                for (_, html), text in zip(pairs, row[1:], strict=True):
                    values[html] = None if text is None else str(render_markdown(text))
                connection.execute(update, values)
            last_id = rows[-1][0]


def downgrade():
    for table, pairs in FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("markdown_version")
            for _, html_column in pairs:
                batch_op.drop_column(html_column)
