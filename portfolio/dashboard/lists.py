"""The dashboard's long lists in full, a page at a time: where a list's
"…and 1,234 more — see all" leads. The dashboard itself shows only their
first rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.dashboard import rollups
from portfolio.queries import Page, paginate

PAGE_SIZE = 50


@dataclass(frozen=True)
class FullList:
    title: str
    kind: str  # "items" (shipped cards) or "demand" (DemandRows)
    query: Callable[[date], sa.Select]  # ordered by a unique key
    csv: str  # the dashboard table with the same rows


LISTS: dict[str, FullList] = {
    "shipped": FullList("Shipped this quarter", "items", rollups.shipped_query, "shipped"),
    "demand-departments": FullList(
        "Demand by department",
        "demand",
        lambda today: rollups.department_demand(),
        "demand-departments",
    ),
    "demand-products": FullList(
        "Demand by product", "demand", lambda today: rollups.product_demand(), "demand-products"
    ),
}


def list_page(session: Session, name: str, today: date, page: int) -> Page:
    """Page `page` of the list `name` (a page past the end shows the last)."""
    full = LISTS[name]
    found = paginate(session, full.query(today), page=page, per_page=PAGE_SIZE)
    if full.kind == "items":
        return replace(found, rows=[row[0] for row in found.rows])
    return replace(found, rows=[rollups.demand_row(row) for row in found.rows])
