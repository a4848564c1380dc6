"""catalogue: products, usage, value, measures, readings, contracts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:48:52.215918

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_name")),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "crm",
                "erp",
                "wms",
                "hris",
                "accounting",
                "bi",
                "messaging",
                "facilities",
                "monitoring",
                "security",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=280), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "idea",
                "discovery",
                "building",
                "live",
                "sunsetting",
                "retired",
                name="stage",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "sourcing",
            sa.Enum(
                "built",
                "bought",
                "hybrid",
                name="sourcing",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("vendor", sa.String(length=120), nullable=True),
        sa.Column("docs_url", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("prd_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_product_owner_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("slug", name=op.f("uq_product_slug")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_stage"), ["stage"], unique=False)

    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=120), nullable=False),
        sa.Column("annual_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("seats_bought", sa.Integer(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.CheckConstraint("annual_cost >= 0", name=op.f("ck_contract_cost_not_negative")),
        sa.CheckConstraint("seats_bought >= 0", name=op.f("ck_contract_seats_not_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_contract_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
        sa.UniqueConstraint("product_id", name=op.f("uq_contract_product_id")),
    )
    op.create_table(
        "product_tag",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_tag_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_product_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", "tag_id", name=op.f("pk_product_tag")),
    )
    op.create_table(
        "success_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "hours",
                "currency",
                "days",
                "percent",
                "score",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "higher",
                "lower",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "baseline <> target", name=op.f("ck_success_measure_target_differs_from_baseline")
        ),
        sa.CheckConstraint(
            "target_date > baseline_date", name=op.f("ck_success_measure_target_after_baseline")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_success_measure_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_measure")),
        sa.UniqueConstraint("product_id", "name", name=op.f("uq_success_measure_product_id_name")),
    )
    with op.batch_alter_table("success_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_success_measure_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "primary",
                "occasional",
                name="usagelevel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.CheckConstraint("users >= 0", name=op.f("ck_usage_users_not_negative")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_usage_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_usage_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage")),
        sa.UniqueConstraint(
            "product_id", "department_id", name=op.f("uq_usage_product_id_department_id")
        ),
    )
    with op.batch_alter_table("usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_department_id"), ["department_id"], unique=False)

    op.create_table(
        "value_proposition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("for_whom", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("replaces", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_value_proposition_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_proposition")),
        sa.UniqueConstraint("product_id", name=op.f("uq_value_proposition_product_id")),
    )
    op.create_table(
        "reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["success_measure.id"],
            name=op.f("fk_reading_measure_id_success_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_reading_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading")),
        sa.UniqueConstraint("measure_id", "taken_on", name=op.f("uq_reading_measure_id_taken_on")),
    )


def downgrade():
    op.drop_table("reading")
    op.drop_table("value_proposition")
    with op.batch_alter_table("usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_department_id"))

    op.drop_table("usage")
    with op.batch_alter_table("success_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_success_measure_product_id"))

    op.drop_table("success_measure")
    op.drop_table("product_tag")
    op.drop_table("contract")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_stage"))
        batch_op.drop_index(batch_op.f("ix_product_owner_id"))

    op.drop_table("product")
    op.drop_table("tag")
