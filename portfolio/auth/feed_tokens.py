"""Personal feed tokens: feed readers have no session, so a user's feed links
(the changelog's Atom feed, the calendar) carry a secret of their own
(`?token=…`). Only its hash is stored; creating a new one ends the old one.
Private housekeeping, so nothing is recorded on the activity trail.

`feed_reader` is how a feed's view learns who reads it."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Response, make_response, request
from flask_login import current_user
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


def feed_reader(session: Session) -> User | Response:
    """Who reads a feed: the owner of the feed token in the link (`?token=…`)
    or in `Authorization: Bearer …`, else the signed-in user. A plain-text
    refusal instead when there is neither (401), the token is not a current
    one (401: replaced, or never made) or its owner is deactivated (403)."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    secret = request.args.get("token") or (bearer if scheme.lower() == "bearer" else None)
    if secret is None:
        if current_user.is_authenticated:
            return current_user._get_current_object()
        return plain_refusal(401, "Sign in, or use the feed link from your account page.")
    owner = feed_token_owner(session, secret)
    if owner is None:
        return plain_refusal(401, "This feed link is not valid (it may have been replaced).")
    if not owner.can("browse"):
        return plain_refusal(403, "This feed link's account has been deactivated.")
    return owner


def plain_refusal(status: int, message: str) -> Response:
    """A short text answer: a feed reader or calendar app shows it as it is."""
    response = make_response(message + "\n", status)
    response.mimetype = "text/plain"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portfolio-feed"'
    return response
