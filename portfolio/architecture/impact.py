"""What sunsetting or retiring a product would affect (#18), shown before a
PM confirms the move: the products that depend on it or consume its data,
the departments using it (and their users), its open requests, its cards
not yet shipped, and its vendor contract. And, for the dashboard, the
sunsetting products that other products in use still need."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from portfolio.architecture.dependencies import top_rows
from portfolio.models import (
    OPEN_STATUSES,
    Column,
    Contract,
    Department,
    Interface,
    Product,
    ProductDependency,
    Request,
    RoadmapItem,
    Stage,
    Usage,
)
from portfolio.queries import Top, first_rows

IMPACT_ROWS = 50  # each list of the impact summary shows at most this many
# The stages of a product that still needs what it depends on: on the
# dashboard, a sunsetting product they need is unresolved.
IN_USE = (Stage.BUILDING, Stage.LIVE)
# Stages the move to which shows the impact first.
ENDING = (Stage.SUNSETTING, Stage.RETIRED)


@dataclass(frozen=True)
class Impact:
    """Everything sunsetting or retiring `product` would affect; each list
    bounded (IMPACT_ROWS) with how many there are in all."""

    product: Product
    dependants: Top  # of ProductDependency (not retired dependants), `product` loaded
    consumers: Top  # of Interface (not retired consumers), `consumer` and `owner` loaded
    departments: Top  # of Usage, the most users first, `department` loaded
    users: int  # users in every department using it
    open_requests: Top  # of Request, most votes first
    open_cards: Top  # of RoadmapItem not shipped, in board order
    contract: Contract | None

    @property
    def breaks_products(self) -> bool:
        """Other products still in the catalogue need it or its data."""
        return bool(self.dependants.total or self.consumers.total)

    @property
    def empty(self) -> bool:
        return not (
            self.breaks_products
            or self.departments.total
            or self.open_requests.total
            or self.open_cards.total
            or self.contract
        )


def impact_of_retiring(session: Session, product: Product, limit: int = IMPACT_ROWS) -> Impact:
    """What sunsetting or retiring `product` affects: six statements,
    whatever the number of rows."""
    other = aliased(Product)
    dependants = top_rows(
        session,
        sa.select(ProductDependency)
        .join(other, ProductDependency.product)
        .where(ProductDependency.depends_on_id == product.id, other.stage != Stage.RETIRED)
        .options(contains_eager(ProductDependency.product.of_type(other)))
        .order_by(sa.func.lower(other.name), ProductDependency.id),
        limit,
    )
    consumers = top_rows(
        session,
        sa.select(Interface)
        .join(other, Interface.consumer)
        .where(Interface.provider_id == product.id, other.stage != Stage.RETIRED)
        .options(contains_eager(Interface.consumer.of_type(other)), joinedload(Interface.owner))
        .order_by(sa.func.lower(other.name), sa.func.lower(Interface.data), Interface.id),
        limit,
    )
    usage_rows = session.execute(
        sa.select(Usage, sa.func.count().over(), sa.func.sum(Usage.users).over())
        .join(Usage.department)
        .where(Usage.product_id == product.id)
        .options(contains_eager(Usage.department))
        .order_by(Usage.users.desc(), sa.func.lower(Department.name), Usage.id)
        .limit(limit)
    ).all()
    requests = top_rows(
        session,
        sa.select(Request)
        .where(Request.product_id == product.id, Request.status.in_(OPEN_STATUSES))
        .order_by(Request.vote_count.desc(), Request.id.desc()),
        limit,
    )
    cards = top_rows(
        session,
        sa.select(RoadmapItem)
        .where(RoadmapItem.product_id == product.id, RoadmapItem.column != Column.SHIPPED)
        .order_by(RoadmapItem.column, RoadmapItem.rank, RoadmapItem.id),
        limit,
    )
    contract = session.execute(
        sa.select(Contract).where(Contract.product_id == product.id)
    ).scalar_one_or_none()
    return Impact(
        product=product,
        dependants=dependants,
        consumers=consumers,
        departments=Top([row[0] for row in usage_rows], usage_rows[0][1] if usage_rows else 0),
        users=int(usage_rows[0][2]) if usage_rows else 0,
        open_requests=requests,
        open_cards=cards,
        contract=contract,
    )


def moves_into_ending(product: Product, stage: Stage | str | None) -> bool:
    """Moving `product` to `stage` sunsets or retires it (a move the impact
    is shown for, and confirmed)."""
    try:
        stage = Stage(stage) if stage else None
    except ValueError:
        return False
    return stage in ENDING and stage is not product.stage and not product.is_retired


# The dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class Unresolved:
    """A sunsetting product and how many products in use still need it."""

    product: Product
    dependants: int  # products in use depending on it
    consumers: int  # products in use consuming its data

    @property
    def products(self) -> int:
        return self.dependants + self.consumers


def sunsetting_with_dependants(session: Session, limit: int) -> Top:
    """Sunsetting products that products still live or being built depend on
    or take data from, the most needed first: two statements."""
    needing = aliased(Product)
    dependants = (
        sa.select(
            ProductDependency.depends_on_id.label("product_id"),
            sa.func.count(sa.distinct(ProductDependency.product_id)).label("count"),
        )
        .join(needing, ProductDependency.product)
        .where(needing.stage.in_(IN_USE))
        .group_by(ProductDependency.depends_on_id)
        .subquery()
    )
    consumers = (
        sa.select(
            Interface.provider_id.label("product_id"),
            sa.func.count(sa.distinct(Interface.consumer_id)).label("count"),
        )
        .join(needing, Interface.consumer)
        .where(needing.stage.in_(IN_USE))
        .group_by(Interface.provider_id)
        .subquery()
    )
    dependant_count = sa.func.coalesce(dependants.c.count, 0)
    consumer_count = sa.func.coalesce(consumers.c.count, 0)
    query = (
        sa.select(Product, dependant_count, consumer_count)
        .outerjoin(dependants, dependants.c.product_id == Product.id)
        .outerjoin(consumers, consumers.c.product_id == Product.id)
        .where(Product.stage == Stage.SUNSETTING, (dependant_count + consumer_count) > 0)
        .order_by((dependant_count + consumer_count).desc(), sa.func.lower(Product.name))
    )
    found = first_rows(session, query, limit)
    return Top([Unresolved(*row) for row in found], found.total)
