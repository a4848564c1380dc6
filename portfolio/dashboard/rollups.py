"""The leadership dashboard's numbers: plain functions over a few grouped
queries, so the page costs the same number of queries for any portfolio size
and each rollup can be checked against a hand-built fixture. What the
portfolio returns and costs (value, benefits, renewals) is in `benefits`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.catalogue.measures import MeasureStatus, status_of
from portfolio.models import (
    OPEN_STATUSES,
    Column,
    Department,
    Product,
    Request,
    RoadmapItem,
    Sourcing,
    Stage,
    SuccessMeasure,
    Usage,
    Vote,
)
from portfolio.queries import vote_count


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# Portfolio at a glance -------------------------------------------------------------


def products_by(session: Session, column) -> dict:
    rows = session.execute(sa.select(column, sa.func.count(Product.id)).group_by(column))
    return dict(rows.all())


def portfolio_at_a_glance(session: Session) -> dict:
    by_stage = products_by(session, Product.stage)
    by_sourcing = products_by(session, Product.sourcing)
    return {
        "stages": [(stage, by_stage.get(stage, 0)) for stage in Stage],
        "sourcing": [(sourcing, by_sourcing.get(sourcing, 0)) for sourcing in Sourcing],
        "total": sum(by_stage.values()),
    }


# Usage matrix ------------------------------------------------------------------------


@dataclass
class UsageMatrix:
    departments: list[Department]
    products: list[Product]
    cells: dict[tuple[int, int], int]  # (department id, product id) → users
    row_totals: dict[int, int]
    column_totals: dict[int, int]
    grand_total: int
    max_cell: int

    def users(self, department_id: int, product_id: int) -> int:
        return self.cells.get((department_id, product_id), 0)

    def shade(self, users: int) -> int:
        """0 (none) to 5 (the most-used cell), for the heat-map colour."""
        if not users or not self.max_cell:
            return 0
        return max(1, min(5, round(5 * users / self.max_cell)))


def usage_matrix(session: Session) -> UsageMatrix:
    departments = session.execute(sa.select(Department).order_by(Department.name)).scalars().all()
    products = (
        session.execute(
            sa.select(Product).where(Product.stage != Stage.RETIRED).order_by(Product.name)
        )
        .scalars()
        .all()
    )
    cells = {
        (department_id, product_id): users
        for department_id, product_id, users in session.execute(
            sa.select(Usage.department_id, Usage.product_id, Usage.users)
            .join(Product, Product.id == Usage.product_id)
            .where(Product.stage != Stage.RETIRED)
        )
    }
    row_totals: dict[int, int] = defaultdict(int)
    column_totals: dict[int, int] = defaultdict(int)
    for (department_id, product_id), users in cells.items():
        row_totals[department_id] += users
        column_totals[product_id] += users
    return UsageMatrix(
        departments=departments,
        products=products,
        cells=cells,
        row_totals=dict(row_totals),
        column_totals=dict(column_totals),
        grand_total=sum(cells.values()),
        max_cell=max(cells.values(), default=0),
    )


# Success measures -----------------------------------------------------------------------


@dataclass
class ProductMeasures:
    product: Product
    measures: list[tuple[SuccessMeasure, MeasureStatus]]

    @property
    def worst(self) -> int:
        return min((status.severity for _, status in self.measures), default=99)


def measures_worst_first(session: Session, today: date) -> list[ProductMeasures]:
    measures = (
        session.execute(
            sa.select(SuccessMeasure)
            .join(Product, Product.id == SuccessMeasure.product_id)
            .where(Product.stage != Stage.RETIRED)
            .options(selectinload(SuccessMeasure.readings), joinedload(SuccessMeasure.product))
        )
        .scalars()
        .all()
    )
    grouped: dict[int, ProductMeasures] = {}
    for measure in measures:
        entry = grouped.setdefault(measure.product_id, ProductMeasures(measure.product, []))
        entry.measures.append((measure, status_of(measure, today)))
    for entry in grouped.values():
        entry.measures.sort(key=lambda pair: (pair[1].severity, pair[0].name))
    return sorted(grouped.values(), key=lambda entry: (entry.worst, entry.product.name))


def status_totals(groups: list[ProductMeasures]) -> dict[MeasureStatus, int]:
    totals = {status: 0 for status in MeasureStatus}
    for group in groups:
        for _, status in group.measures:
            totals[status] += 1
    return totals


# Demand -------------------------------------------------------------------------------


@dataclass
class DemandRow:
    name: str
    key: int | None
    open_requests: int
    votes: int


def _demand(session: Session, group_column, name_column, join_target, join_on) -> list[DemandRow]:
    votes = (
        sa.select(Vote.request_id, sa.func.count(Vote.id).label("votes"))
        .group_by(Vote.request_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            group_column,
            name_column,
            sa.func.count(Request.id),
            sa.func.coalesce(sa.func.sum(votes.c.votes), 0),
        )
        .select_from(Request)
        .outerjoin(join_target, join_on)
        .outerjoin(votes, votes.c.request_id == Request.id)
        .where(Request.status.in_(OPEN_STATUSES))
        .group_by(group_column, name_column)
    )
    result = [
        DemandRow(name or "No department", key, count, int(vote_total))
        for key, name, count, vote_total in rows
    ]
    return sorted(result, key=lambda row: (-row.votes, -row.open_requests, row.name))


def demand_by_department(session: Session) -> list[DemandRow]:
    return _demand(
        session,
        Request.department_id,
        Department.name,
        Department,
        Department.id == Request.department_id,
    )


def demand_by_product(session: Session) -> list[DemandRow]:
    return _demand(
        session, Request.product_id, Product.name, Product, Product.id == Request.product_id
    )


def top_open_requests(session: Session, limit: int = 10) -> list[tuple[Request, int]]:
    votes = vote_count(Request.id)
    return [
        (request, count)
        for request, count in session.execute(
            sa.select(Request, votes.label("votes"))
            .where(Request.status.in_(OPEN_STATUSES))
            .options(joinedload(Request.product), joinedload(Request.department))
            .order_by(sa.desc(votes), Request.created_at)
            .limit(limit)
        )
    ]


def shipped_this_quarter(session: Session, today: date) -> list[RoadmapItem]:
    return (
        session.execute(
            sa.select(RoadmapItem)
            .where(
                RoadmapItem.column == Column.SHIPPED,
                RoadmapItem.shipped_on >= quarter_start(today),
                RoadmapItem.shipped_on <= today,
            )
            .options(joinedload(RoadmapItem.product))
            .order_by(RoadmapItem.shipped_on.desc())
        )
        .scalars()
        .all()
    )
