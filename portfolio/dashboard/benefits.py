"""What the portfolio is expected to return and what it costs: the expected
value of shipped work (the cards' estimates, never measured: what shipped work
measurably changed is in `measured`), and contracts coming up for renewal."""

from __future__ import annotations

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
    RoadmapItem,
    Sourcing,
    Stage,
    Usage,
)
from portfolio.queries import Top, first_rows
from portfolio.revisions import per_revision

RENEWAL_WINDOW_DAYS = 90


# Expected value ---------------------------------------------------------------------


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


def expected_value(session: Session, today: date, limit: int | None = None) -> list[ValueBucket]:
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
    # A pass over every card: once per site revision (revisions.per_revision).
    totals = per_revision(
        session,
        f"expected_value:{today.isoformat()}",
        lambda: tuple(session.execute(sa.select(*sums)).one()),
    )
    result = []
    for index, (label, condition) in enumerate(buckets.items()):
        count, hours, cost = totals[3 * index : 3 * index + 3]
        # Latest shipped first, or Now in board order: each an order an index
        # keeps (board_column + shipped_on, board_column + rank), so the first
        # rows are read, not every card sorted.
        order = (
            (RoadmapItem.rank,)
            if label == "In Now"
            else (RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc())
        )
        query = (
            sa.select(RoadmapItem)
            .where(condition)
            .options(joinedload(RoadmapItem.product))
            .order_by(*order)
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
