"""The leadership dashboard's numbers: plain functions over a few grouped
queries, so the page costs the same number of queries for any portfolio size
and each rollup can be checked against a hand-built fixture."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.catalogue.measures import MeasureStatus, status_of
from portfolio.models import (
    OPEN_STATUSES,
    Column,
    Contract,
    Department,
    Product,
    Reading,
    Request,
    RoadmapItem,
    Sourcing,
    Stage,
    SuccessMeasure,
    Usage,
    Vote,
)

RENEWAL_WINDOW_DAYS = 90


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


# Value delivered ---------------------------------------------------------------------


@dataclass
class ValueBucket:
    label: str
    items: list[RoadmapItem] = field(default_factory=list)

    @property
    def hours_per_month(self) -> float:
        return sum(item.hours_saved_per_month for item in self.items)

    @property
    def cost_per_year(self) -> Decimal:
        return sum((item.cost_saved_per_year for item in self.items), Decimal("0"))


def value_delivered(session: Session, today: date) -> list[ValueBucket]:
    """Expected value of items shipped this quarter, this year, and in Now."""
    year_start = date(today.year, 1, 1)
    items = (
        session.execute(
            sa.select(RoadmapItem)
            .where(
                sa.or_(
                    RoadmapItem.column == Column.NOW,
                    sa.and_(
                        RoadmapItem.column == Column.SHIPPED, RoadmapItem.shipped_on >= year_start
                    ),
                )
            )
            .options(joinedload(RoadmapItem.product))
            .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.rank)
        )
        .scalars()
        .all()
    )
    quarter = ValueBucket("Shipped this quarter")
    year = ValueBucket("Shipped this year")
    now = ValueBucket("In Now")
    for item in items:
        if item.column is Column.NOW:
            now.items.append(item)
            continue
        if item.shipped_on and item.shipped_on <= today:
            year.items.append(item)
            if item.shipped_on >= quarter_start(today):
                quarter.items.append(item)
    return [quarter, year, now]


# Benefits check ---------------------------------------------------------------------


@dataclass
class BenefitCheck:
    item: RoadmapItem
    measure: SuccessMeasure
    promised: float
    before: float | None  # the measure's value when the item shipped
    after: float | None  # its latest reading since
    after_on: date | None

    @property
    def delivered(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def share_of_promise(self) -> float | None:
        """Delivered ÷ promised (1.0 = exactly as promised; negative = the wrong way)."""
        if self.delivered is None or not self.promised:
            return None
        return self.delivered / self.promised

    @property
    def verdict(self) -> str:
        share = self.share_of_promise
        if share is None:
            return "no reading since it shipped"
        if share >= 1:
            return "delivered"
        if share >= 0.5:
            return "partly delivered"
        if share > 0:
            return "little change"
        return "not delivered"


def benefit_value_at(readings: list[Reading], baseline: float, day: date) -> float:
    """The measure's value on `day`: the last reading on or before it, else the baseline."""
    value = baseline
    for reading in readings:
        if reading.taken_on <= day:
            value = reading.value
    return value


def benefits_check(session: Session) -> list[BenefitCheck]:
    """For shipped items that promised to move a measure: promised vs delivered."""
    items = (
        session.execute(
            sa.select(RoadmapItem)
            .where(
                RoadmapItem.column == Column.SHIPPED,
                RoadmapItem.measure_id.is_not(None),
                RoadmapItem.expected_change.is_not(None),
                RoadmapItem.shipped_on.is_not(None),
            )
            .options(
                joinedload(RoadmapItem.product),
                joinedload(RoadmapItem.measure).selectinload(SuccessMeasure.readings),
            )
            .order_by(RoadmapItem.shipped_on.desc())
        )
        .unique()
        .scalars()
        .all()
    )
    checks = []
    for item in items:
        measure = item.measure
        readings = sorted(measure.readings, key=lambda reading: reading.taken_on)
        before = benefit_value_at(readings, measure.baseline, item.shipped_on)
        later = [reading for reading in readings if reading.taken_on > item.shipped_on]
        after = later[-1] if later else None
        checks.append(
            BenefitCheck(
                item=item,
                measure=measure,
                promised=item.expected_change,
                before=before,
                after=after.value if after else None,
                after_on=after.taken_on if after else None,
            )
        )
    return checks


# Renewals ------------------------------------------------------------------------


@dataclass
class Renewal:
    product: Product
    contract: Contract
    seats_used: int

    @property
    def unused_seats(self) -> int:
        return max(self.contract.seats_bought - self.seats_used, 0)


def renewals_due(session: Session, today: date, days: int = RENEWAL_WINDOW_DAYS) -> list[Renewal]:
    rows = session.execute(
        sa.select(
            Contract,
            Product,
            sa.func.coalesce(
                sa.select(sa.func.sum(Usage.users))
                .where(Usage.product_id == Product.id)
                .correlate(Product)
                .scalar_subquery(),
                0,
            ),
        )
        .join(Product, Product.id == Contract.product_id)
        .where(
            Product.sourcing.in_([Sourcing.BOUGHT, Sourcing.HYBRID]),
            Product.stage != Stage.RETIRED,
            Contract.renewal_date >= today,
            Contract.renewal_date <= today + timedelta(days=days),
        )
        .order_by(Contract.renewal_date)
    )
    return [
        Renewal(product=product, contract=contract, seats_used=int(used))
        for contract, product, used in rows
    ]


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
    votes = (
        sa.select(sa.func.count(Vote.id))
        .where(Vote.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )
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
