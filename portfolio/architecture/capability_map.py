"""The capability map: every capability with the products that serve it,
each product shaded by a lens (stage, TIME, measures, yearly cost); which
capabilities several live products serve (consolidation candidates) and
which no live product serves (gaps).

Rules:

- "Live" means Stage.LIVE. A sunsetting product is on its way out — its
  replacement is already decided — so it makes no capability a candidate
  for consolidation, and a capability served only by sunsetting (or only by
  planned) products is a gap.
- A gap is a capability with no sub-capabilities and no live product: a
  parent is covered through its children, and flagged only as a candidate.
- Retired products are left off the map: they serve nothing any more.

The map costs the same few queries for any number of capabilities and
products: the tree, the counts per capability, the first CHIPS_PER_CELL
products of each (a window function), and the chosen lens's facts for those.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portfolio.architecture.capabilities import MAX_CAPABILITIES, CapabilityTree, load_tree
from portfolio.architecture.costs import yearly_costs
from portfolio.architecture.fit import latest_fits
from portfolio.catalogue.measures import MeasureStatus, status_of
from portfolio.models import (
    Capability,
    Product,
    Stage,
    SuccessMeasure,
    TimeClass,
    product_capability,
)
from portfolio.queries import Top

CHIPS_PER_CELL = 8  # products drawn in one capability; "+N more" says the rest
FLAGGED_LISTED = 25  # capabilities listed in the summary's candidates and gaps
CONSOLIDATION_AT = 2  # live products serving one capability
SHOWN_STAGES = tuple(stage for stage in Stage if stage is not Stage.RETIRED)


class Lens(enum.StrEnum):
    STAGE = "stage"
    TIME = "time"
    MEASURES = "measures"
    COST = "cost"

    @property
    def label(self) -> str:
        return LENS_LABELS[self]


LENS_LABELS = {
    Lens.STAGE: "Lifecycle stage",
    Lens.TIME: "TIME (from the latest fit assessment)",
    Lens.MEASURES: "Success measures",
    Lens.COST: "Yearly cost",
}
DEFAULT_LENS = Lens.STAGE


def lenses_for(may_see_costs: bool) -> list[Lens]:
    return [lens for lens in Lens if may_see_costs or lens is not Lens.COST]


def lens_from(value: str | None, may_see_costs: bool) -> Lens:
    """The lens asked for, or the default one (also for a lens the viewer may
    not use: the cost lens without "view_costs")."""
    try:
        lens = Lens(value or DEFAULT_LENS)
    except ValueError:
        return DEFAULT_LENS
    return lens if lens in lenses_for(may_see_costs) else DEFAULT_LENS


@dataclass(frozen=True)
class Shade:
    """One value a lens shows: its key (a CSS class `tone-<tone>`) and its words."""

    key: str
    label: str
    tone: str


# Each lens's shades, in legend order.
STAGE_SHADES = {
    Stage.IDEA: Shade("idea", "Idea", "neutral"),
    Stage.DISCOVERY: Shade("discovery", "Discovery", "violet"),
    Stage.BUILDING: Shade("building", "Building", "blue"),
    Stage.LIVE: Shade("live", "Live", "green"),
    Stage.SUNSETTING: Shade("sunsetting", "Sunsetting", "amber"),
}
TIME_SHADES = {
    TimeClass.INVEST: Shade("invest", "Invest", "green"),
    TimeClass.TOLERATE: Shade("tolerate", "Tolerate", "sky"),
    TimeClass.MIGRATE: Shade("migrate", "Migrate", "amber"),
    TimeClass.ELIMINATE: Shade("eliminate", "Eliminate", "red"),
    None: Shade("unassessed", "Not assessed", "neutral"),
}
MEASURE_SHADES = {
    MeasureStatus.ON_TRACK: Shade("on_track", "On track", "green"),
    MeasureStatus.AT_RISK: Shade("at_risk", "At risk", "amber"),
    MeasureStatus.OFF_TRACK: Shade("off_track", "Off track", "red"),
    MeasureStatus.NO_DATA: Shade("no_data", "No data", "grey"),
    None: Shade("no_measures", "No measures", "neutral"),
}
# Yearly cost: (upper bound, shade); the last bucket has no bound.
COST_BUCKETS: tuple[tuple[Decimal | None, Shade], ...] = (
    (Decimal(10_000), Shade("cost-1", "Under 10k a year", "heat-1")),
    (Decimal(100_000), Shade("cost-2", "10k–100k a year", "heat-2")),
    (Decimal(1_000_000), Shade("cost-3", "100k–1M a year", "heat-3")),
    (None, Shade("cost-4", "Over 1M a year", "heat-4")),
)
COST_UNKNOWN = Shade("cost-unknown", "Cost unknown", "neutral")


def cost_shade(total: Decimal | None) -> Shade:
    if total is None:
        return COST_UNKNOWN
    for bound, shade in COST_BUCKETS:
        if bound is None or total < bound:
            return shade
    raise AssertionError("the last bucket has no bound")


def legend(lens: Lens) -> list[Shade]:
    if lens is Lens.STAGE:
        return list(STAGE_SHADES.values())
    if lens is Lens.TIME:
        return list(TIME_SHADES.values())
    if lens is Lens.MEASURES:
        return list(MEASURE_SHADES.values())
    return [shade for _, shade in COST_BUCKETS] + [COST_UNKNOWN]


def product_measure_status(measures: Iterable[SuccessMeasure], today: date) -> MeasureStatus | None:
    """A product's measure status as the dashboard ranks it: its worst
    measure's (off track, at risk, no data, on track); None without measures."""
    statuses = [status_of(measure, today) for measure in measures]
    return min(statuses, key=lambda status: status.severity, default=None)


def shades_for(
    session: Session,
    lens: Lens,
    products: dict[int, Stage],
    *,
    today: date,
    fte_yearly_rate: Decimal,
) -> dict[int, Shade]:
    """Each product's shade under `lens`, in at most two queries."""
    ids = list(products)
    if lens is Lens.STAGE:
        return {key: STAGE_SHADES[stage] for key, stage in products.items()}
    if lens is Lens.TIME:
        fits = latest_fits(session, ids)
        return {key: TIME_SHADES[fits[key].time_class if key in fits else None] for key in products}
    if lens is Lens.MEASURES:
        measures: dict[int, list[SuccessMeasure]] = {key: [] for key in products}
        if ids:
            rows = session.execute(
                sa.select(SuccessMeasure)
                .where(SuccessMeasure.product_id.in_(ids))
                .options(selectinload(SuccessMeasure.readings))
            ).scalars()
            for measure in rows:
                measures[measure.product_id].append(measure)
        return {
            key: MEASURE_SHADES[product_measure_status(found, today)]
            for key, found in measures.items()
        }
    costs = yearly_costs(session, ids, fte_yearly_rate)
    return {key: cost_shade(costs[key].total if key in costs else None) for key in products}


@dataclass(frozen=True)
class Chip:
    product_id: int
    name: str
    slug: str
    stage: Stage
    shade: Shade


@dataclass
class Cell:
    capability: Capability
    depth: int
    chips: list[Chip] = field(default_factory=list)
    total: int = 0  # products (not retired) serving it
    live: int = 0
    children: list[Cell] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.chips)

    @property
    def is_candidate(self) -> bool:
        return self.live >= CONSOLIDATION_AT

    @property
    def is_gap(self) -> bool:
        return self.live == 0 and not self.children


@dataclass
class CapabilityMap:
    lens: Lens
    columns: list[Cell]  # the top-level capabilities, their children inside
    legend: list[Shade]
    candidates: Top  # of Cell
    gaps: Top  # of Cell
    more_capabilities: int  # beyond MAX_CAPABILITIES, not drawn
    capability_count: int

    @property
    def empty(self) -> bool:
        return not self.columns


def _counts(session: Session) -> dict[int, tuple[int, int]]:
    """capability id → (products not retired, live products)."""
    rows = session.execute(
        sa.select(
            product_capability.c.capability_id,
            sa.func.count(),
            sa.func.count(sa.case((Product.stage == Stage.LIVE, 1))),
        )
        .join(Product, Product.id == product_capability.c.product_id)
        .where(Product.stage != Stage.RETIRED)
        .group_by(product_capability.c.capability_id)
    ).all()
    return {key: (total, live) for key, total, live in rows}


def _first_products(session: Session, per_cell: int) -> list[tuple[int, int, str, str, Stage]]:
    """(capability id, product id, name, slug, stage): each capability's first
    `per_cell` products — live ones first, then by name."""
    place = (
        sa.func.row_number()
        .over(
            partition_by=product_capability.c.capability_id,
            order_by=(
                sa.case((Product.stage == Stage.LIVE, 0), else_=1),
                sa.func.lower(Product.name),
                Product.id,
            ),
        )
        .label("place")
    )
    ranked = (
        sa.select(
            product_capability.c.capability_id,
            Product.id.label("product_id"),
            Product.name,
            Product.slug,
            Product.stage,
            place,
        )
        .join(Product, Product.id == product_capability.c.product_id)
        .where(Product.stage != Stage.RETIRED)
        .subquery()
    )
    return [
        tuple(row)
        for row in session.execute(
            sa.select(
                ranked.c.capability_id,
                ranked.c.product_id,
                ranked.c.name,
                ranked.c.slug,
                ranked.c.stage,
            )
            .where(ranked.c.place <= per_cell)
            .order_by(ranked.c.capability_id, ranked.c.place)
        ).all()
    ]


def capability_map(
    session: Session,
    lens: Lens,
    *,
    today: date,
    fte_yearly_rate: Decimal,
    per_cell: int = CHIPS_PER_CELL,
    listed: int = FLAGGED_LISTED,
) -> CapabilityMap:
    tree: CapabilityTree = load_tree(session, MAX_CAPABILITIES)
    counts = _counts(session)
    first = _first_products(session, per_cell)
    stages = {product_id: Stage(stage) for _, product_id, _, _, stage in first}
    shades = shades_for(session, lens, stages, today=today, fte_yearly_rate=fte_yearly_rate)
    chips: dict[int, list[Chip]] = {}
    for capability_id, product_id, name, slug, stage in first:
        chips.setdefault(capability_id, []).append(
            Chip(product_id, name, slug, Stage(stage), shades[product_id])
        )

    def cell(node: Capability, depth: int) -> Cell:
        total, live = counts.get(node.id, (0, 0))
        return Cell(
            capability=node,
            depth=depth,
            chips=chips.get(node.id, []),
            total=total,
            live=live,
            children=[cell(child, depth + 1) for child in tree.children_of(node.id)],
        )

    columns = [cell(root, 1) for root in tree.roots]
    every = [found for column in columns for found in _walk(column)]
    candidates = [found for found in every if found.is_candidate]
    gaps = [found for found in every if found.is_gap]
    return CapabilityMap(
        lens=lens,
        columns=columns,
        legend=legend(lens),
        candidates=Top(candidates[:listed], len(candidates)),
        gaps=Top(gaps[:listed], len(gaps)),
        more_capabilities=tree.more,
        capability_count=len(every),
    )


def _walk(cell: Cell) -> Iterable[Cell]:
    yield cell
    for child in cell.children:
        yield from _walk(child)
