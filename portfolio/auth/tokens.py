"""Personal API tokens: issuing and revoking them, each recorded on the trail
under the token's name (never its secret)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import ApiToken, TokenScope, User, Verb
from portfolio.models.base import utcnow
from portfolio.models.integration import TOKEN_LIFETIME_DAYS, TOKEN_LIFETIMES


class TokenRefused(ValueError):
    """The token cannot be issued or revoked as asked."""


# What the owner's role must allow for a token to carry each writing scope:
# the capability of the same change on the web.
SCOPE_CAPABILITIES = {TokenScope.READINGS_WRITE: "edit_catalogue"}


def scopes_for(user: User) -> list[TokenScope]:
    """The scopes `user` may give a token: read, and each write their role allows."""
    return [
        scope
        for scope in TokenScope
        if scope not in SCOPE_CAPABILITIES or user.can(SCOPE_CAPABILITIES[scope])
    ]


def create_token(
    session: Session,
    owner: User,
    name: str,
    days: int = TOKEN_LIFETIME_DAYS,
    scopes: Iterable[TokenScope] = (),
) -> tuple[ApiToken, str]:
    """A new token for `owner`, valid `days` (one of TOKEN_LIFETIMES), with
    `scopes` besides read (only those the owner's role allows): the stored
    row, and the secret to show once."""
    name = name.strip()
    if not name:
        raise TokenRefused("Give the token a name.")
    if days not in TOKEN_LIFETIMES:
        raise TokenRefused("A token is valid for 30 days, 90 days or a year.")
    refused = [scope for scope in scopes if scope not in scopes_for(owner)]
    if refused:
        raise TokenRefused(f"Your role cannot give a token the {refused[0].value} scope.")
    token, secret = ApiToken.issue(owner, name, days, scopes)
    session.add(token)
    record(session, owner, Verb.TOKEN_CREATED, subject=token.name, after=token.scope_text)
    return token, secret


def revoke_token(session: Session, token: ApiToken, actor: User) -> bool:
    """Revoke `token`, which only its owner may do; False when it already was."""
    if token.user_id != actor.id:
        raise TokenRefused("Only its owner can revoke a token.")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record(session, actor, Verb.TOKEN_REVOKED, subject=token.name)
    return True
