"""Personal API tokens: issuing and revoking them, each recorded on the trail
under the token's name (never its secret)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import ApiToken, User, Verb
from portfolio.models.base import utcnow
from portfolio.models.integration import TOKEN_LIFETIME_DAYS, TOKEN_LIFETIMES


class TokenRefused(ValueError):
    """The token cannot be issued or revoked as asked."""


def create_token(
    session: Session, owner: User, name: str, days: int = TOKEN_LIFETIME_DAYS
) -> tuple[ApiToken, str]:
    """A new token for `owner`, valid `days` (one of TOKEN_LIFETIMES): the
    stored row, and the secret to show once."""
    name = name.strip()
    if not name:
        raise TokenRefused("Give the token a name.")
    if days not in TOKEN_LIFETIMES:
        raise TokenRefused("A token is valid for 30 days, 90 days or a year.")
    token, secret = ApiToken.issue(owner, name, days)
    session.add(token)
    record(session, owner, Verb.TOKEN_CREATED, subject=token.name)
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
