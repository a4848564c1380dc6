"""What the changelog reads: release notes of shipped roadmap items, newest
first, each with the requests it answered and their departments. Three
statements for a page (count, items, their requests), whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from portfolio.filters import parse_id_filters, parse_page
from portfolio.models import Column, Department, Product, Request, RoadmapItem, roadmap_item_request
from portfolio.queries import Page, paginate

PAGE_SIZE = 20
FEED_SIZE = 50


@dataclass
class ChangelogFilters:
    product_id: int | None = None
    department_id: int | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> ChangelogFilters:
        filters = cls()
        parse_id_filters(args, filters, {"product": "product_id", "department": "department_id"})
        filters.page = parse_page(args.get("page"))
        return filters

    def to_args(self, **changes: Any) -> dict[str, Any]:
        values = {"product": self.product_id, "department": self.department_id, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "") and (k, v) != ("page", 1)}

    def apply(self, query: sa.Select) -> sa.Select:
        if self.product_id:
            query = query.where(RoadmapItem.product_id == self.product_id)
        if self.department_id:
            # Shipped for a department: it answered a request raised from there.
            query = query.where(
                sa.exists().where(
                    roadmap_item_request.c.item_id == RoadmapItem.id,
                    roadmap_item_request.c.request_id == Request.id,
                    Request.department_id == self.department_id,
                )
            )
        return query


@dataclass(frozen=True)
class ReleaseNote:
    """A shipped item and the departments whose requests it answered."""

    item: RoadmapItem
    departments: list[Department]

    @classmethod
    def of(cls, item: RoadmapItem) -> ReleaseNote:
        departments = {r.department.id: r.department for r in item.requests if r.department}
        return cls(item, sorted(departments.values(), key=lambda d: (d.name, d.id)))


def released_items(filters: ChangelogFilters) -> sa.Select:
    """Shipped items, newest first, with their product and answered requests."""
    return filters.apply(
        sa.select(RoadmapItem)
        .where(RoadmapItem.column == Column.SHIPPED, RoadmapItem.shipped_on.is_not(None))
        .options(
            joinedload(RoadmapItem.product),
            selectinload(RoadmapItem.requests).joinedload(Request.department),
        )
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc())
    )


def changelog_page(session: Session, filters: ChangelogFilters) -> Page:
    """One page of ReleaseNotes; a page past the end shows the last one."""
    page = paginate(
        session, released_items(filters), page=filters.page, per_page=PAGE_SIZE, clamp=True
    )
    return replace(page, rows=[ReleaseNote.of(item) for (item,) in page.rows])


def latest_release_notes(
    session: Session, filters: ChangelogFilters, limit: int = FEED_SIZE
) -> list[ReleaseNote]:
    """The newest `limit` release notes, for the feed."""
    items = session.execute(released_items(filters).limit(limit)).scalars().all()
    return [ReleaseNote.of(item) for item in items]


def filter_choices(session: Session) -> dict[str, list]:
    """(id, name) of every product and department, for the filter bar."""
    return {
        "products": session.execute(
            sa.select(Product.id, Product.name).order_by(Product.name)
        ).all(),
        "departments": session.execute(
            sa.select(Department.id, Department.name).order_by(Department.name)
        ).all(),
    }
