"""A product's end of life: retiring it (when, why, what replaces it), and
what its page says about it — the retired banner, the successor of a
sunsetting product with how its departments have moved, and the products a
successor replaces.

Rules a form and the domain share (`retirement_date_problem`,
`successor_problem`) return the problem as text, or None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.models import Product, Stage, Usage, User, Verb
from portfolio.queries import Top, first_rows

# Retiring can be recorded ahead of the switch-off (a contract's end, a
# migration's deadline), which is months away at most; a year ahead is the
# limit, so that a mistyped year is caught.
RETIRE_AHEAD_DAYS = 365
# A retirement may be recorded long after the fact (a catalogue imported
# today lists products retired years ago), so the product's own creation date
# is no bound; 30 years back catches a mistyped century.
RETIRE_BEHIND_YEARS = 30
REASON_LENGTH = 500  # Product.retirement_reason
REPLACES_ROWS = 10  # "Replaces …" on a successor's page
MOVE_ROWS = 20  # departments in the "how its departments have moved" table


class AlreadyRetired(ValueError):
    """A retired product is not retired again."""


def retirement_date_problem(product: Product, day: date, today: date) -> str | None:
    """A retirement date is at most RETIRE_BEHIND_YEARS back and
    RETIRE_AHEAD_DAYS ahead."""
    earliest = date(today.year - RETIRE_BEHIND_YEARS, 1, 1)
    if day < earliest:
        return f"Choose a date from {earliest:%d %b %Y} on."
    latest = today + timedelta(days=RETIRE_AHEAD_DAYS)
    if day > latest:
        return f"Choose a date within a year from today (by {latest:%d %b %Y})."
    return None


def successor_problem(product: Product | None, successor: Product | None) -> str | None:
    """A successor is another product, still in use — or, for a product
    retired in the past, one that was still in use then (it retired on or
    after that day: a chain of replacements stays recordable)."""
    if successor is None:
        return None
    if product is not None and successor.id == product.id:
        return "A product cannot replace itself: choose another product."
    if successor.is_retired and not _replaced_before_retiring(product, successor):
        return f"{successor.name} is retired itself: choose a product still in use."
    return None


def _replaced_before_retiring(product: Product | None, successor: Product) -> bool:
    """`product` retired on or before the day its successor retired."""
    if product is None or not product.is_retired:
        return False
    if product.retired_on is None or successor.retired_on is None:
        return False
    return product.retired_on <= successor.retired_on


def retire_product(
    session: Session,
    actor: User,
    product: Product,
    *,
    reason: str,
    retired_on: date,
    successor: Product | None,
    today: date | None = None,
) -> None:
    """Retire the product on `retired_on` for `reason`, replaced by `successor`
    (or by nothing): it leaves the default list, asks for no survey and no
    sponsor, and keeps its history. Records `product_retired`."""
    if product.is_retired:
        raise AlreadyRetired(f"{product.name} is already retired.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("Say why the product is retired.")
    if len(reason) > REASON_LENGTH:
        raise ValueError(f"Keep the reason under {REASON_LENGTH} characters.")
    problem = retirement_date_problem(product, retired_on, today or date.today())
    problem = problem or successor_problem(product, successor)
    if problem:
        raise ValueError(problem)
    old_stage = product.stage
    product.stage = Stage.RETIRED
    product.retired_on, product.retirement_reason = retired_on, reason
    product.successor = successor
    after = f"retired on {retired_on:%d %b %Y}: {reason}"
    if successor is not None:
        after += f" (replaced by {successor.name})"
    record(
        session,
        actor,
        Verb.PRODUCT_RETIRED,
        subject=product.name,
        product=product,
        before=old_stage,
        after=after,
    )


def forget_retirement(product: Product) -> None:
    """A product brought back from retirement (its stage edited) is no longer
    retired since a date or for a reason; its successor stays, as a plan."""
    product.retired_on = None
    product.retirement_reason = None


# What the page shows -----------------------------------------------------------


@dataclass(frozen=True)
class DepartmentMove:
    """One department's users on the old product and on its successor (None:
    not using it)."""

    department_id: int
    name: str
    old_users: int | None
    new_users: int | None

    @property
    def moved(self) -> bool:
        return self.old_users is None and self.new_users is not None

    @property
    def on_both(self) -> bool:
        return self.old_users is not None and self.new_users is not None

    @property
    def order(self) -> tuple:
        # The work left first: still only on the old product, then on both, then moved.
        group = 2 if self.moved else 1 if self.on_both else 0
        return (group, -(self.old_users or self.new_users or 0), self.name.lower())


@dataclass(frozen=True)
class Moves:
    rows: Top  # of DepartmentMove, bounded
    moved: int
    on_both: int
    still_old: int
    old_users: int
    new_users: int


@dataclass(frozen=True)
class Lifecycle:
    product: Product
    successor: Product | None
    moves: Moves | None
    replaces: Top  # of (name, slug)

    @property
    def shown(self) -> bool:
        return bool(self.product.is_retired or self.successor or self.replaces)

    @property
    def retired_in_future(self) -> bool:
        retired_on = self.product.retired_on
        return retired_on is not None and retired_on > date.today()


def department_moves(session: Session, product: Product, successor: Product) -> Moves:
    """How the departments of `product` (its usages loaded) have moved to
    `successor`: one query for the successor's usages, whatever their number."""
    new = {
        usage.department_id: usage
        for usage in session.execute(
            sa.select(Usage)
            .where(Usage.product_id == successor.id)
            .options(joinedload(Usage.department))
        ).scalars()
    }
    old = {usage.department_id: usage for usage in product.usages}
    rows = []
    for department_id in old.keys() | new.keys():
        usage = old.get(department_id) or new[department_id]
        rows.append(
            DepartmentMove(
                department_id=department_id,
                name=usage.department.name,
                old_users=old[department_id].users if department_id in old else None,
                new_users=new[department_id].users if department_id in new else None,
            )
        )
    rows.sort(key=lambda row: row.order)
    return Moves(
        rows=Top(rows[:MOVE_ROWS], len(rows)),
        moved=sum(row.moved for row in rows),
        on_both=sum(row.on_both for row in rows),
        still_old=sum(row.new_users is None for row in rows),
        old_users=sum(usage.users for usage in old.values()),
        new_users=sum(usage.users for usage in new.values()),
    )


def lifecycle_section(session: Session, product: Product) -> dict:
    """The top of a product page (`_lifecycle.html`): the retired banner, the
    successor and its departments' moves, the products this one replaces.
    Four queries at most (the successor, its usages, the products replaced and
    their count), however many departments or products there are."""
    successor = product.successor
    moves = None
    if successor is not None and product.stage in (Stage.SUNSETTING, Stage.RETIRED):
        moves = department_moves(session, product, successor)
    replaces = first_rows(
        session,
        sa.select(Product.name, Product.slug)
        .where(Product.successor_id == product.id)
        .order_by(sa.func.lower(Product.name), Product.id),
        REPLACES_ROWS,
    )
    return {"lifecycle": Lifecycle(product, successor, moves, replaces)}
