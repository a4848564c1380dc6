"""session tokens: the database keeps only a nonce

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:30:00

The session cookie now carries "<user id>.<HMAC(SECRET_KEY, nonce)>" and the
database only the nonce, so a database copy signs nobody in. The old token
column becomes the nonce column with fresh random values: every existing
session ends once and people sign in again.
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fresh_values(column: str) -> None:
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM user_account")).scalars().all()
    for user_id in ids:
        connection.execute(
            sa.text(f"UPDATE user_account SET {column} = :value WHERE id = :id"),
            {"value": secrets.token_urlsafe(32), "id": user_id},
        )


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_session_token", type_="unique")
        batch_op.alter_column(
            "session_token",
            new_column_name="session_nonce",
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    # A second batch: SQLite's copy-and-move must see the renamed column first.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_user_account_session_nonce", ["session_nonce"])
    _fresh_values("session_nonce")


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_session_nonce", type_="unique")
        batch_op.alter_column(
            "session_nonce",
            new_column_name="session_token",
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_user_account_session_token", ["session_token"])
    _fresh_values("session_token")
