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

RENEWAL_WINDOW_DAYS = 90


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
