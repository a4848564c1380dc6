"""Moving cards: one row written per move, stale moves refused, never lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from portfolio.activity.trail import record
from portfolio.board.ranking import evenly_spaced_ranks, needs_rebalance, rank_between
from portfolio.models import OPEN_STATUSES, Activity, Column, RequestStatus, RoadmapItem, User
from portfolio.models.base import utcnow

DIRECTIONS = ("up", "down", "previous", "next")


class StaleMove(Exception):
    """The move was made against a board that has changed since it was shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MoveRefused(ValueError):
    """A move that is not allowed (e.g. into Shipped without a release note)."""


@dataclass(frozen=True)
class LastChange:
    who: str | None  # None: nobody known (e.g. a card nobody has moved or edited yet)
    at: datetime | None
    edited: bool  # an edit of the item's fields, not a move


def last_change(item: RoadmapItem) -> LastChange:
    """Who changed the card last, and how: its last move (moves, ships and
    reorders set moved_by) or its last edit (in the activity trail), whichever
    is later. Answers the "who got there first?" of a refused change."""
    session = object_session(item)
    edit = (
        session.execute(
            sa.select(Activity)
            .where(Activity.item_id == item.id, Activity.verb == "item_edited")
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(1)
        ).scalar()
        if session is not None
        else None
    )
    if edit is not None and (item.moved_at is None or edit.created_at >= item.moved_at):
        return LastChange(
            edit.actor.display_name if edit.actor else None, edit.created_at, edited=True
        )
    return LastChange(
        item.moved_by.display_name if item.moved_by else None, item.moved_at, edited=False
    )


def who_moved(item: RoadmapItem) -> str:
    change = last_change(item)
    if change.who is None:
        return f"“{item.title}” was changed by someone else since you loaded the board."
    when = f" at {change.at:%H:%M} UTC" if change.at else ""
    done = (
        f"edited “{item.title}”"
        if change.edited
        else f"moved “{item.title}” to {item.column.label}"
    )
    return (
        f"{change.who} {done}{when}, after you loaded the board. The board is refreshed; "
        "make your move again if it still makes sense."
    )


def column_in_direction(column: Column, direction: str) -> Column | None:
    """The column a ← (previous) or → (next) move leads to; None past either
    edge, and for ↑ ↓ (they stay in the column)."""
    step = {"previous": -1, "next": 1}.get(direction)
    if step is None:
        return None
    columns = list(Column)
    position = columns.index(column) + step
    return columns[position] if 0 <= position < len(columns) else None


def asks_for_release_note(item: RoadmapItem, column: Column | None) -> bool:
    """Moving a card into Shipped goes through the ship dialog, by drag or by key."""
    return column is Column.SHIPPED and item.column is not Column.SHIPPED


def check_version(item: RoadmapItem, expected_version: int | None) -> None:
    if expected_version is None or item.version != expected_version:
        raise StaleMove(who_moved(item))


def _rank_after(session: Session, column: Column, rank: str, exclude_id: int) -> str | None:
    return session.execute(
        sa.select(sa.func.min(RoadmapItem.rank)).where(
            RoadmapItem.column == column, RoadmapItem.rank > rank, RoadmapItem.id != exclude_id
        )
    ).scalar()


def _rank_before(session: Session, column: Column, rank: str, exclude_id: int) -> str | None:
    return session.execute(
        sa.select(sa.func.max(RoadmapItem.rank)).where(
            RoadmapItem.column == column, RoadmapItem.rank < rank, RoadmapItem.id != exclude_id
        )
    ).scalar()


def _edge_rank(session: Session, column: Column, exclude_id: int | None, top: bool) -> str | None:
    aggregate = sa.func.min if top else sa.func.max
    query = sa.select(aggregate(RoadmapItem.rank)).where(RoadmapItem.column == column)
    if exclude_id is not None:
        query = query.where(RoadmapItem.id != exclude_id)
    return session.execute(query).scalar()


def rank_for_position(
    session: Session,
    item_id: int | None,
    column: Column,
    *,
    above: RoadmapItem | None = None,
    below: RoadmapItem | None = None,
    top: bool = True,
) -> str:
    """The rank that puts a card just under `above`, else just over `below`,
    else at the top (or bottom) of `column`. Constant queries, any column length."""
    exclude = item_id if item_id is not None else -1
    if above is not None:
        return rank_between(above.rank, _rank_after(session, column, above.rank, exclude))
    if below is not None:
        return rank_between(_rank_before(session, column, below.rank, exclude), below.rank)
    if top:
        return rank_between(None, _edge_rank(session, column, item_id, top=True))
    return rank_between(_edge_rank(session, column, item_id, top=False), None)


def rebalance(session: Session, column: Column) -> None:
    """Give every card of `column` a short rank, keeping the order, in two bulk
    statements that leave versions alone (nobody's view of the order changes)."""
    table = RoadmapItem.__table__
    ids = (
        session.execute(
            sa.select(RoadmapItem.id).where(RoadmapItem.column == column).order_by(RoadmapItem.rank)
        )
        .scalars()
        .all()
    )
    if not ids:
        return
    session.flush()
    # Park every rank on a unique value outside the digit range first, so the
    # unique (column, rank) constraint never sees two cards on one rank.
    session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values(rank=sa.bindparam("b_rank")),
        [{"b_id": id_, "b_rank": f"~{id_}"} for id_ in ids],
    )
    session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values(rank=sa.bindparam("b_rank")),
        [
            {"b_id": id_, "b_rank": rank}
            for id_, rank in zip(ids, evenly_spaced_ranks(len(ids)), strict=True)
        ],
    )
    session.expire_all()


def _load_neighbour(session: Session, item_id: int | None, column: Column) -> RoadmapItem | None:
    if not item_id:
        return None
    neighbour = session.get(RoadmapItem, item_id)
    if neighbour is None or neighbour.column != column:
        raise StaleMove(
            "The cards around the drop position have moved since you loaded the board. "
            "The board is refreshed; make your move again."
        )
    return neighbour


def move_item(
    session: Session,
    item: RoadmapItem,
    *,
    column: Column,
    above_id: int | None,
    below_id: int | None,
    expected_version: int | None,
    actor: User,
) -> None:
    """Put `item` in `column` just under card `above_id` (or over `below_id`)."""
    check_version(item, expected_version)
    if asks_for_release_note(item, column):
        raise MoveRefused("Shipping needs a release note.")
    if item.id in (above_id, below_id):
        raise MoveRefused("A card cannot be placed next to itself.")
    above = _load_neighbour(session, above_id, column)
    below = None if above is not None else _load_neighbour(session, below_id, column)
    rank = rank_for_position(session, item.id, column, above=above, below=below)
    if needs_rebalance(rank):
        rebalance(session, column)
        item = session.get(RoadmapItem, item.id)
        above = session.get(RoadmapItem, above.id) if above is not None else None
        below = session.get(RoadmapItem, below.id) if below is not None else None
        rank = rank_for_position(session, item.id, column, above=above, below=below)
    _save_move(session, item, column, rank, actor)


def move_by_direction(
    session: Session,
    item: RoadmapItem,
    direction: str,
    *,
    expected_version: int | None,
    actor: User,
) -> bool:
    """The keyboard and no-JavaScript moves. Returns False when there is nowhere to go."""
    check_version(item, expected_version)
    if direction not in DIRECTIONS:
        raise MoveRefused(f"Unknown direction {direction!r}.")
    if direction in ("previous", "next"):
        target = column_in_direction(item.column, direction)
        if target is None:
            return False
        if asks_for_release_note(item, target):
            raise MoveRefused("Shipping needs a release note: use “Ship…” on the card.")
        rank = rank_for_position(session, item.id, target, top=True)
        _save_move(session, item, target, rank, actor)
        return True
    if direction == "up":
        before = _rank_before(session, item.column, item.rank, item.id)
        if before is None:
            return False
        rank = rank_between(_rank_before(session, item.column, before, item.id), before)
    else:
        after = _rank_after(session, item.column, item.rank, item.id)
        if after is None:
            return False
        rank = rank_between(after, _rank_after(session, item.column, after, item.id))
    if needs_rebalance(rank):
        rebalance(session, item.column)
        item = session.get(RoadmapItem, item.id)
        return move_by_direction(
            session, item, direction, expected_version=item.version, actor=actor
        )
    _save_move(session, item, item.column, rank, actor)
    return True


def _save_move(session: Session, item: RoadmapItem, column: Column, rank: str, actor: User) -> None:
    old_column = item.column
    item.column = column
    item.rank = rank
    item.moved_by = actor
    item.moved_at = utcnow()
    if old_column is Column.SHIPPED and column is not Column.SHIPPED:
        item.shipped_on = None
    # Write the card first: anything that queries (even a lazy load) would flush it
    # outside flush_or_stale, and a concurrent move must surface as StaleMove.
    flush_or_stale(session, item)
    record(
        session,
        actor,
        "card_moved",
        subject=item.title,
        product=item.product,
        item=item,
        before=old_column,
        after=column,
    )


def flush_or_stale(session: Session, item: RoadmapItem) -> None:
    """Write now; a concurrent change of the same card or of the same slot is a stale move."""
    try:
        with session.begin_nested():
            session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleMove(
            "Someone else moved this card at the same moment. The board is refreshed."
        ) from None
    except IntegrityError:
        session.rollback()
        raise StaleMove(
            "Someone else dropped a card in the same place at the same moment. "
            "The board is refreshed; make your move again."
        ) from None


def ship(
    session: Session,
    item: RoadmapItem,
    *,
    release_note: str,
    shipped_on: date,
    expected_version: int | None,
    actor: User,
) -> list:
    """Move to the top of Shipped with a release note; linked open requests become shipped."""
    from portfolio.requests.triage import change_status

    check_version(item, expected_version)
    if item.column is Column.SHIPPED:
        raise MoveRefused("This card has already shipped.")
    if not release_note.strip():
        raise MoveRefused("Write a release note: what changed for the people who use it?")
    old_column = item.column
    rank = rank_for_position(
        session, item.id, Column.SHIPPED, top=True
    )  # query before changing the card
    item.column = Column.SHIPPED
    item.rank = rank
    item.shipped_on = shipped_on
    item.release_note = release_note.strip()
    item.moved_by = actor
    item.moved_at = utcnow()
    flush_or_stale(session, item)
    shipped_requests = []
    for linked in item.requests:
        if linked.status in OPEN_STATUSES:
            change_status(session, linked, RequestStatus.SHIPPED, actor)
            shipped_requests.append(linked)
    record(
        session,
        actor,
        "item_shipped",
        subject=item.title,
        product=item.product,
        item=item,
        before=old_column,
        after=Column.SHIPPED,
    )
    return shipped_requests


def order_column_by_score(session: Session, column: Column, actor: User) -> int:
    """Re-rank a column by RICE score, highest first; returns the number of cards.

    Every card of the column gets a new version: a PM whose board still shows
    the old order has a move refused (409) instead of applied to an order they
    never saw. The rows are locked first (PostgreSQL), so a move racing this one
    waits and is then refused as stale rather than overwritten."""
    items = (
        session.execute(
            sa.select(RoadmapItem)
            .where(RoadmapItem.column == column)
            .order_by(RoadmapItem.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    ordered = sorted(items, key=lambda item: (-item.score, item.rank))
    table = RoadmapItem.__table__
    by_id = table.update().where(table.c.id == sa.bindparam("b_id"))
    try:
        if ordered:
            session.execute(
                by_id.values(rank=sa.bindparam("b_rank")),
                [{"b_id": item.id, "b_rank": f"~{item.id}"} for item in ordered],
            )
            session.execute(
                by_id.values(
                    rank=sa.bindparam("b_rank"),
                    version=table.c.version + 1,
                    moved_by_id=actor.id,
                    moved_at=utcnow(),
                ),
                [
                    {"b_id": item.id, "b_rank": rank}
                    for item, rank in zip(ordered, evenly_spaced_ranks(len(ordered)), strict=True)
                ],
            )
    except (
        IntegrityError
    ):  # a card dropped into the column at the same moment took one of the new ranks
        session.rollback()
        raise StaleMove(
            "Someone moved a card into this column while it was being ordered; nothing was "
            "reordered. The board is refreshed; order it again."
        ) from None
    record(
        session, actor, "column_ordered", subject=f"{column.label} column", after="by RICE score"
    )
    session.expire_all()
    return len(ordered)


def new_item_rank(session: Session, column: Column) -> str:
    """New cards join the bottom of their column."""
    return rank_for_position(session, None, column, top=False)
