"""Adding, editing and promoting roadmap items, each recording its event in the
caller's transaction (the view commits). An edit made against an item that has
changed since the form was opened is refused with who changed it (conflicts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.board.conflicts import check_version, flush_or_stale, who_edited
from portfolio.board.placement import new_item_rank
from portfolio.models import (
    DEFAULT_OBSERVATION_DAYS,
    Column,
    Product,
    Request,
    RequestStatus,
    RoadmapItem,
    SuccessMeasure,
    User,
    Verb,
)
from portfolio.requests.triage import change_status


class ItemRefused(ValueError):
    """An item change the board's rules do not allow."""


class PromotionRefused(ValueError):
    """A closed request cannot be promoted to the roadmap."""


@dataclass(frozen=True)
class ItemFields:
    """What a person sets on a roadmap item (the board sets column, rank and version)."""

    product_id: int
    title: str
    description: str
    owner_id: int | None
    reach: int
    impact: float
    confidence: int
    effort: float
    hours_saved_per_month: float
    cost_saved_per_year: Decimal
    measure_id: int | None = None
    expected_change: float | None = None
    # Days after shipping before its measure is judged (the measured check).
    observation_days: int = DEFAULT_OBSERVATION_DAYS
    request_ids: list[int] | None = None  # None: keep the linked requests as they are


# How the trail names each field, in the order it lists changes.
FIELD_LABELS = {
    "title": "title",
    "product_id": "product",
    "owner_id": "owner",
    "reach": "reach",
    "impact": "impact",
    "confidence": "confidence",
    "effort": "effort",
    "hours_saved_per_month": "hours saved per month",
    "cost_saved_per_year": "cost saved per year",
    "measure_id": "measure",
    "expected_change": "expected change",
    "observation_days": "observation window (days)",
    "request_ids": "requests",
    "description": "description",
}
# Fields the trail shows by the name of what they point at.
NAMED_BY = {
    "product_id": (Product, "name"),
    "owner_id": (User, "display_name"),
    "measure_id": (SuccessMeasure, "name"),
}
SHOWN_LENGTH = 60  # of one value in the trail


def _linked_requests(session: Session, request_ids: list[int]) -> list[Request]:
    if not request_ids:
        return []
    return list(session.execute(sa.select(Request).where(Request.id.in_(request_ids))).scalars())


def _apply(item: RoadmapItem, values: ItemFields, linked: list[Request] | None) -> None:
    for field in fields(ItemFields):
        if field.name != "request_ids":
            setattr(item, field.name, getattr(values, field.name))
    if linked is not None:
        item.requests = linked


def create_item(
    session: Session, values: ItemFields, *, column: Column, actor: User
) -> RoadmapItem:
    """A new item at the bottom of `column` (never Shipped: cards ship from the board)."""
    if column is Column.SHIPPED:
        raise ItemRefused("A new item starts in Now, Next or Later; it ships from the board.")
    linked = None if values.request_ids is None else _linked_requests(session, values.request_ids)
    item = RoadmapItem(column=column, rank=new_item_rank(session, column))
    _apply(item, values, linked)
    session.add(item)
    record(
        session,
        actor,
        Verb.ITEM_CREATED,
        subject=item.title,
        product=session.get(Product, item.product_id),
        item=item,
        after=column,
    )
    return item


def _shown(session: Session, name: str, value: object) -> str:
    """A field's value as the trail shows it: names rather than ids."""
    if value is None:
        return "none"
    if name in NAMED_BY:
        model, attribute = NAMED_BY[name]
        row = session.get(model, value)
        return getattr(row, attribute) if row is not None else f"#{value}"
    if name == "request_ids":
        return ", ".join(f"#{id_}" for id_ in value) or "none"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _changes(
    session: Session, item: RoadmapItem, values: ItemFields
) -> tuple[str | None, str | None]:
    """(before, after) of the fields `values` changes on `item`, for the trail."""
    current = {name: getattr(item, name) for name in FIELD_LABELS if name != "request_ids"}
    current["request_ids"] = sorted(linked.id for linked in item.requests)
    wanted = {name: getattr(values, name) for name in FIELD_LABELS}
    if wanted["request_ids"] is None:
        wanted["request_ids"] = current["request_ids"]
    else:
        wanted["request_ids"] = sorted(wanted["request_ids"])
    changed = [name for name in FIELD_LABELS if current[name] != wanted[name]]
    if not changed:
        return None, None

    def describe(state: dict) -> str:
        return "; ".join(f"{FIELD_LABELS[n]}: {_shown(session, n, state[n])}" for n in changed)

    return describe(current), describe(wanted)


def edit_item(
    session: Session,
    item: RoadmapItem,
    values: ItemFields,
    *,
    expected_version: int | None,
    actor: User,
) -> None:
    """Save an item's fields, unless someone changed it after the form was opened
    (StaleMove, with who). The trail gets the changed fields, before and after."""
    check_version(item, expected_version, explain=who_edited)
    # Every lookup first: a query after the first change would flush the card
    # outside flush_or_stale, and a concurrent edit must surface as StaleMove.
    linked = None if values.request_ids is None else _linked_requests(session, values.request_ids)
    product = session.get(Product, values.product_id)
    before, after = _changes(session, item, values)
    _apply(item, values, linked)
    # Written before recording: subscribers of the event may query (and so flush).
    flush_or_stale(session, item)
    record(
        session,
        actor,
        Verb.ITEM_EDITED,
        subject=values.title,
        item=item,
        product=product,
        before=before,
        after=after,
    )


def promote_request(session: Session, request: Request, actor: User) -> RoadmapItem:
    """Put an open request on the roadmap: a new item at the bottom of Later,
    owned by `actor`, answering the request, which becomes planned."""
    if not request.is_open:
        raise PromotionRefused(f"A {request.status.label.lower()} request cannot be promoted.")
    item = RoadmapItem(
        product_id=request.product_id,
        title=request.title,
        description=request.description,
        column=Column.LATER,
        rank=new_item_rank(session, Column.LATER),
        owner_id=actor.id,
        reach=request.department.headcount if request.department else 0,
    )
    item.requests = [request]
    session.add(item)
    record(
        session,
        actor,
        Verb.REQUEST_PROMOTED,
        subject=request.title,
        request=request,
        item=item,
        after=Column.LATER,
    )
    # Open requests that nobody has planned yet become planned; planned and
    # in-progress ones stay where they are.
    if request.status in (RequestStatus.NEW, RequestStatus.UNDER_REVIEW):
        change_status(session, request, RequestStatus.PLANNED, actor, item=item)
    return item
