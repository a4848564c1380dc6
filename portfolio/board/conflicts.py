"""Stale changes: every card carries a version, a change made against an old
one is refused, and the refusal says who got there first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from portfolio.models import Activity, RoadmapItem, Verb


class StaleMove(Exception):
    """The change was made against a board that has changed since it was shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
            .where(Activity.item_id == item.id, Activity.verb == Verb.ITEM_EDITED)
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
    """Why a move on the board was refused."""
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


def who_edited(item: RoadmapItem) -> str:
    """Why an edit of the item's form was refused: the form keeps what was typed."""
    who = last_change(item).who or "Someone"
    return (
        f"{who} changed this item after you opened it. Your changes are still in the "
        "form below: check them against the current card and save again."
    )


def check_version(
    item: RoadmapItem,
    expected_version: int | None,
    explain: Callable[[RoadmapItem], str] = who_moved,
) -> None:
    """Refuse a change made against another version of `item` than its current one."""
    if expected_version is None or item.version != expected_version:
        raise StaleMove(explain(item))


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
