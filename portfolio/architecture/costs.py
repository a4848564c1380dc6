"""What a product costs a year: its vendor contract (bought and hybrid
products) plus its internal run cost (built and hybrid products: the team in
full-time equivalents × the configured yearly rate, plus infrastructure).

Also here: saving a product's run cost, what the cost comes to per active user
and per hour saved, and the one rule that splits an amount into shares that add
up to it to the cent (`allocate`).

Hours saved (the README says the same): a success measure in hours
(`Unit.HOURS`) saves what its latest reading has moved from its baseline in
the measure's good direction — baseline − latest when lower is better, latest −
baseline when higher is better; the same movement the measure's status counts
(`catalogue/measures.progress`). A measure in hours counts hours *per month*
unless its name says otherwise ("weekly", "per week", "quarterly", "per
quarter", "yearly", "per year", "annual"); the movement × the periods in a year
is the hours saved a year. A product's hours saved are the sum over its
measures in hours that have a reading (a measure that moved the wrong way
counts against the others); none when it has none, and no cost per hour saved
unless the sum is more than zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.catalogue.changes import changed_fields
from portfolio.models import (
    Contract,
    Direction,
    Product,
    Sourcing,
    Unit,
    User,
    Verb,
)
from portfolio.models.catalogue import MAX_TEAM_FTE, MAX_YEARLY_COST

CENT = Decimal("0.01")
NO_RUN_COST = "Only products built in-house or hybrid have an internal run cost."


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


def yearly_cost(
    sourcing: Sourcing,
    team_fte: Decimal | None,
    infrastructure: Decimal | None,
    annual_cost: Decimal | None,
    fte_yearly_rate: Decimal,
) -> YearlyCost:
    """One product's yearly cost from its numbers: a built product's stray
    contract (from before its sourcing changed) does not count."""
    return YearlyCost(
        contract=annual_cost if sourcing is not Sourcing.BUILT else None,
        run=run_cost(sourcing, team_fte, infrastructure, fte_yearly_rate),
    )


def product_yearly_cost(product: Product, fte_yearly_rate: Decimal) -> YearlyCost:
    """The yearly cost of a product whose contract is loaded."""
    contract = product.contract
    return yearly_cost(
        product.sourcing,
        product.team_fte,
        product.infrastructure_cost,
        contract.annual_cost if contract is not None else None,
        fte_yearly_rate,
    )


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
        product_id: yearly_cost(sourcing, fte, infrastructure, annual, fte_yearly_rate)
        for product_id, sourcing, fte, infrastructure, annual in rows
    }


# Saving the run cost ---------------------------------------------------------------


class NoRunCost(ValueError):
    """A run cost for a bought product, or numbers out of bounds."""


def _bounded(value: Decimal | None, maximum: int, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise NoRunCost(f"{name} must be a number.") from None
    if not value.is_finite() or not 0 <= value <= maximum:
        raise NoRunCost(f"{name} must be between 0 and {maximum:,}.")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _trail_text(team_fte: Decimal | None, infrastructure: Decimal | None) -> dict[str, str]:
    """What the trail says: the team's size, and only whether an infrastructure
    amount is recorded — the trail is read by every role, costs are not."""
    return {
        "team FTE": "—" if team_fte is None else f"{team_fte.normalize():f}",
        "infrastructure a year": "—" if infrastructure is None else "recorded",
    }


def save_run_cost(
    session: Session,
    actor: User,
    product: Product,
    team_fte: Decimal | None,
    infrastructure_cost: Decimal | None,
) -> bool:
    """Set a built or hybrid product's team (FTE, 0 to MAX_TEAM_FTE) and
    infrastructure a year (0 to MAX_YEARLY_COST), None for unknown; record
    RUN_COST_SAVED when something changed. True when it did."""
    if product.sourcing is Sourcing.BOUGHT:
        raise NoRunCost(NO_RUN_COST)
    team_fte = _bounded(team_fte, MAX_TEAM_FTE, "The team")
    infrastructure_cost = _bounded(infrastructure_cost, MAX_YEARLY_COST, "Infrastructure")
    old_fte, old_infrastructure = product.team_fte, product.infrastructure_cost
    if old_fte == team_fte and old_infrastructure == infrastructure_cost:
        return False
    product.team_fte, product.infrastructure_cost = team_fte, infrastructure_cost
    before = _trail_text(old_fte, old_infrastructure)
    after = _trail_text(team_fte, infrastructure_cost)
    if old_infrastructure != infrastructure_cost and None not in (
        old_infrastructure,
        infrastructure_cost,
    ):
        after["infrastructure a year"] = "changed"
    fields = changed_fields(before, after)
    record(
        session,
        actor,
        Verb.RUN_COST_SAVED,
        subject=product.name,
        product=product,
        before="; ".join(f"{name}: {before[name]}" for name in fields),
        after="; ".join(f"{name}: {after[name]}" for name in fields),
    )
    return True


# Per active user, per hour saved ---------------------------------------------------


def cost_per(total: Decimal | None, quantity: Decimal | float | int | None) -> Decimal | None:
    """`total` ÷ `quantity` to the cent; None when either is unknown or the
    quantity is not more than zero (no users: no cost per user, not an error)."""
    if total is None or quantity is None:
        return None
    quantity = Decimal(str(quantity)) if isinstance(quantity, float) else Decimal(quantity)
    if not quantity.is_finite() or quantity <= 0:
        return None
    return (total / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


# How many times a period comes round in a year, by the words a measure's name
# uses for it; a measure in hours that names none counts hours per month.
PERIODS = (
    (re.compile(r"\b(per|a|each|every) week\b|\bweekly\b", re.IGNORECASE), 52),
    (re.compile(r"\b(per|a|each|every) quarter\b|\bquarterly\b", re.IGNORECASE), 4),
    (re.compile(r"\b(per|a|each|every) year\b|\byearly\b|\bannual(ly)?\b", re.IGNORECASE), 1),
)
MONTHS_A_YEAR = 12


def periods_a_year(measure_name: str) -> int:
    """52 for a weekly measure, 4 quarterly, 1 yearly, else 12 (monthly)."""
    for pattern, times in PERIODS:
        if pattern.search(measure_name):
            return times
    return MONTHS_A_YEAR


def hours_saved(direction: Direction, baseline: float, latest: float) -> float:
    """The hours a measure has moved from its baseline in its good direction
    (negative when it moved the wrong way)."""
    return baseline - latest if direction is Direction.LOWER else latest - baseline


@dataclass(frozen=True)
class HoursMeasure:
    """A measure in hours and its latest reading (None: not read yet)."""

    name: str
    direction: Direction
    baseline: float
    latest: float | None


def hours_saved_a_year(measures: Iterable[HoursMeasure]) -> Decimal | None:
    """The hours a product's measures in hours save a year (see the module's
    docstring); None when none of them has a reading."""
    total, known = 0.0, False
    for measure in measures:
        if measure.latest is None:
            continue
        saved = hours_saved(measure.direction, measure.baseline, measure.latest)
        if math.isfinite(saved):
            total += saved * periods_a_year(measure.name)
            known = True
    if not known or not math.isfinite(total):
        return None
    return Decimal(str(round(total, 2))).quantize(CENT)


@dataclass(frozen=True)
class CostFigures:
    """A product's yearly cost with what it comes to per active user and per
    hour saved a year."""

    cost: YearlyCost
    active_users: int
    hours_saved: Decimal | None  # a year

    @property
    def total(self) -> Decimal | None:
        return self.cost.total

    @property
    def per_active_user(self) -> Decimal | None:
        return cost_per(self.total, self.active_users)

    @property
    def per_hour_saved(self) -> Decimal | None:
        return cost_per(self.total, self.hours_saved)


def product_cost_figures(product: Product, fte_yearly_rate: Decimal) -> CostFigures:
    """The figures of a product loaded for its page (contract, usages, measures
    with their readings): no query."""
    measures = [
        HoursMeasure(
            measure.name,
            measure.direction,
            measure.baseline,
            measure.latest_reading.value if measure.latest_reading else None,
        )
        for measure in product.measures
        if measure.unit is Unit.HOURS
    ]
    return CostFigures(
        product_yearly_cost(product, fte_yearly_rate),
        product.active_users,
        hours_saved_a_year(measures),
    )


# Splitting an amount ---------------------------------------------------------------


def allocate(total: Decimal, weights: Sequence[int | Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, to the cent, adding up to
    `total` exactly: each share is rounded down to the cent, and the cents left
    over go one each to the shares that lost the most in rounding (the earlier
    one on a tie — callers pass weights in a stable order). All weights zero (or
    none): an even split. Largest-remainder (Hamilton) apportionment."""
    if not weights:
        return []
    cents = int((total / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    parts = [Decimal(weight) for weight in weights]
    whole = sum(parts)
    if whole <= 0:
        parts, whole = [Decimal(1)] * len(parts), Decimal(len(parts))
    exact = [Decimal(cents) * part / whole for part in parts]
    shares = [int(value) for value in exact]  # exact ≥ 0: int() rounds down
    left = cents - sum(shares)
    by_loss = sorted(range(len(parts)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in by_loss[:left]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]
