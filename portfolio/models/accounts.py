"""People: accounts, roles and what each role may do."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.auth.passwords import hash_password, verify_password
from portfolio.extensions import db
from portfolio.models.base import LabelledEnum, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portfolio.models.catalogue import Department


class Role(LabelledEnum):
    PM = "pm", "Product manager"
    STAKEHOLDER = "stakeholder", "Stakeholder"
    LEADER = "leader", "Leader"
    ADMIN = "admin", "Administrator"


class Theme(LabelledEnum):
    """Light, dark, or whatever the device prefers (prefers-color-scheme)."""

    AUTO = "auto", "Same as the device"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


_EVERYONE = frozenset(Role)
_PRODUCT_TEAM = frozenset({Role.PM, Role.ADMIN})

# The one table of who may do what. Views guard with @requires(capability);
# templates hide controls with current_user.can(capability). Same rule, one place.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "browse": _EVERYONE,
    "submit_request": _EVERYONE,
    "vote": _EVERYONE,
    "comment": _EVERYONE,
    "answer_survey": _EVERYONE,
    "edit_catalogue": _PRODUCT_TEAM,
    "triage_requests": _PRODUCT_TEAM,
    "manage_roadmap": _PRODUCT_TEAM,
    "moderate_comments": _PRODUCT_TEAM,
    "view_dashboard": frozenset({Role.LEADER, Role.PM, Role.ADMIN}),
    # Contract costs and cost per user: not for every stakeholder's eyes.
    "view_costs": frozenset({Role.LEADER, Role.PM, Role.ADMIN}),
    "manage_users": frozenset({Role.ADMIN}),
    "delete_products": frozenset({Role.ADMIN}),
    # The business capability tree (#18): one shared vocabulary, kept by admins.
    "edit_capability_map": frozenset({Role.ADMIN}),
}


def role_can(role: Role, capability: str) -> bool:
    try:
        return role in CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None


def new_session_nonce() -> str:
    return secrets.token_urlsafe(32)


def session_digest(nonce: str) -> str:
    """HMAC of the user's session nonce under the app's SECRET_KEY."""
    key = current_app.secret_key.encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.STAKEHOLDER)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Flask-Login's "alternative id": the session cookie holds
    # "<id>.<HMAC(SECRET_KEY, nonce)>", so rotating the nonce ends every session
    # of the user on the server, and the database (or a backup of it) holds
    # nothing a cookie could be made from without the SECRET_KEY.
    session_nonce: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_nonce
    )
    # A personal secret for feed readers (the changelog's Atom feed, calendars),
    # which have no session: only its hash is kept.
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    theme: Mapped[Theme] = mapped_column(
        enum_column(Theme), default=Theme.AUTO, server_default=Theme.AUTO.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who the identity provider says this is (OpenID Connect `iss` and `sub`):
    # sign-in finds the account by these, never by email alone. Both or neither.
    oidc_issuer: Mapped[str | None] = mapped_column(sa.String(255))
    oidc_subject: Mapped[str | None] = mapped_column(sa.String(255))

    __table_args__ = (
        sa.UniqueConstraint("oidc_issuer", "oidc_subject"),
        sa.CheckConstraint(
            "(oidc_issuer IS NULL) = (oidc_subject IS NULL)", name="oidc_issuer_with_subject"
        ),
    )

    department: Mapped[Department | None] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{session_digest(self.session_nonce)}"

    def holds_session(self, digest: str) -> bool:
        return hmac.compare_digest(session_digest(self.session_nonce), digest)

    # Rules ----------------------------------------------------------------
    def can(self, capability: str) -> bool:
        return self.active and role_can(self.role, capability)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie issued so far."""
        self.session_nonce = new_session_nonce()

    def deactivate(self) -> None:
        self.active = False
        self.end_sessions()

    @classmethod
    def by_email(cls, email: str) -> sa.Select:
        return sa.select(cls).where(cls.email == normalise_email(email))

    @classmethod
    def by_subject(cls, issuer: str, subject: str) -> sa.Select:
        return sa.select(cls).where(cls.oidc_issuer == issuer, cls.oidc_subject == subject)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# name@domain.tld, without rejecting internal domains (.local, .internal,
# .example) the way deliverability-minded validators do.
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[^@\s.,;<>]+(\.[^@\s.,;<>]+)+$")
MAX_EMAIL_LENGTH = 254


def is_email_address(text: str) -> bool:
    text = text.strip()
    return len(text) <= MAX_EMAIL_LENGTH and bool(EMAIL_PATTERN.match(text))
