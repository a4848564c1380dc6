"""What a product costs a year: its vendor contract (bought and hybrid
products) plus its internal run cost (built and hybrid products: the team in
full-time equivalents × the configured yearly rate, plus infrastructure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import Contract, Product, Sourcing

CENT = Decimal("0.01")


@dataclass(frozen=True)
class YearlyCost:
    contract: Decimal | None  # the contract's annual cost, when there is one
    run: Decimal | None  # team × rate + infrastructure, when either is known

    @property
    def total(self) -> Decimal | None:
        """None when nothing is known (not zero: unknown is not free)."""
        if self.contract is None and self.run is None:
            return None
        return (self.contract or Decimal(0)) + (self.run or Decimal(0))


def run_cost(
    sourcing: Sourcing,
    team_fte: Decimal | None,
    infrastructure: Decimal | None,
    fte_yearly_rate: Decimal,
) -> Decimal | None:
    """The internal run cost a year of a built or hybrid product (None when
    neither its team nor its infrastructure is recorded, or it is bought)."""
    if sourcing is Sourcing.BOUGHT or (team_fte is None and infrastructure is None):
        return None
    team = (team_fte or Decimal(0)) * fte_yearly_rate
    return (team + (infrastructure or Decimal(0))).quantize(CENT)


def yearly_costs(
    session: Session, product_ids: Iterable[int], fte_yearly_rate: Decimal
) -> dict[int, YearlyCost]:
    """Every listed product's yearly cost, in one query."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(
            Product.id,
            Product.sourcing,
            Product.team_fte,
            Product.infrastructure_cost,
            Contract.annual_cost,
        )
        .outerjoin(Contract, Contract.product_id == Product.id)
        .where(Product.id.in_(ids))
    ).all()
    return {
        product_id: YearlyCost(
            contract=annual if sourcing is not Sourcing.BUILT else None,
            run=run_cost(sourcing, fte, infrastructure, fte_yearly_rate),
        )
        for product_id, sourcing, fte, infrastructure, annual in rows
    }
