"""Recording and reading the activity trail ("what changed")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.models import Activity, Product, Request, User
from portfolio.models.base import utcnow

# verb → how the trail phrases it ("{actor} {phrase} {subject}")
VERBS = {
    "product_created": "added the product",
    "product_stage_changed": "changed the stage of",
    "reading_recorded": "recorded a reading for",
    "request_created": "raised the request",
    "request_status_changed": "changed the status of",
    "request_merged": "merged a duplicate into",
    "comment_posted": "commented on",
    "item_created": "added the roadmap item",
    "item_edited": "edited the roadmap item",
    "card_moved": "moved",
    "item_shipped": "shipped",
    "column_ordered": "ordered",
    "request_promoted": "promoted to the roadmap",
}


def _clip(value: object | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "label", value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: Session,
    actor: User | None,
    verb: str,
    *,
    subject: str,
    product: Product | None = None,
    request: Request | None = None,
    item: object | None = None,
    before: object | None = None,
    after: object | None = None,
) -> Activity:
    """Add one entry to the trail, in the caller's transaction."""
    if verb not in VERBS:
        raise KeyError(f"unknown activity verb {verb!r}")
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
    session.add(entry)
    return entry


def phrase(entry: Activity) -> str:
    return VERBS.get(entry.verb, entry.verb.replace("_", " "))


@dataclass
class ActivityFilters:
    days: int = 7
    product_id: int | None = None

    PERIODS = (7, 30)

    @classmethod
    def from_args(cls, args) -> ActivityFilters:
        days = args.get("days", "7")
        product = args.get("product", "")
        return cls(
            days=int(days) if days in {"7", "30"} else 7,
            product_id=int(product) if product.isdigit() else None,
        )

    def since(self, now: datetime | None = None) -> datetime:
        return (now or utcnow()) - timedelta(days=self.days)

    def to_args(self) -> dict:
        args = {"days": self.days}
        if self.product_id:
            args["product"] = self.product_id
        return args


def recent_activity(filters: ActivityFilters, limit: int = 500) -> sa.Select:
    query = (
        sa.select(Activity)
        .where(Activity.created_at >= filters.since())
        .options(
            joinedload(Activity.actor),
            joinedload(Activity.product),
            joinedload(Activity.request),
            joinedload(Activity.item),
        )
        .order_by(Activity.created_at.desc(), Activity.id.desc())
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
