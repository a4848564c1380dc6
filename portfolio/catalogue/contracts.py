"""The vendor contract of a bought or hybrid product: saving it, and how well
its seats are used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from portfolio.catalogue.changes import record_changes, snapshot
from portfolio.models import Contract, Product, User, Verb

CONTRACT_FIELDS = (
    "vendor",
    "annual_cost",
    "seats_bought",
    "renewal_date",
    "notice_days",
    "auto_renew",
)

# Seats used below this share of those bought are money spent for nothing;
# the seat meter is at its best from COMFORTABLE_SHARE up to every seat used.
UNDERUSED_SHARE = 0.6
COMFORTABLE_SHARE = 0.9

NO_CONTRACT_TERMS = "Only bought and hybrid products have a vendor contract."


class NoContractTerms(ValueError):
    """A contract for a product built in-house."""


def save_contract(
    session: Session,
    actor: User,
    product: Product,
    *,
    vendor: str,
    annual_cost: Decimal,
    seats_bought: int,
    renewal_date: date,
    notice_days: int | None = None,
    auto_renew: bool = False,
) -> Contract:
    if not product.has_contract_terms:
        raise NoContractTerms(NO_CONTRACT_TERMS)
    contract = product.contract
    before = snapshot(contract, CONTRACT_FIELDS)
    if contract is None:
        contract = product.contract = Contract()
    contract.vendor, contract.annual_cost = vendor, annual_cost
    contract.seats_bought, contract.renewal_date = seats_bought, renewal_date
    contract.notice_days, contract.auto_renew = notice_days, auto_renew
    after = snapshot(contract, CONTRACT_FIELDS)
    record_changes(
        session,
        actor,
        Verb.CONTRACT_SAVED,
        **without_amounts(before, after),
        subject=product.name,
        product=product,
    )
    return contract


AMOUNT_FIELDS = ("annual_cost",)


def without_amounts(before: dict, after: dict) -> dict[str, dict]:
    """The two snapshots with their amounts masked: every role reads the trail
    (and its webhooks and feeds), only some may see costs. A changed amount
    still shows as a change."""
    before, after = dict(before), dict(after)
    for name in AMOUNT_FIELDS:
        changed = before[name] != after[name]
        if before[name] is not None:
            before[name] = "an amount (not shown)"
        if after[name] is not None:
            after[name] = "a new amount (not shown)" if changed else "an amount (not shown)"
    return {"before": before, "after": after}


@dataclass(frozen=True)
class SeatUsage:
    """Seats used (people in the departments using the product) against seats bought."""

    used: int
    bought: int

    @property
    def over(self) -> int:
        """Seats used beyond those bought (0 when within the contract)."""
        return max(self.used - self.bought, 0)

    @property
    def unused(self) -> int:
        """Seats bought for nobody, counted only once fewer than UNDERUSED_SHARE
        of them are used (0 otherwise)."""
        if self.bought and self.used < self.bought * UNDERUSED_SHARE:
            return self.bought - self.used
        return 0

    # The <meter>'s bands: below `low` is underused, `optimum` is where it should be.
    @property
    def low(self) -> float:
        return self.bought * UNDERUSED_SHARE

    @property
    def optimum(self) -> float:
        return self.bought * COMFORTABLE_SHARE


def seat_usage(contract: Contract) -> SeatUsage:
    """SeatUsage for a contract whose product's usages are loaded."""
    return SeatUsage(used=contract.seats_used(), bought=contract.seats_bought)
