"""accounts remember their identity provider's subject

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:00:00

Sign-in with OpenID Connect finds an account by the provider's issuer and
subject (`iss`, `sub`), never by email alone. Existing accounts have neither:
the first sign-in through the provider binds them (see portfolio/auth/oidc.py).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            "uq_user_account_oidc_issuer_oidc_subject", ["oidc_issuer", "oidc_subject"]
        )
        batch_op.create_check_constraint(
            op.f("ck_user_account_oidc_issuer_with_subject"),
            "(oidc_issuer IS NULL) = (oidc_subject IS NULL)",
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_oidc_issuer_with_subject"), type_="check")
        batch_op.drop_constraint("uq_user_account_oidc_issuer_oidc_subject", type_="unique")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
