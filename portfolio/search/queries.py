"""The search across products, requests, roadmap items and comments.

One statement per kind finds the rows: the header's suggestions take the first
few of each kind (and one more, to know whether there are more), the results
page one page of each kind with its count (`paginate`). Rows whose title or
name matches come first, then the newest. Matching is case-insensitive with
LIKE wildcards taken literally (`like_pattern`), on SQLite and PostgreSQL.

Comments are found by their words; a removed comment is deleted, so it is
never found. Retired products are found, marked as retired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from werkzeug.datastructures import MultiDict

from portfolio.filters import MAX_SEARCH_LENGTH, like_pattern, parse_page, search_text
from portfolio.models import (
    Column,
    Comment,
    Product,
    Request,
    RequestStatus,
    RoadmapItem,
    Stage,
    Tag,
    User,
    product_tag,
)
from portfolio.queries import Page, paginate

# kind → heading; the order is the order of the groups on the page.
KINDS = {
    "product": "Products",
    "request": "Requests",
    "item": "Roadmap items",
    "comment": "Comments",
}
SUGGESTIONS_PER_KIND = 5
RESULTS_PER_PAGE = 20
SNIPPET_LENGTH = 160


@dataclass(frozen=True)
class Hit:
    """One thing found, with what its result line shows and links to."""

    kind: str
    id: int
    title: str
    text: str
    created_at: datetime
    slug: str | None = None  # the product's (a product, or a comment on one)
    product_name: str | None = None
    retired: bool = False
    tag: str | None = None  # a product found by one of its tags
    status: RequestStatus | None = None
    column: Column | None = None
    author: str | None = None
    target_kind: str | None = None  # what a comment is on: product, request, item
    target_id: int | None = None


@dataclass(frozen=True)
class Group:
    """The hits of one kind: all of them on a page of results (`page`), or the
    first few as suggestions (`more` when there are others)."""

    kind: str
    label: str
    hits: list[Hit]
    page: Page | None = None
    more: bool = False

    @property
    def total(self) -> int | None:
        return self.page.total if self.page is not None else None


@dataclass
class SearchArgs:
    """What /search reads from its URL: the words, and a page per kind."""

    q: str = ""
    pages: dict[str, int] = field(default_factory=dict)
    shortened: bool = False

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchArgs:
        raw = (args.get("q") or "").strip()
        return cls(
            q=search_text(args),
            pages={kind: parse_page(args.get(page_param(kind))) for kind in KINDS},
            shortened=len(raw) > MAX_SEARCH_LENGTH,
        )

    def to_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"q": self.q} if self.q else {}
        args.update({page_param(kind): page for kind, page in self.pages.items() if page > 1})
        return args


def page_param(kind: str) -> str:
    return f"{kind}_page"


# The statements ----------------------------------------------------------------


def _contains(column: Any, pattern: str) -> sa.ColumnElement[bool]:
    return column.ilike(pattern, escape="\\")


def _ranked(query: sa.Select, title: Any, pattern: str, created_at: Any, key: Any) -> sa.Select:
    """Title matches first, then the newest; the id keeps the order total."""
    first = sa.case((_contains(title, pattern), 0), else_=1) if title is not None else None
    order = [created_at.desc(), key.desc()]
    return query.order_by(*([first] if first is not None else []), *order)


def product_search(pattern: str) -> sa.Select:
    matched_tag = (
        sa.select(Tag.name)
        .join(product_tag, product_tag.c.tag_id == Tag.id)
        .where(product_tag.c.product_id == Product.id, _contains(Tag.name, pattern))
        .order_by(Tag.name)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    query = sa.select(
        Product.id,
        Product.name,
        Product.summary,
        Product.created_at,
        Product.slug,
        Product.stage,
        matched_tag.label("tag"),
    ).where(
        sa.or_(
            _contains(Product.name, pattern),
            _contains(Product.summary, pattern),
            Product.tags.any(_contains(Tag.name, pattern)),
        )
    )
    return _ranked(query, Product.name, pattern, Product.created_at, Product.id)


def request_search(pattern: str) -> sa.Select:
    query = (
        sa.select(
            Request.id,
            Request.title,
            Request.description,
            Request.created_at,
            Request.status,
            Product.name.label("product_name"),
        )
        .join(Product, Request.product_id == Product.id)
        .where(sa.or_(_contains(Request.title, pattern), _contains(Request.description, pattern)))
    )
    return _ranked(query, Request.title, pattern, Request.created_at, Request.id)


def item_search(pattern: str) -> sa.Select:
    query = (
        sa.select(
            RoadmapItem.id,
            RoadmapItem.title,
            RoadmapItem.description,
            RoadmapItem.created_at,
            RoadmapItem.column,
            Product.name.label("product_name"),
        )
        .join(Product, RoadmapItem.product_id == Product.id)
        .where(
            sa.or_(
                _contains(RoadmapItem.title, pattern),
                _contains(RoadmapItem.description, pattern),
            )
        )
    )
    return _ranked(query, RoadmapItem.title, pattern, RoadmapItem.created_at, RoadmapItem.id)


def comment_search(pattern: str) -> sa.Select:
    """Comments, with the title of what they are on (one statement, outer joins)."""
    on_product = aliased(Product)
    on_request = aliased(Request)
    on_item = aliased(RoadmapItem)
    query = (
        sa.select(
            Comment.id,
            sa.func.coalesce(on_product.name, on_request.title, on_item.title, "").label("title"),
            Comment.body,
            Comment.created_at,
            on_product.slug,
            User.display_name.label("author"),
            Comment.product_id,
            Comment.request_id,
            Comment.item_id,
        )
        .outerjoin(on_product, Comment.product_id == on_product.id)
        .outerjoin(on_request, Comment.request_id == on_request.id)
        .outerjoin(on_item, Comment.item_id == on_item.id)
        .outerjoin(User, Comment.author_id == User.id)
        .where(_contains(Comment.body, pattern))
    )
    # A comment has no title of its own: the newest first.
    return _ranked(query, None, pattern, Comment.created_at, Comment.id)


STATEMENTS = {
    "product": product_search,
    "request": request_search,
    "item": item_search,
    "comment": comment_search,
}


# Rows into hits ------------------------------------------------------------------


def to_hit(kind: str, row: Any) -> Hit:
    id_, title, text, created_at, *rest = row
    hit = Hit(kind=kind, id=id_, title=title or "", text=text or "", created_at=created_at)
    if kind == "product":
        slug, stage, tag = rest
        return replace(hit, slug=slug, retired=stage == Stage.RETIRED, tag=tag)
    if kind == "request":
        status, product_name = rest
        return replace(hit, status=status, product_name=product_name)
    if kind == "item":
        column, product_name = rest
        return replace(hit, column=column, product_name=product_name)
    slug, author, product_id, request_id, item_id = rest
    target_kind, target_id = (
        ("request", request_id)
        if request_id
        else ("item", item_id)
        if item_id
        else ("product", product_id)
    )
    return replace(hit, slug=slug, author=author, target_kind=target_kind, target_id=target_id)


def suggestions(session: Session, q: str, limit: int = SUGGESTIONS_PER_KIND) -> list[Group]:
    """The first `limit` hits of each kind: one statement per kind (it asks
    for one row more, to tell whether there are more). No words, no groups."""
    if not q:
        return []
    pattern = like_pattern(q)
    groups = []
    for kind, label in KINDS.items():
        rows = session.execute(STATEMENTS[kind](pattern).limit(limit + 1)).all()
        hits = [to_hit(kind, row) for row in rows[:limit]]
        groups.append(Group(kind, label, hits, more=len(rows) > limit))
    return groups


def results(session: Session, args: SearchArgs, per_page: int = RESULTS_PER_PAGE) -> list[Group]:
    """One page of each kind with its count (each kind paged on its own)."""
    if not args.q:
        return []
    pattern = like_pattern(args.q)
    groups = []
    for kind, label in KINDS.items():
        page = paginate(
            session, STATEMENTS[kind](pattern), page=args.pages.get(kind, 1), per_page=per_page
        )
        hits = [to_hit(kind, row) for row in page.rows]
        groups.append(Group(kind, label, hits, page=replace(page, rows=hits)))
    return groups


# Snippets ------------------------------------------------------------------------


def snippet(text: str, q: str, length: int = SNIPPET_LENGTH) -> tuple[str, str, str]:
    """(before, match, after): a window of `text` around the first match of
    `q`, so a template can mark the match (and escape all three). Whitespace
    runs become one space; cut ends get an ellipsis. No match: the start."""
    text = " ".join(text.split())
    found = re.search(re.escape(q), text, re.IGNORECASE) if q else None
    if found is None:
        cut = text[:length]
        return (cut + "…" if len(text) > length else cut), "", ""
    start, end = found.span()
    # A third of the room before the match, the rest after; what one side
    # does not use goes to the other.
    left = max(start - max(length - (end - start), 0) // 3, 0)
    right = min(left + max(length, end - start), len(text))
    left = max(min(left, right - length), 0)
    before = ("…" if left > 0 else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return before, text[start:end], after
