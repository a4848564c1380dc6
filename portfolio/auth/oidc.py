"""Sign-in with the organisation's identity provider (OpenID Connect): from
the claims of a validated ID token to a Portfolio account. No HTTP here: the
views run the protocol with Authlib (portfolio/auth/oidc_client.py) and hand
the claims over; tests call `sign_in` directly.

An account is found by the provider's issuer and subject (`iss`, `sub`),
never by email alone. The first sign-in of a subject

- binds the account with the same email, if the provider vouches for that
  email (`email_verified`, or PORTFOLIO_OIDC_TRUST_EMAIL for providers that do
  not send it) and the account is bound to no subject yet;
- is refused if that account is already bound to another subject (it is
  never re-linked: a new identity with the same email does not take over an
  account), or if the provider does not vouch for the email;
- otherwise creates an account (a stakeholder unless the groups say more).

At every sign-in the display name and department follow the claims when they
are present, and, when PORTFOLIO_OIDC_ROLE_CLAIM is set, the role follows the
groups (recorded on the activity trail like an administrator's change). The
provider is the authority on roles then: its groups win over a change made
in Portfolio.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.admin.accounts import create_user, set_role
from portfolio.models import Department, Role, User
from portfolio.models.accounts import is_email_address, normalise_email

logger = logging.getLogger(__name__)

# Weakest first: when several groups match, the strongest role wins.
ROLE_STRENGTH = (Role.STAKEHOLDER, Role.LEADER, Role.PM, Role.ADMIN)
MAX_GROUPS = 1000  # groups read from one claim; the rest are ignored
MAX_CLAIM_LENGTH = 255  # iss and sub (OpenID Connect caps sub at 255 ASCII characters)

DEACTIVATED = (
    "Your Portfolio account is deactivated, so you cannot sign in."
    " Ask an administrator if you need it back."
)


class SignInRefused(Exception):
    """The provider vouched for someone Portfolio must not sign in; the
    message says why, for the person reading it."""


@dataclass(frozen=True)
class ClaimSettings:
    """Which claims mean what (from the OIDC_* settings)."""

    role_claim: str | None = None
    role_map: Mapping[str, Role] = field(default_factory=dict)
    department_claim: str | None = "department"
    trust_email: bool = False

    @classmethod
    def from_config(cls, config: Mapping) -> ClaimSettings:
        return cls(
            role_claim=config.get("OIDC_ROLE_CLAIM") or None,
            role_map=dict(config.get("OIDC_ROLE_MAP") or {}),
            department_claim=config.get("OIDC_DEPARTMENT_CLAIM") or None,
            trust_email=bool(config.get("OIDC_TRUST_EMAIL")),
        )


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, in Portfolio's terms."""

    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    # None: the provider does not manage roles (no role claim configured).
    role: Role | None = None
    department: str | None = None


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def groups_in(value: object) -> list[str]:
    """A groups claim as a list: a JSON list of names, or one name."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [group.strip() for group in value[:MAX_GROUPS] if isinstance(group, str)]


def role_for(groups: list[str], role_map: Mapping[str, Role]) -> Role:
    """The strongest role any of `groups` maps to; a stakeholder otherwise."""
    roles = [role_map[group] for group in groups if group in role_map]
    return max(roles, key=ROLE_STRENGTH.index, default=Role.STAKEHOLDER)


def identity_from_claims(claims: Mapping, settings: ClaimSettings) -> Identity:
    """Read a validated ID token's claims (the signature, issuer, audience,
    expiry and nonce were checked before)."""
    issuer = claims.get("iss")
    subject = claims.get("sub")
    for value in (issuer, subject):
        if not isinstance(value, str) or not value or len(value) > MAX_CLAIM_LENGTH:
            raise SignInRefused("The identity provider sent no usable subject; ask IT to check it.")
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) and is_email_address(email) else None
    verified = claims.get("email_verified") in (True, "true")
    role = None
    if settings.role_claim:
        role = role_for(groups_in(claims.get(settings.role_claim)), settings.role_map)
    department = None
    if settings.department_claim:
        department = _text(claims.get(settings.department_claim), 120)
    return Identity(
        issuer=issuer,
        subject=subject,
        email=email,
        email_verified=verified or settings.trust_email,
        name=_text(claims.get("name"), 120) or _text(claims.get("preferred_username"), 120),
        role=role,
        department=department,
    )


def sign_in(session: Session, identity: Identity) -> User:
    """The account `identity` signs in to, found, bound or created, with its
    name, department and role brought up to date. Raises SignInRefused; the
    caller commits."""
    user = session.execute(User.by_subject(identity.issuer, identity.subject)).scalar_one_or_none()
    if user is None:
        user = _account_with_same_email(session, identity)
        if user is not None and user.active:
            user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
            logger.info(
                "bound account %s to %s at %s", user.email, identity.subject, identity.issuer
            )
    if user is not None and not user.active:
        raise SignInRefused(DEACTIVATED)
    if user is None:
        return _create_account(session, identity)
    _update_profile(session, user, identity)
    if identity.role is not None:
        set_role(session, user, identity.role, actor=None)
    return user


def _account_with_same_email(session: Session, identity: Identity) -> User | None:
    if identity.email is None:
        return None
    user = session.execute(User.by_email(identity.email)).scalar_one_or_none()
    if user is None:
        return None
    if user.oidc_subject is not None:
        raise SignInRefused(
            f"The Portfolio account for {identity.email} belongs to another identity at"
            " your identity provider, so this sign-in cannot use it. Ask an administrator."
        )
    if not identity.email_verified:
        raise SignInRefused(
            f"Your identity provider does not confirm the address {identity.email}, so"
            " Portfolio will not link it to the existing account. Ask an administrator."
        )
    return user


def _create_account(session: Session, identity: Identity) -> User:
    if identity.email is None:
        raise SignInRefused(
            "Your identity provider sent no email address, which a new Portfolio account"
            " needs. Ask IT to release the email claim to Portfolio."
        )
    user = create_user(
        session,
        email=identity.email,
        display_name=identity.name or identity.email.split("@")[0],
        role=identity.role or Role.STAKEHOLDER,
        password=secrets.token_urlsafe(32),  # unusable: nobody is ever told it
        department_id=_department_id(session, identity.department),
    )
    user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    return user


def _update_profile(session: Session, user: User, identity: Identity) -> None:
    if identity.name and identity.name != user.display_name:
        user.display_name = identity.name
    department_id = _department_id(session, identity.department)
    if department_id is not None:
        user.department_id = department_id
    if (
        identity.email
        and identity.email_verified
        and identity.email != user.email
        and session.execute(User.by_email(identity.email)).scalar_one_or_none() is None
    ):
        user.email = identity.email


def _department_id(session: Session, name: str | None) -> int | None:
    """The department called `name` (whatever its case), if there is one."""
    if not name:
        return None
    return session.execute(
        sa.select(Department.id)
        .where(sa.func.lower(Department.name) == name.lower())
        .order_by((Department.name == name).desc(), Department.id)
        .limit(1)
    ).scalar()
