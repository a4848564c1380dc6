"""contract notice period and auto-renew

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-04 10:00:00

A vendor contract learns how many days' notice it asks for before its renewal
(0 to 730, optional) and whether it renews by itself. Contracts that exist
have no notice period recorded (NULL: nobody has said) and are taken not to
renew automatically (false), which is what the app assumed until now.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("auto_renew", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint("notice_period_bounded", "notice_days BETWEEN 0 AND 730")


def downgrade():
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_constraint("notice_period_bounded", type_="check")
        batch_op.drop_column("auto_renew")
        batch_op.drop_column("notice_days")
