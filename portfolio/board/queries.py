"""What the board shows, in a fixed number of queries however many cards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import MultiDict

from portfolio.filters import parse_id_filters
from portfolio.models import (
    Column,
    ColumnLimit,
    Department,
    Product,
    Request,
    RoadmapItem,
    Tag,
    Usage,
    UsageLevel,
    Vote,
    product_tag,
    roadmap_item_request,
)
from portfolio.models.base import LabelledEnum
from portfolio.queries import vote_count


class BoardView(LabelledEnum):
    COLUMNS = "columns", "Columns"
    LANES = "lanes", "Swimlanes by product"


# Cards drawn per column unless the viewer asks for all: the top of a column is
# what gets done, and a page of thousands of cards helps nobody.
COLUMN_PAGE = 100


@dataclass
class BoardFilters:
    product_id: int | None = None
    department_id: int | None = None
    tag: str = ""
    view: BoardView = BoardView.COLUMNS
    show_all: bool = False
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> BoardFilters:
        filters = cls()
        parse_id_filters(args, filters, {"product": "product_id", "department": "department_id"})
        filters.tag = (args.get("tag") or "").strip().lower()[:40]
        try:
            filters.view = BoardView(args.get("view") or BoardView.COLUMNS)
        except ValueError:  # an old or mistyped link: the default view
            filters.view = BoardView.COLUMNS
        filters.show_all = args.get("all") == "1"
        return filters

    def drop_unknown(self, product_ids: set[int], department_ids: set[int], tags: set[str]) -> None:
        """Ignore, with a message, a filter that names nothing there is (an old
        shared link, a deleted product): an empty board would not say why."""
        if self.product_id and self.product_id not in product_ids:
            self.product_id = None
            self.errors.append("Unknown product ignored.")
        if self.department_id and self.department_id not in department_ids:
            self.department_id = None
            self.errors.append("Unknown department ignored.")
        if self.tag and self.tag not in {tag.lower() for tag in tags}:
            self.errors.append(f"No product is tagged “{self.tag}”; tag ignored.")
            self.tag = ""

    def showing_all(self) -> dict[str, Any]:
        """The query string of this board with every card shown."""
        return {**self.to_args(), "all": "1"}

    @property
    def lanes(self) -> bool:
        return self.view is BoardView.LANES

    @property
    def active(self) -> bool:
        return bool(self.product_id or self.department_id or self.tag)

    def to_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.product_id:
            args["product"] = self.product_id
        if self.department_id:
            args["department"] = self.department_id
        if self.tag:
            args["tag"] = self.tag
        if self.view is not BoardView.COLUMNS:
            args["view"] = self.view.value
        if self.show_all:
            args["all"] = "1"
        return args

    def apply(self, query: sa.Select) -> sa.Select:
        if self.product_id:
            query = query.where(RoadmapItem.product_id == self.product_id)
        if self.department_id:
            from_requests = (
                sa.select(roadmap_item_request.c.item_id)
                .join(Request, Request.id == roadmap_item_request.c.request_id)
                .where(Request.department_id == self.department_id)
            )
            from_usage = sa.select(Usage.product_id).where(
                Usage.department_id == self.department_id, Usage.level == UsageLevel.PRIMARY
            )
            query = query.where(
                sa.or_(RoadmapItem.id.in_(from_requests), RoadmapItem.product_id.in_(from_usage))
            )
        if self.tag:
            tagged = (
                sa.select(product_tag.c.product_id)
                .join(Tag, Tag.id == product_tag.c.tag_id)
                .where(Tag.name == self.tag)
            )
            query = query.where(RoadmapItem.product_id.in_(tagged))
        return query


@dataclass
class CardFacts:
    votes: int = 0
    requests: int = 0
    departments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnCount:
    """A column's cards on the whole board, against its work-in-progress limit;
    `shown`: those the board's filters match (None on an unfiltered board)."""

    column: Column
    total: int
    limit: int | None = None
    shown: int | None = None

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.total > self.limit

    @property
    def excess(self) -> int:
        """Cards over the limit (0 within it, or without one)."""
        return self.total - self.limit if self.over_limit else 0


@dataclass
class Board:
    columns: dict[Column, list[RoadmapItem]]
    facts: dict[int, CardFacts]
    counts: dict[Column, ColumnCount]
    matching: dict[Column, int] = field(default_factory=dict)

    def hidden(self, column: Column) -> int:
        """Cards of `column` that match the filters but are not drawn."""
        return self.matching.get(column, 0) - len(self.columns[column])

    def facts_for(self, item: RoadmapItem) -> CardFacts:
        return self.facts.get(item.id) or CardFacts()

    def lanes(self) -> list[tuple[Product, dict[Column, list[RoadmapItem]]]]:
        """The same cards grouped by product, for the swimlane view."""
        lanes: dict[int, tuple[Product, dict[Column, list[RoadmapItem]]]] = {}
        for column, items in self.columns.items():
            for item in items:
                product, cells = lanes.setdefault(
                    item.product_id, (item.product, {c: [] for c in Column})
                )
                cells[column].append(item)
        return sorted(lanes.values(), key=lambda lane: lane[0].name.lower())


def column_counts(
    session: Session, columns=None, shown: dict[Column, int] | None = None
) -> dict[Column, ColumnCount]:
    """Cards per column on the whole board (WIP limits count every card, whatever
    the filters), with each column's limit: two queries, for `columns` or all.
    `shown`: the cards per column a filtered board matches (matching_counts)."""
    columns = list(columns or Column)
    totals = dict(
        session.execute(
            sa.select(RoadmapItem.column, sa.func.count(RoadmapItem.id))
            .where(RoadmapItem.column.in_(columns))
            .group_by(RoadmapItem.column)
        ).all()
    )
    limits = dict(
        session.execute(
            sa.select(ColumnLimit.column, ColumnLimit.wip_limit).where(
                ColumnLimit.column.in_(columns)
            )
        ).all()
    )
    return {
        column: ColumnCount(
            column,
            totals.get(column, 0),
            limits.get(column),
            shown.get(column, 0) if shown is not None else None,
        )
        for column in columns
    }


def matching_counts(session: Session, filters: BoardFilters, columns=None) -> dict[Column, int]:
    """Cards per column that `filters` match, drawn or not: one query."""
    columns = list(columns or Column)
    counted = filters.apply(sa.select(RoadmapItem.column, sa.func.count(RoadmapItem.id)))
    rows = dict(
        session.execute(
            counted.where(RoadmapItem.column.in_(columns)).group_by(RoadmapItem.column)
        ).all()
    )
    return {column: rows.get(column, 0) for column in columns}


def card_facts(session: Session, item_ids_query: sa.Select) -> dict[int, CardFacts]:
    """Votes, linked requests and departments for the cards selected by `item_ids_query`."""
    ids = item_ids_query.subquery()
    facts: dict[int, CardFacts] = defaultdict(CardFacts)
    votes = session.execute(
        sa.select(
            roadmap_item_request.c.item_id,
            sa.func.count(sa.distinct(Request.id)),
            sa.func.count(Vote.id),
        )
        .join(Request, Request.id == roadmap_item_request.c.request_id)
        .outerjoin(Vote, Vote.request_id == Request.id)
        .where(roadmap_item_request.c.item_id.in_(sa.select(ids.c.id)))
        .group_by(roadmap_item_request.c.item_id)
    )
    for item_id, request_count, votes_of_item in votes:
        facts[item_id].requests = request_count
        facts[item_id].votes = votes_of_item
    departments = session.execute(
        sa.select(roadmap_item_request.c.item_id, Department.name)
        .join(Request, Request.id == roadmap_item_request.c.request_id)
        .join(Department, Department.id == Request.department_id)
        .where(roadmap_item_request.c.item_id.in_(sa.select(ids.c.id)))
        .distinct()
        .order_by(Department.name)
    )
    for item_id, name in departments:
        facts[item_id].departments.append(name)
    return dict(facts)


def shown_item_ids(filters: BoardFilters) -> sa.Select:
    """Ids of the cards drawn: all that match, or the top COLUMN_PAGE of each column."""
    if filters.show_all:
        return filters.apply(sa.select(RoadmapItem.id))
    position = sa.func.row_number().over(partition_by=RoadmapItem.column, order_by=RoadmapItem.rank)
    ranked = filters.apply(sa.select(RoadmapItem.id, position.label("position"))).subquery()
    return sa.select(ranked.c.id).where(ranked.c.position <= COLUMN_PAGE)


CARD_OPTIONS = (joinedload(RoadmapItem.product), joinedload(RoadmapItem.owner))  # what a card shows


def board_items(filters: BoardFilters) -> sa.Select:
    return (
        sa.select(RoadmapItem)
        .where(RoadmapItem.id.in_(shown_item_ids(filters)))
        .options(*CARD_OPTIONS)
        .order_by(RoadmapItem.column, RoadmapItem.rank)
    )


def card_item(item_id: int) -> sa.Select:
    """One card as the board draws it, read afresh (a move has just changed it)."""
    return (
        sa.select(RoadmapItem)
        .where(RoadmapItem.id == item_id)
        .options(*CARD_OPTIONS)
        .execution_options(populate_existing=True)
    )


def load_board(session: Session, filters: BoardFilters) -> Board:
    columns: dict[Column, list[RoadmapItem]] = {column: [] for column in Column}
    for item in session.execute(board_items(filters)).scalars():
        columns[item.column].append(item)
    facts = card_facts(session, shown_item_ids(filters))
    matching = matching_counts(session, filters)
    return Board(
        columns=columns,
        facts=facts,
        counts=column_counts(session, shown=matching if filters.active else None),
        matching=matching,
    )


def item_detail(item_id: int) -> sa.Select:
    return (
        sa.select(RoadmapItem)
        .where(RoadmapItem.id == item_id)
        .options(
            joinedload(RoadmapItem.product),
            joinedload(RoadmapItem.owner),
            joinedload(RoadmapItem.moved_by),
            joinedload(RoadmapItem.measure),
        )
    )


def linked_requests_with_votes(session: Session, item_id: int) -> list[tuple[Request, int]]:
    """The requests an item answers, most voted first, with their votes."""
    votes = vote_count(Request.id)
    return [
        (request, count)
        for request, count in session.execute(
            sa.select(Request, votes)
            .join(roadmap_item_request, roadmap_item_request.c.request_id == Request.id)
            .where(roadmap_item_request.c.item_id == item_id)
            .options(joinedload(Request.department))
            .order_by(sa.desc(votes))
        )
    ]
