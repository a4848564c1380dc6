"""What the board shows, in a fixed number of queries however many cards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
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
    User,
    product_tag,
    rice_score,
    roadmap_item_request,
)
from portfolio.models.base import LabelledEnum
from portfolio.queries import Page
from portfolio.revisions import per_revision


class BoardView(LabelledEnum):
    COLUMNS = "columns", "Columns"
    LANES = "lanes", "Swimlanes by product"


# Cards drawn per column; "Show more" fetches the next page of that column
# alone. The top of a column is what gets done: a page of thousands helps nobody.
COLUMN_PAGE = 100
# Pages of a column that "Show more" reaches: 100,000 cards, more than any board.
MAX_COLUMN_PAGES = 1000


@dataclass
class BoardFilters:
    product_id: int | None = None
    department_id: int | None = None
    tag: str = ""
    view: BoardView = BoardView.COLUMNS
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


@dataclass(frozen=True, slots=True)
class Card:
    """What one card shows, read in one query with the others. Hashable: the
    board keeps each card's HTML by it (cards.card_html), so a card is drawn
    again only when something it shows has changed."""

    id: int
    version: int
    column: Column
    rank: str = field(compare=False)  # orders the column; the card does not show it
    title: str
    product_id: int
    product_name: str
    product_slug: str
    owner_name: str | None
    score: float
    shipped_on: date | None
    votes: int
    departments: tuple[str, ...] = ()

    @property
    def is_shipped(self) -> bool:
        return self.column is Column.SHIPPED


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

    @property
    def matching(self) -> int:
        """Cards of the column the board's filters match."""
        return self.total if self.shown is None else self.shown


@dataclass(frozen=True)
class Lane:
    product_id: int
    name: str
    slug: str


@dataclass
class Board:
    columns: dict[Column, list[Card]]
    counts: dict[Column, ColumnCount]

    def hidden(self, column: Column) -> int:
        """Cards of `column` that match the filters but are not drawn."""
        return max(self.counts[column].matching - len(self.columns[column]), 0)

    def lanes(self) -> list[tuple[Lane, dict[Column, list[Card]]]]:
        """The same cards grouped by product, for the swimlane view."""
        lanes: dict[int, tuple[Lane, dict[Column, list[Card]]]] = {}
        for column, cards in self.columns.items():
            for card in cards:
                lane = Lane(card.product_id, card.product_name, card.product_slug)
                _, cells = lanes.setdefault(card.product_id, (lane, {c: [] for c in Column}))
                cells[column].append(card)
        return sorted(lanes.values(), key=lambda lane: lane[0].name.lower())


def column_totals(session: Session) -> dict[Column, int]:
    """Cards per column on the whole board: a count over every card, taken once
    per site revision (revisions.per_revision)."""
    return per_revision(
        session,
        "board_column_totals",
        lambda: dict(
            session.execute(
                sa.select(RoadmapItem.column, sa.func.count(RoadmapItem.id)).group_by(
                    RoadmapItem.column
                )
            ).all()
        ),
    )


def column_counts(
    session: Session, columns=None, shown: dict[Column, int] | None = None
) -> dict[Column, ColumnCount]:
    """Cards per column on the whole board (WIP limits count every card, whatever
    the filters), with each column's limit: two queries, for `columns` or all.
    `shown`: the cards per column a filtered board matches (matching_counts)."""
    columns = list(columns or Column)
    totals = column_totals(session)
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


def board_counts(
    session: Session, filters: BoardFilters, columns=None
) -> dict[Column, ColumnCount]:
    """Column headers: totals and limits, and what the filters match when filtered."""
    shown = matching_counts(session, filters, columns) if filters.active else None
    return column_counts(session, columns, shown)


# The votes on every request a card answers, from each request's kept count.
_card_votes = (
    sa.select(sa.func.coalesce(sa.func.sum(Request.vote_count), 0))
    .select_from(roadmap_item_request)
    .join(Request, Request.id == roadmap_item_request.c.request_id)
    .where(roadmap_item_request.c.item_id == RoadmapItem.id)
    .correlate(RoadmapItem)
    .scalar_subquery()
)


def _card_rows(filters: BoardFilters) -> sa.Select:
    """Cards with what they show, for one column once `.where`d and limited."""
    query = (
        sa.select(
            RoadmapItem.id,
            RoadmapItem.version,
            RoadmapItem.column,
            RoadmapItem.rank,
            RoadmapItem.title,
            RoadmapItem.product_id,
            Product.name,
            Product.slug,
            User.display_name,
            RoadmapItem.reach,
            RoadmapItem.impact,
            RoadmapItem.confidence,
            RoadmapItem.effort,
            RoadmapItem.shipped_on,
            _card_votes,
        )
        .join(Product, Product.id == RoadmapItem.product_id)
        .outerjoin(User, User.id == RoadmapItem.owner_id)
    )
    return filters.apply(query)


def column_page(filters: BoardFilters, column: Column, offset: int, limit: int) -> sa.Select:
    """One column's cards `offset`… in board order: the (column, rank) index
    finds them, whatever the size of the board."""
    return (
        _card_rows(filters)
        .where(RoadmapItem.column == column)
        .order_by(RoadmapItem.rank)
        .offset(offset)
        .limit(limit)
    )


def _cards(session: Session, query: sa.Select) -> list[Card]:
    rows = session.execute(query).all()
    departments: dict[int, list[str]] = defaultdict(list)
    if rows:
        for item_id, name in session.execute(
            sa.select(roadmap_item_request.c.item_id, Department.name)
            .join(Request, Request.id == roadmap_item_request.c.request_id)
            .join(Department, Department.id == Request.department_id)
            .where(roadmap_item_request.c.item_id.in_([row[0] for row in rows]))
            .distinct()
            .order_by(Department.name)
        ):
            departments[item_id].append(name)
    return [
        Card(
            id=row[0],
            version=row[1],
            column=row[2],
            rank=row[3],
            title=row[4],
            product_id=row[5],
            product_name=row[6],
            product_slug=row[7],
            owner_name=row[8],
            score=rice_score(row[9], row[10], row[11], row[12]),
            shipped_on=row[13],
            votes=int(row[14] or 0),
            departments=tuple(departments.get(row[0], ())),
        )
        for row in rows
    ]


def load_cards(
    session: Session, filters: BoardFilters, columns=None, offset: int = 0, limit: int = COLUMN_PAGE
) -> dict[Column, list[Card]]:
    """The cards `offset`… of each column, at most `limit` each: two queries
    (the cards, one limited SELECT per column joined by UNION ALL; their departments)."""
    columns = list(columns or Column)
    pages = [column_page(filters, column, offset, limit).subquery() for column in columns]
    query = sa.union_all(*(sa.select(page) for page in pages))
    shown: dict[Column, list[Card]] = {column: [] for column in columns}
    for card in _cards(session, query):
        shown[card.column].append(card)
    for cards in shown.values():
        cards.sort(key=lambda card: card.rank)
    return shown


def load_card(session: Session, item_id: int) -> Card:
    """One card as the board draws it, read afresh (a move has just changed it)."""
    return _cards(session, _card_rows(BoardFilters()).where(RoadmapItem.id == item_id))[0]


def load_board(session: Session, filters: BoardFilters) -> Board:
    """The top COLUMN_PAGE cards of every column and the headers: a fixed
    number of queries, none of which reads the rows it does not show."""
    return Board(columns=load_cards(session, filters), counts=board_counts(session, filters))


def board_order_page(session: Session, column: Column | None, page: int, per_page: int) -> Page:
    """Page `page` of the cards in board order (column, then rank), each as
    (item, its position in its column from 1, its votes). The column totals say
    which columns the page spans; each is then read from the (column, rank)
    index at its own offset: no window or sort over the whole table."""
    columns = [column] if column is not None else list(Column)
    totals = column_totals(session)
    total = sum(totals.get(each, 0) for each in columns)
    # Which columns the page spans, and from where in each.
    spans: list[tuple[Column, int, int]] = []
    skip, wanted = (page - 1) * per_page, per_page
    for each in columns:
        in_column = totals.get(each, 0)
        if wanted <= 0:
            break
        if skip >= in_column:
            skip -= in_column
            continue
        take = min(wanted, in_column - skip)
        spans.append((each, skip, take))
        skip, wanted = 0, wanted - take
    rows: list[tuple[RoadmapItem, int]] = []
    if spans:
        ids = sa.union_all(
            *(
                sa.select(
                    sa.select(RoadmapItem.id, RoadmapItem.column, RoadmapItem.rank)
                    .where(RoadmapItem.column == each)
                    .order_by(RoadmapItem.rank)
                    .offset(offset)
                    .limit(take)
                    .subquery()
                )
                for each, offset, take in spans
            )
        )
        found = session.execute(ids).all()
        items = {
            item.id: item
            for item in session.execute(
                sa.select(RoadmapItem)
                .where(RoadmapItem.id.in_([row[0] for row in found]))
                .options(
                    joinedload(RoadmapItem.product),
                    joinedload(RoadmapItem.owner),
                    selectinload(RoadmapItem.requests),
                )
            ).scalars()
        }
        offsets = {each: offset for each, offset, _ in spans}
        seen: dict[Column, int] = defaultdict(int)
        for item_id, each, _ in sorted(found, key=lambda row: (row[1].position, row[2])):
            seen[each] += 1
            rows.append((items[item_id], offsets[each] + seen[each]))
    votes = (
        dict(
            session.execute(
                sa.select(roadmap_item_request.c.item_id, sa.func.sum(Request.vote_count))
                .join(Request, Request.id == roadmap_item_request.c.request_id)
                .where(roadmap_item_request.c.item_id.in_([item.id for item, _ in rows]))
                .group_by(roadmap_item_request.c.item_id)
            ).all()
        )
        if rows
        else {}
    )
    return Page(
        rows=[(item, position, int(votes.get(item.id) or 0)) for item, position in rows],
        total=total,
        page=page,
        pages=max((total + per_page - 1) // per_page, 1),
        per_page=per_page,
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
    votes = Request.vote_count
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
