"""The showback: what every product costs a year, and that cost split over
the departments that use the products and the capabilities they serve — for
leaders to take to a budget meeting.

The rules (the README says the same):

- Products: every product not retired. Its total is its contract plus its run
  cost (`costs.YearlyCost`); a product with neither recorded has no total and
  is counted apart ("no cost recorded"), never as zero.
- Departments: each product's total is split over the departments using it in
  proportion to their users (`Usage.users`); a product nobody is recorded as
  using goes to "Unallocated". Capabilities: each product's total is split
  *evenly* over the capabilities it is mapped to (a product serving three
  capabilities puts a third in each: nothing is counted twice); a product
  mapped to none goes to "No capability mapped". Only the capabilities
  products are mapped to count — a parent capability is not a roll-up of its
  children here.
- Every split is to the cent and adds up to the product's total exactly
  (`costs.allocate`: shares rounded down, the cents left over to the largest
  remainders), so each table's total row is the portfolio's total.

Four queries, whatever the number of products, and only once per site
revision (`revisions.per_revision`): the page sorts and pages the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portfolio.architecture.costs import (
    CostFigures,
    HoursMeasure,
    allocate,
    hours_saved_a_year,
    yearly_cost,
)
from portfolio.models import (
    Capability,
    Contract,
    Department,
    Product,
    Reading,
    Sourcing,
    Stage,
    SuccessMeasure,
    Unit,
    Usage,
    product_capability,
)
from portfolio.revisions import per_revision

UNALLOCATED = "Unallocated (no department recorded as using it)"
NO_CAPABILITY = "No capability mapped"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ProductCost:
    id: int
    slug: str
    name: str
    sourcing: Sourcing
    team_fte: Decimal | None
    infrastructure_cost: Decimal | None
    figures: CostFigures


@dataclass(frozen=True)
class Share:
    """A department's (or capability's) part of the portfolio's cost; `id`
    None for the rows of what no department or capability takes."""

    id: int | None
    name: str
    total: Decimal
    products: int  # products contributing to it


@dataclass(frozen=True)
class Showback:
    products: list[ProductCost]  # by name
    departments: list[Share]  # highest first, Unallocated last
    capabilities: list[Share]  # highest first, No capability last
    contract_total: Decimal
    run_total: Decimal
    total: Decimal
    unknown: int  # products with no cost recorded


# Loading ---------------------------------------------------------------------------


def _running() -> sa.ColumnElement[bool]:
    return Product.stage != Stage.RETIRED


def _product_rows(session: Session) -> list[sa.Row]:
    users = (
        sa.select(sa.func.coalesce(sa.func.sum(Usage.users), 0))
        .where(Usage.product_id == Product.id)
        .correlate(Product)
        .scalar_subquery()
    )
    return session.execute(
        sa.select(
            Product.id,
            Product.slug,
            Product.name,
            Product.sourcing,
            Product.team_fte,
            Product.infrastructure_cost,
            Contract.annual_cost,
            users,
        )
        .outerjoin(Contract, Contract.product_id == Product.id)
        .where(_running())
        .order_by(Product.name, Product.id)
    ).all()


def _hours_measures(session: Session) -> dict[int, list[HoursMeasure]]:
    """Each running product's measures in hours with their latest reading."""
    latest_day = (
        sa.select(sa.func.max(Reading.taken_on))
        .where(Reading.measure_id == SuccessMeasure.id)
        .correlate(SuccessMeasure)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            SuccessMeasure.product_id,
            SuccessMeasure.name,
            SuccessMeasure.direction,
            SuccessMeasure.baseline,
            Reading.value,
        )
        .join(Product, Product.id == SuccessMeasure.product_id)
        .outerjoin(
            Reading,
            sa.and_(Reading.measure_id == SuccessMeasure.id, Reading.taken_on == latest_day),
        )
        .where(_running(), SuccessMeasure.unit == Unit.HOURS)
    )
    measures: dict[int, list[HoursMeasure]] = defaultdict(list)
    for product_id, name, direction, baseline, latest in rows:
        measures[product_id].append(HoursMeasure(name, direction, baseline, latest))
    return measures


def _usages(session: Session) -> dict[int, list[tuple[int, str, int]]]:
    """Each running product's departments with users: (id, name, users), by name."""
    rows = session.execute(
        sa.select(Usage.product_id, Department.id, Department.name, Usage.users)
        .join(Department, Department.id == Usage.department_id)
        .join(Product, Product.id == Usage.product_id)
        .where(_running(), Usage.users > 0)
        .order_by(Department.name, Department.id)
    )
    usages: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for product_id, department_id, name, users in rows:
        usages[product_id].append((department_id, name, users))
    return usages


def _capabilities(session: Session) -> dict[int, list[tuple[int, str]]]:
    """Each running product's capabilities: (id, name), by name."""
    rows = session.execute(
        sa.select(product_capability.c.product_id, Capability.id, Capability.name)
        .join(Capability, Capability.id == product_capability.c.capability_id)
        .join(Product, Product.id == product_capability.c.product_id)
        .where(_running())
        .order_by(Capability.name, Capability.id)
    )
    mapped: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for product_id, capability_id, name in rows:
        mapped[product_id].append((capability_id, name))
    return mapped


# Splitting ---------------------------------------------------------------------------


class _Tally:
    """Shares added up per key (department or capability id)."""

    def __init__(self) -> None:
        self.names: dict[int | None, str] = {}
        self.totals: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
        self.products: dict[int | None, int] = defaultdict(int)

    def add(self, key: int | None, name: str, amount: Decimal) -> None:
        self.names[key] = name
        self.totals[key] += amount
        self.products[key] += 1

    def shares(self) -> list[Share]:
        """Highest first (then by name); the row of what nobody takes last."""
        rows = [
            Share(key, self.names[key], self.totals[key], self.products[key]) for key in self.names
        ]
        return sorted(rows, key=lambda share: (share.id is None, -share.total, share.name))


def split(
    total: Decimal,
    parts: list[tuple[int, str, int | Decimal]],
    tally: _Tally,
    nobody: str,
) -> None:
    """Add `total` to `tally`, split over `parts` (id, name, weight) by weight,
    or to the `nobody` row when there are none."""
    if not parts:
        tally.add(None, nobody, total)
        return
    for (key, name, _), amount in zip(
        parts, allocate(total, [weight for _, _, weight in parts]), strict=True
    ):
        tally.add(key, name, amount)


def compute_showback(session: Session, fte_yearly_rate: Decimal) -> Showback:
    """The showback now, in four queries (see the module's docstring)."""
    hours = _hours_measures(session)
    usages = _usages(session)
    mapped = _capabilities(session)
    products: list[ProductCost] = []
    departments, capabilities = _Tally(), _Tally()
    contract_total = run_total = total = ZERO
    unknown = 0
    for id_, slug, name, sourcing, fte, infrastructure, annual, users in _product_rows(session):
        cost = yearly_cost(sourcing, fte, infrastructure, annual, fte_yearly_rate)
        figures = CostFigures(cost, int(users), hours_saved_a_year(hours.get(id_, [])))
        products.append(ProductCost(id_, slug, name, sourcing, fte, infrastructure, figures))
        if cost.total is None:
            unknown += 1
            continue
        contract_total += cost.contract or ZERO
        run_total += cost.run or ZERO
        total += cost.total
        split(cost.total, usages.get(id_, []), departments, UNALLOCATED)
        split(
            cost.total,
            [(key, label, 1) for key, label in mapped.get(id_, [])],
            capabilities,
            NO_CAPABILITY,
        )
    return Showback(
        products=products,
        departments=departments.shares(),
        capabilities=capabilities.shares(),
        contract_total=contract_total,
        run_total=run_total,
        total=total,
        unknown=unknown,
    )


def showback(session: Session, fte_yearly_rate: Decimal) -> Showback:
    """`compute_showback`, once per site revision and rate in this process."""
    return per_revision(
        session,
        f"showback:{fte_yearly_rate}",
        lambda: compute_showback(session, fte_yearly_rate),
    )


# Sorting the products ------------------------------------------------------------------

# column → (heading, first direction, the value sorted on)
COLUMNS: dict[str, tuple[str, str, Callable[[ProductCost], object]]] = {
    "name": ("Product", "asc", lambda row: row.name.casefold()),
    "contract": ("Contract a year", "desc", lambda row: row.figures.cost.contract),
    "run": ("Run cost a year", "desc", lambda row: row.figures.cost.run),
    "total": ("Total a year", "desc", lambda row: row.figures.total),
    "per_user": ("Per active user", "desc", lambda row: row.figures.per_active_user),
    "per_hour": ("Per hour saved", "desc", lambda row: row.figures.per_hour_saved),
}
DEFAULT_SORT = "total"


@dataclass(frozen=True)
class CostSort:
    column: str = DEFAULT_SORT
    direction: str = "desc"

    @classmethod
    def from_args(cls, args: MultiDict) -> CostSort:
        column = args.get("sort") or DEFAULT_SORT
        if column not in COLUMNS:
            return cls()
        direction = args.get("dir")
        if direction not in ("asc", "desc"):
            direction = COLUMNS[column][1]
        return cls(column, direction)

    def aria(self, column: str) -> str | None:
        if column != self.column:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    def link_args(self, column: str) -> dict[str, str]:
        if column == self.column:
            return {"sort": column, "dir": "desc" if self.direction == "asc" else "asc"}
        return {"sort": column, "dir": COLUMNS[column][1]}

    def apply(self, rows: Iterable[ProductCost]) -> list[ProductCost]:
        """Sorted on the column; products without that figure last, by name."""
        value = COLUMNS[self.column][2]
        rows = list(rows)  # already by name: the tie-break
        known = [row for row in rows if value(row) is not None]
        unknown = [row for row in rows if value(row) is None]
        known.sort(key=value, reverse=self.direction == "desc")
        return known + unknown


# The downloads ---------------------------------------------------------------------------


def products_table(result: Showback) -> list[list]:
    rows: list[list] = [
        [
            "product",
            "sourcing",
            "team_fte",
            "infrastructure_a_year",
            "contract_a_year",
            "run_a_year",
            "total_a_year",
            "active_users",
            "hours_saved_a_year",
            "cost_per_active_user",
            "cost_per_hour_saved",
        ]
    ]
    for row in result.products:
        figures = row.figures
        rows.append(
            [
                row.name,
                row.sourcing.label,
                row.team_fte,
                row.infrastructure_cost,
                figures.cost.contract,
                figures.cost.run,
                figures.total,
                figures.active_users,
                figures.hours_saved,
                figures.per_active_user,
                figures.per_hour_saved,
            ]
        )
    rows.append(
        ["Total", "", "", "", result.contract_total, result.run_total, result.total, "", "", "", ""]
    )
    return rows


def _shares_table(heading: str, shares: list[Share], total: Decimal) -> list[list]:
    rows: list[list] = [[heading, "products", "cost_a_year"]]
    rows += [[share.name, share.products, share.total] for share in shares]
    rows.append(["Total", "", total])
    return rows


def departments_table(result: Showback) -> list[list]:
    return _shares_table("department", result.departments, result.total)


def capabilities_table(result: Showback) -> list[list]:
    return _shares_table("capability", result.capabilities, result.total)


TABLES: dict[str, tuple[str, Callable[[Showback], list[list]]]] = {
    "products": ("Cost per product", products_table),
    "departments": ("Cost per department", departments_table),
    "capabilities": ("Cost per capability", capabilities_table),
}
