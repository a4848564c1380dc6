"""Votes: one per user per request, whatever the clicking."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.models import Request, User, Vote
from portfolio.notifications.watches import watch


class VotingClosed(ValueError):
    """Closed requests (shipped, declined, duplicate) take no new votes."""


def cast_vote(session: Session, request: Request, user: User) -> None:
    """Vote for `request`, which the voter then watches. Voting twice is
    harmless: the unique constraint refuses the second row and we treat that
    as 'already voted'."""
    if not request.is_open:
        raise VotingClosed(
            f"This request is {request.status.label.lower()}; it takes no new votes."
        )
    try:
        with session.begin_nested():
            session.add(Vote(request_id=request.id, user_id=user.id))
    except IntegrityError:
        pass  # already voted, perhaps from a double click or another tab
    watch(session, user, request)


def withdraw_vote(session: Session, request: Request, user: User) -> None:
    session.execute(sa.delete(Vote).where(Vote.request_id == request.id, Vote.user_id == user.id))


def vote_state(session: Session, request_id: int, user_id: int) -> tuple[int, bool]:
    """(number of votes, whether this user voted) in one query."""
    count, mine = session.execute(
        sa.select(
            sa.func.count(Vote.id),
            sa.func.coalesce(sa.func.max(sa.case((Vote.user_id == user_id, 1), else_=0)), 0),
        ).where(Vote.request_id == request_id)
    ).one()
    return count, bool(mine)
