"""Moving cards on the roadmap board, each change recording its event in the
caller's transaction (the view commits): drags, keyboard moves, shipping,
ordering a column by score, and the work-in-progress limits.

One row written per move; a move made against a card that has changed since
is refused (conflicts.py), never lost; where a card lands is placement.py.
Adding, editing and promoting items are in items.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.board.conflicts import StaleMove, check_version, flush_or_stale

# Re-exported: the test factories place new cards with it.
from portfolio.board.placement import new_item_rank as new_item_rank
from portfolio.board.placement import rank_after, rank_before, rank_for_position, rebalance
from portfolio.board.ranking import evenly_spaced_ranks, needs_rebalance, rank_between
from portfolio.models import (
    OPEN_STATUSES,
    Column,
    ColumnLimit,
    Request,
    RequestStatus,
    RoadmapItem,
    User,
    Verb,
)
from portfolio.models.base import LabelledEnum, utcnow
from portfolio.requests.triage import change_status, reopen_request

# Columns that take a work-in-progress limit: Shipped only grows.
WIP_COLUMNS = (Column.NOW, Column.NEXT, Column.LATER)


class MoveDirection(LabelledEnum):
    """The keyboard's (and the no-JavaScript board's) moves of one card."""

    UP = "up", "Up"
    DOWN = "down", "Down"
    PREVIOUS = "previous", "Previous column"
    NEXT = "next", "Next column"

    @property
    def changes_column(self) -> bool:
        return self in (MoveDirection.PREVIOUS, MoveDirection.NEXT)


class MoveRefused(ValueError):
    """A move that is not allowed (e.g. into Shipped without a release note)."""


def column_in_direction(column: Column, direction: MoveDirection) -> Column | None:
    """The column a ← (previous) or → (next) move leads to; None past either
    edge, and for ↑ ↓ (they stay in the column)."""
    step = {MoveDirection.PREVIOUS: -1, MoveDirection.NEXT: 1}.get(direction)
    if step is None:
        return None
    columns = list(Column)
    position = columns.index(column) + step
    return columns[position] if 0 <= position < len(columns) else None


def asks_for_release_note(item: RoadmapItem, column: Column | None) -> bool:
    """Moving a card into Shipped goes through the ship dialog, by drag or by key."""
    return column is Column.SHIPPED and item.column is not Column.SHIPPED


def asks_to_reopen(item: RoadmapItem, column: Column | None) -> bool:
    """Moving a card out of Shipped goes through the reopen dialog: it takes the
    card off the changelog and puts its requests back, so it is never a slip."""
    return item.column is Column.SHIPPED and column is not None and column is not Column.SHIPPED


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
    if asks_to_reopen(item, column):
        raise MoveRefused(f"“{item.title}” has shipped: use Reopen… to bring it back.")
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
    direction: MoveDirection,
    *,
    expected_version: int | None,
    actor: User,
) -> bool:
    """The keyboard and no-JavaScript moves. Returns False when there is nowhere to go."""
    check_version(item, expected_version)
    try:
        direction = MoveDirection(direction)
    except ValueError:
        raise MoveRefused(f"Unknown direction {direction!r}.") from None
    if direction.changes_column:
        target = column_in_direction(item.column, direction)
        if target is None:
            return False
        if asks_for_release_note(item, target):
            raise MoveRefused("Shipping needs a release note: use “Ship…” on the card.")
        if asks_to_reopen(item, target):
            raise MoveRefused(f"“{item.title}” has shipped: use Reopen… to bring it back.")
        rank = rank_for_position(session, item.id, target, top=True)
        _save_move(session, item, target, rank, actor)
        return True
    if direction is MoveDirection.UP:
        before = rank_before(session, item.column, item.rank, item.id)
        if before is None:
            return False
        rank = rank_between(rank_before(session, item.column, before, item.id), before)
    else:
        after = rank_after(session, item.column, item.rank, item.id)
        if after is None:
            return False
        rank = rank_between(after, rank_after(session, item.column, after, item.id))
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
        Verb.CARD_MOVED,
        subject=item.title,
        product=item.product,
        item=item,
        before=old_column,
        after=column,
    )


def ship(
    session: Session,
    item: RoadmapItem,
    *,
    release_note: str,
    shipped_on: date,
    expected_version: int | None,
    actor: User,
) -> list[Request]:
    """Move to the top of Shipped with a release note; linked open requests become
    shipped. Their followers hear once, from ITEM_SHIPPED, with the release note."""
    check_version(item, expected_version)
    if item.column is Column.SHIPPED:
        raise MoveRefused("This card has already shipped.")
    if not release_note.strip():
        raise MoveRefused("Write a release note: what changed for the people who use it?")
    old_column = item.column
    rank = rank_for_position(session, item.id, Column.SHIPPED, top=True)  # before changing it
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
            status_before = linked.status
            change_status(session, linked, RequestStatus.SHIPPED, actor, item=item)
            linked.shipped_by_item_id = item.id
            linked.status_before_ship = status_before
            shipped_requests.append(linked)
    record(
        session,
        actor,
        Verb.ITEM_SHIPPED,
        subject=item.title,
        product=item.product,
        item=item,
        before=old_column,
        after=Column.SHIPPED,
    )
    return shipped_requests


REOPEN_COLUMNS = (Column.NOW, Column.NEXT, Column.LATER)


def reopen(
    session: Session,
    item: RoadmapItem,
    *,
    column: Column,
    reason: str,
    expected_version: int | None,
    actor: User,
) -> list[Request]:
    """Bring a shipped card back to the top of `column`: it leaves the
    changelog (shipped date and release note cleared, both kept in the trail),
    and the requests its shipping marked shipped go back to the status they had
    (in progress for those shipped before that was remembered)."""
    check_version(item, expected_version)
    if item.column is not Column.SHIPPED:
        raise MoveRefused("Only a shipped card can be reopened.")
    if column not in REOPEN_COLUMNS:
        raise MoveRefused("Reopen it into Now, Next or Later.")
    reason = reason.strip()
    if not reason:
        raise MoveRefused("Say why it is reopened: its requesters will read it.")
    shipped_on, note = item.shipped_on, item.release_note
    rank = rank_for_position(session, item.id, column, top=True)
    item.column = column
    item.rank = rank
    item.shipped_on = None
    item.release_note = None
    item.moved_by = actor
    item.moved_at = utcnow()
    flush_or_stale(session, item)
    reopened = (
        session.execute(
            sa.select(Request).where(
                Request.shipped_by_item_id == item.id, Request.status == RequestStatus.SHIPPED
            )
        )
        .scalars()
        .all()
    )
    for linked in reopened:
        reopen_request(
            session, linked, linked.status_before_ship or RequestStatus.IN_PROGRESS, actor
        )
    record(
        session,
        actor,
        Verb.ITEM_REOPENED,
        subject=item.title,
        product=item.product,
        item=item,
        before=f"Shipped {shipped_on:%d %b %Y}: {note}" if shipped_on else "Shipped",
        after=f"{column.label}: {reason}",
    )
    return list(reopened)


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
    except IntegrityError:  # a card dropped into the column at the same moment took a new rank
        session.rollback()
        raise StaleMove(
            "Someone moved a card into this column while it was being ordered; nothing was "
            "reordered. The board is refreshed; order it again."
        ) from None
    record(
        session,
        actor,
        Verb.COLUMN_ORDERED,
        subject=f"{column.label} column",
        after="by RICE score",
    )
    session.expire_all()
    return len(ordered)


def save_wip_limits(
    session: Session, limits: Mapping[Column, int | None], actor: User
) -> dict[Column, int | None]:
    """Set the work-in-progress limit of each column in WIP_COLUMNS (None: no
    limit); records the change, if any. Returns the limits as they were."""
    if any(limit is not None and limit < 1 for limit in limits.values()):
        raise ValueError("A work-in-progress limit is a whole number of 1 or more.")
    rows = {row.column: row for row in session.execute(sa.select(ColumnLimit)).scalars()}
    before = {column: rows[column].wip_limit if column in rows else None for column in WIP_COLUMNS}
    after = {column: limits.get(column) for column in WIP_COLUMNS}
    for column in WIP_COLUMNS:
        row = rows.get(column) or ColumnLimit(column=column)
        row.wip_limit = after[column]
        session.add(row)
    changed = [column for column in WIP_COLUMNS if before[column] != after[column]]
    if changed:

        def describe(values: dict[Column, int | None]) -> str:
            return "; ".join(f"{column.label} {values[column] or 'none'}" for column in changed)

        record(
            session,
            actor,
            Verb.WIP_LIMITS_CHANGED,
            subject="the board",
            before=describe(before),
            after=describe(after),
        )
    return before
