"""shipped cards by date

An index on (board_column, shipped_on): the dashboard's latest shipped cards
are read in order from it instead of sorting every shipped card.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:38:30.597651

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("roadmap_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roadmap_item_column_shipped_on", ["board_column", "shipped_on"], unique=False
        )


def downgrade():
    with op.batch_alter_table("roadmap_item", schema=None) as batch_op:
        batch_op.drop_index("ix_roadmap_item_column_shipped_on")
