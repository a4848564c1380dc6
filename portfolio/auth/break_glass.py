"""Break-glass sign-in: when the identity provider is down or misconfigured
(and password sign-in is off), `flask break-glass-login --email …` prints a
link that signs an active administrator in once, within 15 minutes.

The link is signed with SECRET_KEY and carries a fingerprint of the
account's session nonce. Using it rotates that nonce (ending the account's
other sessions), which spends every link issued so far; so does signing out.
Nothing is stored."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import Role, User, Verb

LIFETIME = timedelta(minutes=15)
MAX_TOKEN_LENGTH = 300
_SALT = "break-glass-login"


class BreakGlassRefused(ValueError):
    """Only active administrators get a break-glass link."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    # Not the session digest itself: a link shown on a screen must not carry
    # what a session cookie holds.
    key = current_app.secret_key.encode()
    message = f"break-glass:{user.session_nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _allowed(user: User) -> bool:
    return user.active and user.role is Role.ADMIN


def issue_token(user: User) -> str:
    """The secret part of a break-glass link for `user`."""
    if not _allowed(user):
        raise BreakGlassRefused(
            f"{user.email} is not an active administrator: break-glass links are only for those."
        )
    return _serializer().dumps({"user": user.id, "session": _fingerprint(user)})


def account_for(session: Session, token: str, *, lock: bool = False) -> User | None:
    """The administrator a live, unspent link signs in, or None. `lock` holds
    the account's row, so two uses of one link cannot both succeed."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        data = _serializer().loads(token, max_age=int(LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    query = sa.select(User).where(User.id == data["user"])
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    user = session.execute(query).scalar_one_or_none()
    if user is None or not _allowed(user):
        return None
    if not hmac.compare_digest(_fingerprint(user), str(data.get("session", ""))):
        return None
    return user


def spend(session: Session, user: User) -> None:
    """Use the link: every link issued so far stops working, and so do the
    account's other sessions; the trail (administrators') records it. The
    caller commits, then signs `user` in."""
    user.end_sessions()
    record(session, user, Verb.BREAK_GLASS_SIGN_IN, subject=user.email)
