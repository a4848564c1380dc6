"""What the portfolio returns and costs: the expected value of shipped work,
benefits promised against delivered, and contracts coming up for renewal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.dashboard.rollups import quarter_start
from portfolio.models import (
    Column,
    Contract,
    Product,
    Reading,
    RoadmapItem,
    Sourcing,
    Stage,
    SuccessMeasure,
    Usage,
)
from portfolio.queries import Top, first_rows

RENEWAL_WINDOW_DAYS = 90


# Value delivered ---------------------------------------------------------------------


@dataclass
class ValueBucket:
    """Items of one kind (shipped this quarter…), the first of them, and
    the count and expected value of all of them (summed in SQL)."""

    label: str
    items: list[RoadmapItem] = field(default_factory=list)
    count: int = 0
    hours_per_month: float = 0.0
    cost_per_year: Decimal = Decimal("0")

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def value_delivered(session: Session, today: date, limit: int | None = None) -> list[ValueBucket]:
    """Expected value of items shipped this quarter, this year, and in Now:
    their totals, and their items (the first `limit`, latest first)."""
    shipped = sa.and_(RoadmapItem.column == Column.SHIPPED, RoadmapItem.shipped_on <= today)
    buckets = {
        "Shipped this quarter": sa.and_(shipped, RoadmapItem.shipped_on >= quarter_start(today)),
        "Shipped this year": sa.and_(shipped, RoadmapItem.shipped_on >= date(today.year, 1, 1)),
        "In Now": RoadmapItem.column == Column.NOW,
    }
    sums = []
    for condition in buckets.values():
        sums += [
            sa.func.count(sa.case((condition, RoadmapItem.id))),
            sa.func.sum(sa.case((condition, RoadmapItem.hours_saved_per_month), else_=0.0)),
            sa.func.sum(sa.case((condition, RoadmapItem.cost_saved_per_year), else_=0)),
        ]
    totals = session.execute(sa.select(*sums)).one()
    result = []
    for index, (label, condition) in enumerate(buckets.items()):
        count, hours, cost = totals[3 * index : 3 * index + 3]
        query = (
            sa.select(RoadmapItem)
            .where(condition)
            .options(joinedload(RoadmapItem.product))
            .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.rank, RoadmapItem.id)
        )
        items = session.execute(query if limit is None else query.limit(limit)).scalars().all()
        result.append(
            ValueBucket(
                label,
                list(items),
                count=count,
                hours_per_month=hours or 0.0,
                cost_per_year=Decimal(cost or 0).quantize(Decimal("0.01")),
            )
        )
    return result


# Benefits check ---------------------------------------------------------------------


MAX_SHARE = 100.0  # 10,000 %: beyond that "far more than promised" says it all


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
        """Delivered ÷ promised (1.0 = exactly as promised; negative = the wrong
        way), clamped to ±MAX_SHARE: a tiny promise must not overflow a page."""
        if self.delivered is None or not self.promised:
            return None
        share = self.delivered / self.promised
        if math.isnan(share):
            return None
        return max(-MAX_SHARE, min(MAX_SHARE, share))

    @property
    def share_percent(self) -> int | None:
        """The share as a whole percentage, finite whatever the inputs."""
        share = self.share_of_promise
        return None if share is None else round(100 * share)

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


def benefits_check(session: Session, limit: int | None = None) -> Top:
    """For shipped items that promised to move a measure: promised vs delivered
    (the latest `limit` of them)."""
    items = first_rows(
        session,
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
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc()),
        limit,
        scalars=True,
        unique=True,
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
    return Top(checks, items.total)


# Renewals ------------------------------------------------------------------------


@dataclass
class Renewal:
    product: Product
    contract: Contract
    seats_used: int

    @property
    def unused_seats(self) -> int:
        return max(self.contract.seats_bought - self.seats_used, 0)


def renewals_due(
    session: Session, today: date, days: int = RENEWAL_WINDOW_DAYS, limit: int | None = None
) -> Top:
    """Contracts of products in use renewing within `days`, soonest first (the
    first `limit`)."""
    rows = first_rows(
        session,
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
        .order_by(Contract.renewal_date, Contract.id),
        limit,
    )
    renewals = [
        Renewal(product=product, contract=contract, seats_used=int(used))
        for contract, product, used in rows
    ]
    return Top(renewals, rows.total)
