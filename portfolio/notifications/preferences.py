"""How each person wants email, per kind of news, and the one-click unsubscribe.

No row in `notification_preference` means the default of that kind
(`DEFAULT_EMAIL_DELIVERY`); a saved choice is kept as a row even when it
equals today's default, so changing a default later never overrides a choice.

Every mail carries an unsubscribe link: a token signed with the SECRET_KEY
naming the person and what to stop (one kind, or every kind a digest covers),
usable without signing in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from portfolio.models import (
    DEFAULT_EMAIL_DELIVERY,
    EmailDelivery,
    NotificationKind,
    NotificationPreference,
    User,
)

DIGEST_PERIODS = (EmailDelivery.DAILY, EmailDelivery.WEEKLY)


def delivery_for(session: Session, user: User, kind: NotificationKind) -> EmailDelivery:
    """How `user` wants email about `kind`."""
    chosen = session.get(NotificationPreference, (user.id, NotificationKind(kind)))
    return chosen.delivery if chosen is not None else DEFAULT_EMAIL_DELIVERY[kind]


def preferences_of(session: Session, user: User) -> dict[NotificationKind, EmailDelivery]:
    """Every kind with how `user` wants it, in the order kinds are listed."""
    chosen = dict(
        session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_EMAIL_DELIVERY[kind]) for kind in NotificationKind}


def kinds_delivered(
    session: Session, user: User, delivery: EmailDelivery
) -> frozenset[NotificationKind]:
    """The kinds `user` wants delivered as `delivery` (a digest period, say)."""
    return frozenset(
        kind for kind, chosen in preferences_of(session, user).items() if chosen is delivery
    )


def save_preferences(
    session: Session, user: User, choices: Mapping[NotificationKind, EmailDelivery]
) -> None:
    """Keep `user`'s choice for each kind named in `choices`."""
    for kind, delivery in choices.items():
        kind, delivery = NotificationKind(kind), EmailDelivery(delivery)
        row = session.get(NotificationPreference, (user.id, kind))
        if row is None:
            session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
        else:
            row.delivery = delivery


# One-click unsubscribe -----------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link stops: one kind, or a whole digest."""

    user_id: int
    kind: NotificationKind | None = None
    period: EmailDelivery | None = None

    def describe(self) -> str:
        if self.kind is not None:
            return f"emails when: {self.kind.label.lower()}"
        assert self.period is not None
        return f"the {self.period.label.lower()}"

    def kinds_to_stop(self, session: Session, user: User) -> list[NotificationKind]:
        if self.kind is not None:
            return [self.kind]
        assert self.period is not None
        return sorted(kinds_delivered(session, user, self.period), key=list(NotificationKind).index)


_SALT = "portfolio.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def unsubscribe_token(
    user: User, *, kind: NotificationKind | None = None, period: EmailDelivery | None = None
) -> str:
    """A link token stopping `kind` (a mail about one thing) or every kind of
    the digest `period` (a digest), for `user`, without signing in."""
    if (kind is None) == (period is None):
        raise ValueError("an unsubscribe link stops one kind or one digest")
    if period is not None and period not in DIGEST_PERIODS:
        raise ValueError(f"{period} is not a digest")
    what = f"kind:{NotificationKind(kind).value}" if kind else f"digest:{period.value}"
    return _serializer().dumps([user.id, what])


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """What `token` stops, or None when it was not made by `unsubscribe_token`
    with this SECRET_KEY."""
    try:
        user_id, what = _serializer().loads(token)
        family, _, value = what.partition(":")
        if not isinstance(user_id, int):
            return None
        if family == "kind":
            return Unsubscribe(user_id, kind=NotificationKind(value))
        if family == "digest" and EmailDelivery(value) in DIGEST_PERIODS:
            return Unsubscribe(user_id, period=EmailDelivery(value))
    except (BadSignature, TypeError, ValueError, AttributeError):
        return None
    return None


def unsubscribe(session: Session, user: User, what: Unsubscribe) -> list[NotificationKind]:
    """Turn email off for what the link names; returns the kinds turned off."""
    if what.user_id != user.id:
        raise ValueError("this link belongs to someone else")
    kinds = what.kinds_to_stop(session, user)
    save_preferences(session, user, dict.fromkeys(kinds, EmailDelivery.OFF))
    return kinds
