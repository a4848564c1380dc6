"""api token scopes

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-09 10:00:00

An API token carries scopes, space-separated: `read` (every token) and
`readings:write` (records readings of success measures). Tokens that exist
were read-only, so they get `read` only.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=100), nullable=False, server_default="read")
        )


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scopes")
