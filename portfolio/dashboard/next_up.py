""" "What is next": the top of Now and Next for each product, with the cards'
owners and the requests they answer.

A bounded number of products (those with cards in Now or Next, by name), a
bounded number of cards per column (by board rank) and of requests per card;
each list knows how many it leaves out. Three statements whatever the board
holds: the products, their top cards, the cards' first requests."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.models import Column, Product, Request, RoadmapItem, Stage, roadmap_item_request

NEXT_PRODUCTS = 8  # products shown
CARDS_PER_COLUMN = 3  # cards of Now and of Next per product
REQUESTS_PER_CARD = 3  # requests named per card
COLUMNS = (Column.NOW, Column.NEXT)


@dataclass
class NextCard:
    item: RoadmapItem
    requests: list[Request] = field(default_factory=list)
    request_total: int = 0

    @property
    def more_requests(self) -> int:
        return max(self.request_total - len(self.requests), 0)


@dataclass
class ColumnTop:
    column: Column
    cards: list[NextCard]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.cards), 0)


@dataclass
class ProductNext:
    product: Product
    columns: list[ColumnTop]


@dataclass
class WhatIsNext:
    products: list[ProductNext]
    total: int  # products with a card in Now or Next

    @property
    def more(self) -> int:
        return max(self.total - len(self.products), 0)


def _products(session: Session, limit: int) -> tuple[list[Product], int]:
    planned = sa.select(RoadmapItem.product_id).where(RoadmapItem.column.in_(COLUMNS))
    rows = session.execute(
        sa.select(Product, sa.func.count().over())
        .where(Product.stage != Stage.RETIRED, Product.id.in_(planned))
        .order_by(sa.func.lower(Product.name), Product.id)
        .limit(limit)
    ).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _top_cards(
    session: Session, product_ids: list[int], per_column: int
) -> list[tuple[RoadmapItem, int]]:
    """Each product's first `per_column` cards of Now and of Next, with the
    number of cards in that column for that product."""
    partition = (RoadmapItem.product_id, RoadmapItem.column)
    ranked = (
        sa.select(
            RoadmapItem.id.label("id"),
            sa.func.row_number()
            .over(partition_by=partition, order_by=(RoadmapItem.rank, RoadmapItem.id))
            .label("position"),
            sa.func.count().over(partition_by=partition).label("cards"),
        )
        .where(RoadmapItem.column.in_(COLUMNS), RoadmapItem.product_id.in_(product_ids or [-1]))
        .subquery()
    )
    rows = session.execute(
        sa.select(RoadmapItem, ranked.c.cards)
        .join(ranked, ranked.c.id == RoadmapItem.id)
        .where(ranked.c.position <= per_column)
        .options(joinedload(RoadmapItem.owner))
        .order_by(RoadmapItem.product_id, RoadmapItem.rank)
    ).all()
    return [(item, cards) for item, cards in rows]


def _first_requests(
    session: Session, item_ids: list[int], per_card: int
) -> dict[int, tuple[list[Request], int]]:
    """Each card's first `per_card` requests (oldest first) and how many it answers."""
    link = roadmap_item_request.c
    ranked = (
        sa.select(
            link.item_id.label("item_id"),
            link.request_id.label("request_id"),
            sa.func.row_number()
            .over(partition_by=link.item_id, order_by=link.request_id)
            .label("position"),
            sa.func.count().over(partition_by=link.item_id).label("requests"),
        )
        .where(link.item_id.in_(item_ids or [-1]))
        .subquery()
    )
    found: dict[int, tuple[list[Request], int]] = {}
    for item_id, request, total in session.execute(
        sa.select(ranked.c.item_id, Request, ranked.c.requests)
        .join(ranked, ranked.c.request_id == Request.id)
        .where(ranked.c.position <= per_card)
        .order_by(ranked.c.item_id, Request.id)
    ):
        found.setdefault(item_id, ([], total))[0].append(request)
    return found


def what_is_next(
    session: Session,
    *,
    products: int = NEXT_PRODUCTS,
    per_column: int = CARDS_PER_COLUMN,
    per_card: int = REQUESTS_PER_CARD,
) -> WhatIsNext:
    shown, total = _products(session, products)
    cards = _top_cards(session, [p.id for p in shown], per_column)
    requests = _first_requests(session, [item.id for item, _ in cards], per_card)
    tops: dict[tuple[int, Column], ColumnTop] = {
        (product.id, column): ColumnTop(column, [], 0) for product in shown for column in COLUMNS
    }
    for item, count in cards:
        top = tops[(item.product_id, item.column)]
        answered, answered_total = requests.get(item.id, ([], 0))
        top.cards.append(NextCard(item, answered, answered_total))
        top.total = count
    return WhatIsNext(
        [ProductNext(product, [tops[(product.id, c)] for c in COLUMNS]) for product in shown],
        total,
    )
