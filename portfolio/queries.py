"""Query pieces every area shares: pagination, and the first rows of a list
with the count of all. (A request's votes are kept on it: Request.vote_count.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    """One page of a longer list, with what its navigation needs."""

    rows: list
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def count_of(session: Session, query: sa.Select) -> int:
    """How many rows `query` has."""
    return session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()


def paginate(
    session: Session,
    query: sa.Select,
    *,
    page: int,
    per_page: int,
    clamp: bool = True,
    total: int | None = None,
) -> Page:
    """Rows `page` of `query` (which must be ordered by a unique key), with the
    total counted in one more statement (unless given). With `clamp`, a page past the end
    shows the last page (the pages); without it, it is simply empty (the API)."""
    if total is None:
        total = count_of(session, query)
    pages = max((total + per_page - 1) // per_page, 1)
    if clamp:
        page = min(page, pages)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(rows=rows, total=total, page=page, pages=pages, per_page=per_page)


@dataclass(frozen=True)
class Top(Sequence):
    """The first rows of a list that a page shows only the start of (the
    dashboard's), and how many rows there are in all."""

    rows: list
    total: int

    def __getitem__(self, index):
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def more(self) -> int:
        """Rows not shown."""
        return max(self.total - len(self.rows), 0)


def first_rows(
    session: Session,
    query: sa.Select,
    limit: int | None,
    *,
    scalars: bool = False,
    unique: bool = False,
) -> Top:
    """The first `limit` rows of `query` (every row when `limit` is None), and
    their total — counted in one more statement, whatever the rows, so the
    page's query count does not depend on them."""
    result = session.execute(query if limit is None else query.limit(limit))
    if unique:
        result = result.unique()
    rows = list(result.scalars() if scalars else result)
    if limit is None:
        return Top(rows, len(rows))
    return Top(rows, count_of(session, query))
