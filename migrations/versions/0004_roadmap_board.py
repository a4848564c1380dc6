"""roadmap board: items, ranks, WIP limits; comments and activity on items

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:11:26.888426

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "column_limit",
        sa.Column(
            "board_column",
            sa.Enum(
                "now",
                "next",
                "later",
                "shipped",
                name="column",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "wip_limit IS NULL OR wip_limit > 0", name=op.f("ck_column_limit_limit_positive")
        ),
        sa.PrimaryKeyConstraint("board_column", name=op.f("pk_column_limit")),
    )
    op.create_table(
        "roadmap_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "board_column",
            sa.Enum(
                "now",
                "next",
                "later",
                "shipped",
                name="column",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "rank",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("effort", sa.Float(), nullable=False),
        sa.Column("hours_saved_per_month", sa.Float(), nullable=False),
        sa.Column("cost_saved_per_year", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("expected_change", sa.Float(), nullable=True),
        sa.Column("shipped_on", sa.Date(), nullable=True),
        sa.Column("release_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("moved_by_id", sa.Integer(), nullable=True),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "confidence IN (50, 80, 100)", name=op.f("ck_roadmap_item_confidence_choice")
        ),
        sa.CheckConstraint("effort > 0", name=op.f("ck_roadmap_item_effort_positive")),
        sa.CheckConstraint(
            "impact IN (0.25, 0.5, 1, 2, 3)", name=op.f("ck_roadmap_item_impact_choice")
        ),
        sa.CheckConstraint("reach >= 0", name=op.f("ck_roadmap_item_reach_not_negative")),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["success_measure.id"],
            name=op.f("fk_roadmap_item_measure_id_success_measure"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["moved_by_id"],
            ["user_account.id"],
            name=op.f("fk_roadmap_item_moved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_roadmap_item_owner_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_roadmap_item_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roadmap_item")),
        sa.UniqueConstraint("board_column", "rank", name=op.f("uq_roadmap_item_board_column_rank")),
    )
    with op.batch_alter_table("roadmap_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roadmap_item_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roadmap_item_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_roadmap_item_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "roadmap_item_request",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["roadmap_item.id"],
            name=op.f("fk_roadmap_item_request_item_id_roadmap_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_roadmap_item_request_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "request_id", name=op.f("pk_roadmap_item_request")),
    )
    with op.batch_alter_table("roadmap_item_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roadmap_item_request_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_activity_item_id"), ["item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_item_id_roadmap_item"),
            "roadmap_item",
            ["item_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_comment_item_id"), ["item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_comment_item_id_roadmap_item"),
            "roadmap_item",
            ["item_id"],
            ["id"],
            ondelete="CASCADE",
        )
        # A comment now belongs to exactly one product, request or roadmap item.
        batch_op.drop_constraint(batch_op.f("ck_comment_exactly_one_target"), type_="check")
        batch_op.create_check_constraint(
            "exactly_one_target",
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) = 1",
        )


def downgrade():
    op.execute("DELETE FROM comment WHERE item_id IS NOT NULL")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_comment_exactly_one_target"), type_="check")
        batch_op.create_check_constraint(
            "exactly_one_target",
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END) = 1",
        )
        batch_op.drop_constraint(batch_op.f("fk_comment_item_id_roadmap_item"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comment_item_id"))
        batch_op.drop_column("item_id")

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_activity_item_id_roadmap_item"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_activity_item_id"))
        batch_op.drop_column("item_id")

    with op.batch_alter_table("roadmap_item_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmap_item_request_request_id"))

    op.drop_table("roadmap_item_request")
    with op.batch_alter_table("roadmap_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmap_item_product_id"))
        batch_op.drop_index(batch_op.f("ix_roadmap_item_owner_id"))
        batch_op.drop_index(batch_op.f("ix_roadmap_item_measure_id"))

    op.drop_table("roadmap_item")
    op.drop_table("column_limit")
