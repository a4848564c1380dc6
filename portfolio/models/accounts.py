"""People: accounts, roles and what each role may do."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
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
    "manage_users": frozenset({Role.ADMIN}),
    "delete_products": frozenset({Role.ADMIN}),
}


def role_can(role: Role, capability: str) -> bool:
    try:
        return role in CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


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
    # Flask-Login's "alternative id": the session cookie holds this token, not
    # the user id, so rotating it ends every session of the user on the server.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

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
        return self.session_token

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
        self.session_token = new_session_token()

    def deactivate(self) -> None:
        self.active = False
        self.end_sessions()

    @classmethod
    def by_email(cls, email: str) -> sa.Select:
        return sa.select(cls).where(cls.email == normalise_email(email))


def normalise_email(email: str) -> str:
    return email.strip().lower()
