"""Votes: one per user per request, whatever the clicking.

`Request.vote_count` is kept equal to the request's Vote rows here: every
function that adds, withdraws or moves votes changes it in the same
transaction, with `vote_count = vote_count ± n` in SQL (no lost update when
two people vote at once). `recount_votes` recomputes it from the rows, for
bulk changes (a duplicate merge, seeding) and the `check-vote-counts` command."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.models import Request, User, Vote
from portfolio.notifications.watches import watch


class VotingClosed(ValueError):
    """Closed requests (shipped, declined, duplicate) take no new votes."""


def _add_to_count(session: Session, request_id: int, change: int) -> None:
    session.execute(
        sa.update(Request)
        .where(Request.id == request_id)
        .values(vote_count=Request.vote_count + change)
        .execution_options(synchronize_session=False)
    )


def cast_vote(session: Session, request: Request, user: User) -> None:
    """Vote for `request`, which the voter then watches. Voting twice is
    harmless: the unique constraint refuses the second row and we treat that
    as 'already voted' (and the count stays)."""
    if not request.is_open:
        raise VotingClosed(
            f"This request is {request.status.label.lower()}; it takes no new votes."
        )
    try:
        with session.begin_nested():
            session.add(Vote(request_id=request.id, user_id=user.id))
    except IntegrityError:
        pass  # already voted, perhaps from a double click or another tab
    else:
        _add_to_count(session, request.id, 1)
    session.expire(request, ["vote_count"])
    watch(session, user, request)


def withdraw_vote(session: Session, request: Request, user: User) -> None:
    deleted = session.execute(
        sa.delete(Vote).where(Vote.request_id == request.id, Vote.user_id == user.id)
    ).rowcount
    if deleted:
        _add_to_count(session, request.id, -deleted)
    session.expire(request, ["vote_count"])


def vote_state(session: Session, request_id: int, user_id: int) -> tuple[int, bool]:
    """(number of votes, whether this user voted) in one query."""
    count, mine = session.execute(
        sa.select(
            sa.func.count(Vote.id),
            sa.func.coalesce(sa.func.max(sa.case((Vote.user_id == user_id, 1), else_=0)), 0),
        ).where(Vote.request_id == request_id)
    ).one()
    return count, bool(mine)


def counted_votes() -> sa.ScalarSelect:
    """The Vote rows of the outer query's request."""
    return (
        sa.select(sa.func.count(Vote.id))
        .where(Vote.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )


def recount_votes(session: Session, request_ids: Iterable[int] | None = None) -> None:
    """Set the vote count of the given requests (every request when None) to
    their Vote rows, in one statement."""
    statement = sa.update(Request).values(vote_count=counted_votes())
    if request_ids is not None:
        ids = list(request_ids)
        if not ids:
            return
        statement = statement.where(Request.id.in_(ids))
    session.execute(statement.execution_options(synchronize_session=False))
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Request):
            session.expire(loaded, ["vote_count"])


def miscounted_votes(session: Session) -> list[tuple[int, int, int]]:
    """(request id, its vote count, its Vote rows) for every request whose
    count is wrong, by id."""
    rows = counted_votes()
    return [
        tuple(row)
        for row in session.execute(
            sa.select(Request.id, Request.vote_count, rows)
            .where(Request.vote_count != rows)
            .order_by(Request.id)
        )
    ]
