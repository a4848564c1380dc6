"""api tokens expire

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 11:10:00

Every API token gets an expiry date. Tokens that exist expire a year after
they were created (the default for new ones); one already older than that
expires a week after this migration, so its owner has time to replace it.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LIFETIME = timedelta(days=365)
GRACE = timedelta(days=7)


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    soonest = datetime.now(UTC) + GRACE
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        created_at = created_at or datetime.now(UTC)
        if created_at.tzinfo is None:  # SQLite keeps no zone: the app stores UTC
            created_at = created_at.replace(tzinfo=UTC)
        expires = max(created_at + LIFETIME, soonest)
        if bind.dialect.name == "sqlite":  # stored as the app's UTC column stores it
            expires = expires.astimezone(UTC).replace(tzinfo=None)
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=expires))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
