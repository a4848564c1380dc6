"""Personal feed tokens: feed readers have no session, so a user's feed link
carries a secret of their own (`?token=…`). Only its hash is stored; creating
a new one ends the old one. Private housekeeping, so nothing is recorded on
the activity trail."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import User, hash_token

# The secrets we hand out are 43 characters; anything much longer is not one.
MAX_SECRET_LENGTH = 100


def create_or_rotate_feed_token(session: Session, user: User) -> str:
    """Give `user` a new feed token (the old one, if any, stops working) and
    return its secret: the only time anyone sees it."""
    secret = secrets.token_urlsafe(32)
    user.feed_token_hash = hash_token(secret)
    session.flush()
    return secret


def feed_token_owner(session: Session, secret: str) -> User | None:
    """The account whose current feed token is `secret`, active or not."""
    secret = secret.strip()
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    return session.execute(
        sa.select(User).where(User.feed_token_hash == hash_token(secret))
    ).scalar_one_or_none()
