"""revision counter and vote counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:13:34.018874

A site revision (one row) that every write bumps, for ETags and the live
board; and each request's vote count kept on the request, filled here from
the votes that exist.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    site_revision = op.create_table(
        "site_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_revision")),
    )
    op.bulk_insert(site_revision, [{"id": 1, "value": 1}])
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vote_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index("ix_product_request_vote_count", ["vote_count", "id"], unique=False)
        batch_op.create_check_constraint("vote_count_not_negative", "vote_count >= 0")
    # Existing votes: each request's count from its rows.
    op.execute(
        "UPDATE product_request SET vote_count ="
        " (SELECT count(*) FROM vote WHERE vote.request_id = product_request.id)"
    )


def downgrade():
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_constraint("vote_count_not_negative", type_="check")
        batch_op.drop_index("ix_product_request_vote_count")
        batch_op.drop_column("vote_count")
    op.drop_table("site_revision")
