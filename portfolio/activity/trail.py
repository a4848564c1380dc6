"""Recording and reading the activity trail ("what changed")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio import events
from portfolio.filters import parse_id
from portfolio.models import Activity, Comment, Product, Request, User, Verb
from portfolio.models.base import utcnow


def _clip(value: object | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "label", value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: Session,
    actor: User | None,
    verb: Verb,
    *,
    subject: str,
    product: Product | None = None,
    request: Request | None = None,
    item: object | None = None,
    before: object | None = None,
    after: object | None = None,
    comment: Comment | None = None,
) -> Activity:
    """Add one entry to the trail, in the caller's transaction, and hand it to
    the in-transaction subscribers (see `portfolio.events`). `comment`: the
    comment a comment event is about, for those subscribers only (not stored)."""
    verb = Verb(verb)
    if product is None and request is not None:
        product = request.product
    if product is None and item is not None:
        product = item.product
    entry = Activity(
        actor=actor,
        verb=verb,
        subject=_clip(subject) or "",
        product=product,
        request=request,
        item=item,
        before=_clip(before),
        after=_clip(after),
    )
    entry.comment = comment
    session.add(entry)
    events.recorded(session, entry)
    return entry


def phrase(entry: Activity) -> str:
    return Verb(entry.verb).label


@dataclass
class ActivityFilters:
    days: int = 7
    product_id: int | None = None

    PERIODS: ClassVar[tuple[int, ...]] = (7, 30)

    @classmethod
    def from_args(cls, args) -> ActivityFilters:
        days = parse_id(args.get("days", ""))
        return cls(
            days=days if days in cls.PERIODS else cls.PERIODS[0],
            product_id=parse_id(args.get("product", "")),
        )

    def since(self, now: datetime | None = None) -> datetime:
        return (now or utcnow()) - timedelta(days=self.days)

    def to_args(self) -> dict:
        args = {"days": self.days}
        if self.product_id:
            args["product"] = self.product_id
        return args


# Changes to people's accounts and tokens are administration, not product
# news: only administrators see them on the trail.
ADMINISTRATION_VERBS = frozenset(
    {
        Verb.USER_CREATED,
        Verb.ROLE_CHANGED,
        Verb.USER_DEACTIVATED,
        Verb.USER_REACTIVATED,
        Verb.TOKEN_CREATED,
        Verb.TOKEN_REVOKED,
        Verb.BREAK_GLASS_SIGN_IN,
        Verb.WEBHOOK_CREATED,
        Verb.WEBHOOK_EDITED,
        Verb.WEBHOOK_DELETED,
    }
)


def trail(*, include_administration: bool = False) -> sa.Select:
    """The whole trail, newest first, as the reader's role may see it (the
    administration verbs only with `include_administration`)."""
    query = (
        sa.select(Activity)
        .options(
            joinedload(Activity.actor),
            joinedload(Activity.product),
            joinedload(Activity.request),
            joinedload(Activity.item),
        )
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    )
    if not include_administration:
        query = query.where(Activity.verb.not_in(ADMINISTRATION_VERBS))
    return query


def recent_activity(
    filters: ActivityFilters, limit: int = 500, *, include_administration: bool = False
) -> sa.Select:
    query = (
        trail(include_administration=include_administration)
        .where(Activity.created_at >= filters.since())
        .limit(limit)
    )
    if filters.product_id:
        query = query.where(Activity.product_id == filters.product_id)
    return query


def latest_for_product(product_id: int, limit: int = 5) -> sa.Select:
    return (
        sa.select(Activity)
        .where(Activity.product_id == product_id)
        .options(joinedload(Activity.actor), joinedload(Activity.request))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )


def latest_for_item(item_id: int, limit: int = 10) -> sa.Select:
    return (
        sa.select(Activity)
        .where(Activity.item_id == item_id)
        .options(joinedload(Activity.actor))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
