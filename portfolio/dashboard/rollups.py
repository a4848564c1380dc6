"""The leadership dashboard's numbers: plain functions over a few grouped
queries, so the page costs the same number of queries for any portfolio size
and each rollup can be checked against a hand-built fixture. What the
portfolio returns and costs (value, benefits, renewals) is in `benefits`.

Lists take a `limit`: the page shows the first rows and how many more there
are (`queries.Top`, totals counted in SQL); the CSV downloads pass None and
get every row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
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
)
from portfolio.queries import Top, first_rows
from portfolio.requests.queries import open_in_vote_order
from portfolio.revisions import per_revision

# How much of each list the dashboard shows.
MATRIX_DEPARTMENTS = 25
MATRIX_PRODUCTS = 15
MEASURE_PRODUCTS = 20  # products whose measures are listed, worst first
LIST_ROWS = 10


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
    row_totals: dict[int, int]  # users summed over products: not people (one uses several)
    column_totals: dict[int, int]  # people using the product, across departments
    grand_total: int
    max_cell: int
    more_departments: int = 0  # departments with users that the matrix leaves out
    more_products: int = 0
    products_used: dict[int, int] = field(default_factory=dict)  # department id → products

    def users(self, department_id: int, product_id: int) -> int:
        return self.cells.get((department_id, product_id), 0)

    def share(self, department: Department, users: int) -> int | None:
        """The percentage of the department's headcount using a product,
        never above 100 (None without a headcount)."""
        if not department.headcount:
            return None
        return min(100, round(100 * users / department.headcount))

    def over_headcount(self, department: Department, users: int) -> bool:
        """More users recorded than the department has people."""
        return users > department.headcount

    def any_over_headcount(self) -> bool:
        headcounts = {department.id: department.headcount for department in self.departments}
        return any(
            users > headcounts[department_id]
            for (department_id, _), users in self.cells.items()
            if department_id in headcounts
        )

    def shade(self, users: int) -> int:
        """0 (none) to 5 (the most-used cell), for the heat-map colour."""
        if not users or not self.max_cell:
            return 0
        return max(1, min(5, round(5 * users / self.max_cell)))


def usage_matrix(
    session: Session, *, departments: int | None = None, products: int | None = None
) -> UsageMatrix:
    """Users per department and product (retired products left out): every
    department and product. Given `departments` and `products`, only those
    that have users, at most that many of each, those with the most users
    first, and how many more there are; the totals still count everyone."""
    if departments is not None and products is not None:
        return top_usage_matrix(session, departments, products)
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
    products_used: dict[int, int] = defaultdict(int)
    for (department_id, product_id), users in cells.items():
        row_totals[department_id] += users
        column_totals[product_id] += users
        products_used[department_id] += 1
    return UsageMatrix(
        departments=departments,
        products=products,
        cells=cells,
        row_totals=dict(row_totals),
        column_totals=dict(column_totals),
        grand_total=sum(cells.values()),
        max_cell=max(cells.values(), default=0),
        products_used=dict(products_used),
    )


def live_users_by(column) -> sa.Subquery:
    """Users of products not retired, per `column` of Usage (`key`, `users`,
    and `uses`: how many usages, e.g. the products a department uses)."""
    return (
        sa.select(
            column.label("key"),
            sa.func.sum(Usage.users).label("users"),
            sa.func.count(Usage.id).label("uses"),
        )
        .join(Product, Product.id == Usage.product_id)
        .where(Product.stage != Stage.RETIRED)
        .group_by(column)
        .subquery()
    )


def top_by_users(
    session: Session, model, column, limit: int
) -> tuple[list, dict[int, int], int, dict[int, int]]:
    """The `limit` rows of `model` whose usages have the most users, their
    users, how many rows have any usage (a window count: one statement), and
    their usages."""
    users = live_users_by(column)
    rows = session.execute(
        sa.select(model, users.c.users, sa.func.count().over(), users.c.uses)
        .join(users, users.c.key == model.id)
        .order_by(users.c.users.desc(), sa.func.lower(model.name), model.id)
        .limit(limit)
    ).all()
    total = rows[0][2] if rows else 0
    return (
        [row[0] for row in rows],
        {row[0].id: int(row[1]) for row in rows},
        total,
        {row[0].id: int(row[3]) for row in rows},
    )


def top_usage_matrix(session: Session, departments_limit: int, products_limit: int) -> UsageMatrix:
    departments, row_totals, department_count, products_used = top_by_users(
        session, Department, Usage.department_id, departments_limit
    )
    products, column_totals, product_count, _ = top_by_users(
        session, Product, Usage.product_id, products_limit
    )
    cells = {
        (department_id, product_id): users
        for department_id, product_id, users in session.execute(
            sa.select(Usage.department_id, Usage.product_id, Usage.users).where(
                Usage.department_id.in_([d.id for d in departments] or [-1]),
                Usage.product_id.in_([p.id for p in products] or [-1]),
            )
        )
    }
    grand_total = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Usage.users), 0))
        .join(Product, Product.id == Usage.product_id)
        .where(Product.stage != Stage.RETIRED)
    ).scalar_one()
    return UsageMatrix(
        departments=departments,
        products=products,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=int(grand_total),
        max_cell=max(cells.values(), default=0),
        more_departments=department_count - len(departments),
        more_products=product_count - len(products),
        products_used=products_used,
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


NO_DEPARTMENT = "No department"


def open_demand(group_column) -> sa.Subquery:
    """Open requests and their votes per `group_column` of Request (`key`,
    `requests`, `votes`): one grouped pass over the open requests, the votes
    summed from each request's maintained count."""
    return (
        sa.select(
            group_column.label("key"),
            sa.func.count(Request.id).label("requests"),
            sa.func.coalesce(sa.func.sum(Request.vote_count), 0).label("votes"),
        )
        .where(Request.status.in_(OPEN_STATUSES))
        .group_by(group_column)
        .subquery()
    )


def demand_query(group_column, model, name_column) -> sa.Select:
    """(key, name, open requests, votes) per group, most votes first (then
    most requests, then by name)."""
    demand = open_demand(group_column)
    return (
        sa.select(demand.c.key, name_column, demand.c.requests, demand.c.votes)
        .select_from(demand)
        .outerjoin(model, model.id == demand.c.key)
        .order_by(
            demand.c.votes.desc(),
            demand.c.requests.desc(),
            sa.func.coalesce(name_column, NO_DEPARTMENT),
            demand.c.key,
        )
    )


def demand_row(row) -> DemandRow:
    key, name, count, total = row[:4]
    return DemandRow(name or NO_DEPARTMENT, key, count, int(total))


def _demand(session: Session, query: sa.Select, limit: int | None) -> Top:
    """The first `limit` groups and how many there are, in one statement (a
    window count), or every group."""
    if limit is None:
        rows = [demand_row(row) for row in session.execute(query)]
        return Top(rows, len(rows))
    found = session.execute(query.add_columns(sa.func.count().over()).limit(limit)).all()
    return Top([demand_row(row) for row in found], found[0][-1] if found else 0)


def department_demand() -> sa.Select:
    return demand_query(Request.department_id, Department, Department.name)


def product_demand() -> sa.Select:
    return demand_query(Request.product_id, Product, Product.name)


def demand_by_department(session: Session, limit: int | None = None) -> Top:
    return per_revision(
        session,
        f"demand_by_department:{limit}",
        lambda: _demand(session, department_demand(), limit),
    )


def demand_by_product(session: Session, limit: int | None = None) -> Top:
    return per_revision(
        session, f"demand_by_product:{limit}", lambda: _demand(session, product_demand(), limit)
    )


def top_open_requests(session: Session, limit: int | None = 10) -> list[tuple[Request, int]]:
    """Open requests, most votes first: the first `limit` of the vote-count
    index read backwards (every one when `limit` is None)."""
    query = (
        sa.select(Request, Request.vote_count)
        .where(open_in_vote_order())
        .options(joinedload(Request.product), joinedload(Request.department))
        .order_by(Request.vote_count.desc(), Request.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [(request, count) for request, count in session.execute(query)]


def shipped_query(today: date) -> sa.Select:
    """Cards shipped this quarter, latest first."""
    return (
        sa.select(RoadmapItem)
        .where(
            RoadmapItem.column == Column.SHIPPED,
            RoadmapItem.shipped_on >= quarter_start(today),
            RoadmapItem.shipped_on <= today,
        )
        .options(joinedload(RoadmapItem.product))
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc())
    )


def shipped_this_quarter(session: Session, today: date, limit: int | None = None) -> Top:
    return first_rows(session, shipped_query(today), limit, scalars=True)
