"""Queries for the request pages, with vote and comment counts in the same
statement so a page's query count does not grow with its rows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from portfolio.filters import like_pattern, parse_id_filters, parse_page, search_text
from portfolio.models import (
    OPEN_STATUSES,
    Comment,
    Request,
    RequestStatus,
    RoadmapItem,
    Vote,
    roadmap_item_request,
)
from portfolio.queries import Page, count_of, paginate
from portfolio.revisions import per_revision

OPEN = "open"
ALL = "all"
SORTS = {"newest": "Newest first", "votes": "Most votes", "oldest": "Oldest first"}
PAGE_SIZE = 50


def comment_count_column() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(Comment.id))
        .where(Comment.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )


CLOSED_STATUSES = frozenset(RequestStatus) - OPEN_STATUSES


def open_in_vote_order() -> sa.ColumnElement[bool]:
    """Open requests, said as "not closed" (the same rows: a status is never
    null) for lists sorted by votes: SQLite answers `status IN (…)` from the
    status index and then sorts every open request, while with `NOT IN` it
    reads ix_product_request_vote_count backwards and stops after the page."""
    return Request.status.not_in(CLOSED_STATUSES)


def voted_by_column(user_id: int) -> sa.Exists:
    return sa.exists().where(Vote.request_id == Request.id, Vote.user_id == user_id)


@dataclass
class RequestFilters:
    product_id: int | None = None
    department_id: int | None = None
    status: RequestStatus | str = OPEN  # a status, "open" or "all"
    mine: bool = False
    voted: bool = False
    q: str = ""
    sort: str = "newest"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> RequestFilters:
        filters = cls()
        parse_id_filters(args, filters, {"product": "product_id", "department": "department_id"})
        status = args.get("status") or OPEN
        if status in (OPEN, ALL):
            filters.status = status
        else:
            try:
                filters.status = RequestStatus(status)
            except ValueError:
                filters.errors.append(f"Unknown status “{status}” ignored.")
        filters.mine = args.get("mine") in {"1", "on", "y"}
        filters.voted = args.get("voted") in {"1", "on", "y"}
        filters.q = search_text(args)
        sort = args.get("sort") or "newest"
        if sort not in SORTS:
            filters.errors.append(f"Unknown sort “{sort[:40]}” ignored.")
            sort = "newest"
        filters.sort = sort
        filters.page = parse_page(args.get("page"))
        return filters

    def to_args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "product": self.product_id,
            "department": self.department_id,
            "status": self.status.value if isinstance(self.status, RequestStatus) else self.status,
            "mine": "1" if self.mine else None,
            "voted": "1" if self.voted else None,
            "q": self.q or None,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(changes)
        defaults = {"status": OPEN, "sort": "newest", "page": 1}
        return {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}

    @property
    def status_value(self) -> str:
        return self.status.value if isinstance(self.status, RequestStatus) else self.status

    def apply(self, query: sa.Select, user_id: int) -> sa.Select:
        if self.product_id:
            query = query.where(Request.product_id == self.product_id)
        if self.department_id:
            query = query.where(Request.department_id == self.department_id)
        if self.status == OPEN:
            query = query.where(
                open_in_vote_order() if self.sort == "votes" else Request.status.in_(OPEN_STATUSES)
            )
        elif isinstance(self.status, RequestStatus):
            query = query.where(Request.status == self.status)
        if self.mine:
            query = query.where(Request.requester_id == user_id)
        if self.voted:
            query = query.where(voted_by_column(user_id))
        if self.q:
            pattern = like_pattern(self.q)
            query = query.where(
                sa.or_(
                    Request.title.ilike(pattern, escape="\\"),
                    Request.description.ilike(pattern, escape="\\"),
                )
            )
        return query


@dataclass
class RequestRow:
    request: Request
    votes: int
    comments: int
    voted: bool


def request_page(session, filters: RequestFilters, user_id: int) -> Page:
    """One page of requests (RequestRows) with counts: two queries whatever the
    page size. A page past the end shows the last one."""
    order = {
        "newest": [Request.created_at.desc(), Request.id.desc()],
        "oldest": [Request.created_at.asc(), Request.id.asc()],
        # ix_product_request_vote_count (vote_count, id), read backwards
        "votes": [Request.vote_count.desc(), Request.id.desc()],
    }[filters.sort]
    query = filters.apply(
        sa.select(
            Request, Request.vote_count, comment_count_column(), voted_by_column(user_id)
        ).options(
            joinedload(Request.product),
            joinedload(Request.department),
            joinedload(Request.requester),
        ),
        user_id,
    ).order_by(*order)
    # The total counts every matching request: once per site revision.
    viewer = user_id if filters.mine or filters.voted else None
    shape = sorted((name, str(value)) for name, value in filters.to_args(page=None).items())
    total = per_revision(
        session, f"requests_total:{viewer}:{shape}", lambda: count_of(session, query)
    )
    page = paginate(session, query, page=filters.page, per_page=PAGE_SIZE, clamp=True, total=total)
    return replace(page, rows=[RequestRow(r, v, c, bool(m)) for r, v, c, m in page.rows])


def open_requests_for(
    session,
    *,
    product_id: int | None = None,
    department_id: int | None = None,
    user_id: int,
    limit: int = 10,
) -> list[RequestRow]:
    """Open requests of a product or a department, most votes first."""
    query = (
        sa.select(Request, Request.vote_count, comment_count_column(), voted_by_column(user_id))
        .where(Request.status.in_(OPEN_STATUSES))
        .options(joinedload(Request.department), joinedload(Request.product))
        .order_by(Request.vote_count.desc(), Request.id.desc())
        .limit(limit)
    )
    if product_id is not None:
        query = query.where(Request.product_id == product_id)
    if department_id is not None:
        query = query.where(Request.department_id == department_id)
    return [RequestRow(r, v, c, bool(m)) for r, v, c, m in session.execute(query)]


def count_open_requests(
    session, *, product_id: int | None = None, department_id: int | None = None
) -> int:
    query = sa.select(sa.func.count(Request.id)).where(Request.status.in_(OPEN_STATUSES))
    if product_id is not None:
        query = query.where(Request.product_id == product_id)
    if department_id is not None:
        query = query.where(Request.department_id == department_id)
    return session.execute(query).scalar_one()


def request_detail(request_id: int) -> sa.Select:
    return (
        sa.select(Request)
        .where(Request.id == request_id)
        .options(
            joinedload(Request.product),
            joinedload(Request.department),
            joinedload(Request.requester),
            joinedload(Request.duplicate_of),
        )
    )


def answering_items(request_id: int, limit: int = 5) -> sa.Select:
    """The roadmap cards that answer the request, oldest first, with their owners."""
    return (
        sa.select(RoadmapItem)
        .join(roadmap_item_request, roadmap_item_request.c.item_id == RoadmapItem.id)
        .where(roadmap_item_request.c.request_id == request_id)
        .options(joinedload(RoadmapItem.owner))
        .order_by(RoadmapItem.id)
        .limit(limit)
    )


def duplicates_of(request_id: int) -> sa.Select:
    return sa.select(Request).where(Request.duplicate_of_id == request_id).order_by(Request.id)
