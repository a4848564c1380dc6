"""Query pieces every area shares: the vote count and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import Vote


def vote_count(request_id: Any) -> sa.ScalarSelect:
    """Votes on the request whose id is `request_id` (a column of the outer
    query: `ProductRequest.id`, or a link table's `request_id`), as a
    correlated scalar subquery."""
    return sa.select(sa.func.count(Vote.id)).where(Vote.request_id == request_id).scalar_subquery()


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


def paginate(
    session: Session, query: sa.Select, *, page: int, per_page: int, clamp: bool = True
) -> Page:
    """Rows `page` of `query` (which must be ordered by a unique key), with the
    total counted in one more statement. With `clamp`, a page past the end
    shows the last page (the pages); without it, it is simply empty (the API)."""
    total = session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pages = max((total + per_page - 1) // per_page, 1)
    if clamp:
        page = min(page, pages)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(rows=rows, total=total, page=page, pages=pages, per_page=per_page)
