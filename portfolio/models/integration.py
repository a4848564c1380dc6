"""Stakeholder maps and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.accounts import User
    from portfolio.models.catalogue import Department, Product


class StakeholderRole(LabelledEnum):
    SPONSOR = "sponsor", "Sponsor"
    APPROVER = "approver", "Approver"
    KEY_USER = "key_user", "Key user"
    INFORMED = "informed", "Informed"


class Stakeholder(db.Model):
    """A person or department on a product's power × interest grid (1–5 each)."""

    __tablename__ = "stakeholder"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL")
    )
    role: Mapped[StakeholderRole] = mapped_column(enum_column(StakeholderRole))
    power: Mapped[int]
    interest: Mapped[int]

    product: Mapped[Product] = relationship()
    department: Mapped[Department | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("power BETWEEN 1 AND 5", name="power_1_to_5"),
        sa.CheckConstraint("interest BETWEEN 1 AND 5", name="interest_1_to_5"),
    )

    def __repr__(self) -> str:
        return f"<Stakeholder {self.name} {self.role.value}>"

    @property
    def quadrant(self) -> str:
        high_power, high_interest = self.power >= 3, self.interest >= 3
        if high_power and high_interest:
            return "Manage closely"
        if high_power:
            return "Keep satisfied"
        if high_interest:
            return "Keep informed"
        return "Monitor"


TOKEN_LIFETIME_DAYS = 365
TOKEN_LIFETIMES = (30, 90, 365)  # the choices the account page offers, in days


class TokenScope(LabelledEnum):
    """What a token may do. Every token reads; writing is granted scope by scope."""

    READ = "read", "Read what you can read"
    READINGS_WRITE = "readings:write", "Record readings of success measures"


SCOPE_LENGTH = 100  # the scopes, space-separated, as stored


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A personal API token: it reads, and writes only what its scopes name.
    Only its hash is stored; the token is shown once, when created."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Every token ends: a forgotten one (a leaver's script) stops by itself.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Space-separated TokenScope values, OAuth-style ("read readings:write").
    scope_text: Mapped[str] = mapped_column(
        "scopes", sa.String(SCOPE_LENGTH), default=TokenScope.READ.value, server_default="read"
    )

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"

    @classmethod
    def issue(
        cls,
        user: User,
        name: str,
        days: int = TOKEN_LIFETIME_DAYS,
        scopes: Iterable[TokenScope] = (TokenScope.READ,),
    ) -> tuple[ApiToken, str]:
        """A new token for `user`, valid `days`, with `scopes` (read always):
        the row to store, and the secret to show once."""
        secret = "pf_" + secrets.token_urlsafe(32)
        token = cls(
            user=user,
            name=name,
            token_hash=hash_token(secret),
            prefix=secret[:10],
            expires_at=utcnow() + timedelta(days=days),
        )
        token.scopes = {TokenScope.READ, *scopes}
        return token, secret

    @property
    def scopes(self) -> list[TokenScope]:
        """The token's scopes, in TokenScope's order (an unknown word is ignored)."""
        words = set((self.scope_text or TokenScope.READ.value).split())
        return [scope for scope in TokenScope if scope.value in words]

    @scopes.setter
    def scopes(self, scopes: Iterable[TokenScope]) -> None:
        chosen = {TokenScope(scope) for scope in scopes}
        self.scope_text = " ".join(scope.value for scope in TokenScope if scope in chosen)

    def has_scope(self, scope: TokenScope) -> bool:
        return scope in self.scopes

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    @property
    def expired(self) -> bool:
        return self.expires_at <= utcnow()
