"""Where a card goes in its column: the rank between its new neighbours, the
bottom of a column for a new card, and rebalancing a column whose ranks grew
long. Constant queries, however long the column (the rank arithmetic itself is
in ranking.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.board.ranking import evenly_spaced_ranks, rank_between
from portfolio.models import Column, RoadmapItem


def rank_after(session: Session, column: Column, rank: str, exclude_id: int) -> str | None:
    """The rank of the card just below `rank` in `column`, if any."""
    return session.execute(
        sa.select(sa.func.min(RoadmapItem.rank)).where(
            RoadmapItem.column == column, RoadmapItem.rank > rank, RoadmapItem.id != exclude_id
        )
    ).scalar()


def rank_before(session: Session, column: Column, rank: str, exclude_id: int) -> str | None:
    """The rank of the card just above `rank` in `column`, if any."""
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
    else at the top (or bottom) of `column`."""
    exclude = item_id if item_id is not None else -1
    if above is not None:
        return rank_between(above.rank, rank_after(session, column, above.rank, exclude))
    if below is not None:
        return rank_between(rank_before(session, column, below.rank, exclude), below.rank)
    if top:
        return rank_between(None, _edge_rank(session, column, item_id, top=True))
    return rank_between(_edge_rank(session, column, item_id, top=False), None)


def new_item_rank(session: Session, column: Column) -> str:
    """New cards join the bottom of their column."""
    return rank_for_position(session, None, column, top=False)


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
