"""activity verbs as an enum

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:40:00

The verb column becomes the `Verb` enum: the same VARCHAR(40), now with a CHECK
constraint listing the verbs. Every existing row was written through
`record()`, which only accepted these names, so rows keep their values; any
row written by hand with an unknown verb is named in the error instead of
being dropped silently.
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

VERBS = (
    "product_created",
    "product_edited",
    "product_stage_changed",
    "product_retired",
    "product_deleted",
    "value_proposition_saved",
    "contract_saved",
    "usage_added",
    "usage_removed",
    "stakeholder_added",
    "stakeholder_removed",
    "measure_created",
    "measure_edited",
    "reading_recorded",
    "measure_slipped",
    "renewal_due",
    "department_created",
    "department_edited",
    "request_created",
    "request_status_changed",
    "request_merged",
    "request_promoted",
    "comment_posted",
    "comment_edited",
    "comment_removed",
    "item_created",
    "item_edited",
    "card_moved",
    "item_shipped",
    "item_reopened",
    "column_ordered",
    "wip_limits_changed",
    "user_created",
    "role_changed",
    "user_deactivated",
    "user_reactivated",
    "token_created",
    "token_revoked",
    "webhook_created",
    "webhook_edited",
    "webhook_deleted",
)


def upgrade():
    unknown = (
        op.get_bind()
        .execute(
            sa.text("SELECT DISTINCT verb FROM activity WHERE verb NOT IN :verbs").bindparams(
                sa.bindparam("verbs", expanding=True)
            ),
            {"verbs": list(VERBS)},
        )
        .scalars()
        .all()
    )
    if unknown:
        raise RuntimeError(f"activity rows with unknown verbs: {sorted(unknown)}")
    # The column stays VARCHAR(40); the enum adds only its CHECK constraint.
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_check_constraint("verb", sa.column("verb").in_(VERBS))


def downgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint("verb", type_="check")
