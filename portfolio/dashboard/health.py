"""One health row per product in use: its success measures on track, at risk
and off track, its latest NPS, its open demand, its next renewal and stage.

The rows are built from what the dashboard has already loaded (the measures'
statuses, the satisfaction rollup) plus two grouped statements (products with
their renewal date; open requests and votes per product, which the dashboard
shares with its demand list), so the table costs
the same for any number of products. Sorting happens here, not in SQL: the
measures' statuses are computed in Python. `HealthSort` reads `?sort=&dir=`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portfolio.catalogue.measures import MeasureStatus
from portfolio.dashboard.rollups import DemandRow, ProductMeasures, demand_by_product
from portfolio.dashboard.satisfaction import SatisfactionRollup, Trend
from portfolio.models import Contract, Product, Stage
from portfolio.queries import Top

HEALTH_ROWS = 25
STAGE_ORDER = list(Stage)


@dataclass
class HealthRow:
    product: Product
    on_track: int
    at_risk: int
    off_track: int
    no_data: int
    nps: Trend
    open_requests: int
    votes: int
    renewal: date | None

    @property
    def measures(self) -> int:
        return self.on_track + self.at_risk + self.off_track + self.no_data


def _worst_first(row: HealthRow) -> tuple:
    score = row.nps.latest.score
    return (
        -row.off_track,
        -row.at_risk,
        score is None,  # a product with a score before one without
        score if score is not None else 0,
        -row.votes,
        -row.open_requests,
        row.product.name.lower(),
        row.product.id,
    )


# Column → (heading, first direction, the value sorted on; None sorts last).
COLUMNS: dict[str, tuple[str, str, Callable[[HealthRow], Any]]] = {
    "product": ("Product", "asc", lambda row: row.product.name.lower()),
    "off_track": ("Off track", "desc", lambda row: row.off_track),
    "at_risk": ("At risk", "desc", lambda row: row.at_risk),
    "on_track": ("On track", "desc", lambda row: row.on_track),
    "nps": ("NPS", "asc", lambda row: row.nps.latest.score),
    "open_requests": ("Open requests", "desc", lambda row: row.open_requests),
    "votes": ("Votes", "desc", lambda row: row.votes),
    "renewal": ("Next renewal", "asc", lambda row: row.renewal),
    "stage": ("Stage", "asc", lambda row: STAGE_ORDER.index(row.product.stage)),
}
WORST = "worst"


@dataclass(frozen=True)
class HealthSort:
    column: str = WORST
    direction: str = "asc"

    @classmethod
    def from_args(cls, args: MultiDict) -> HealthSort:
        column = args.get("sort") or WORST
        if column not in COLUMNS:
            return cls()
        direction = args.get("dir")
        if direction not in ("asc", "desc"):
            direction = COLUMNS[column][1]
        return cls(column, direction)

    def aria(self, column: str) -> str | None:
        """aria-sort for a column heading: only the sorted column has one."""
        if column != self.column:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    def link_args(self, column: str) -> dict[str, str]:
        """The query of a heading's link: its first direction, or the other
        direction when the table is already sorted on it."""
        if column == self.column:
            return {"sort": column, "dir": "desc" if self.direction == "asc" else "asc"}
        return {"sort": column, "dir": COLUMNS[column][1]}

    def apply(self, rows: list[HealthRow]) -> list[HealthRow]:
        rows = sorted(rows, key=_worst_first)  # the tie-break for every column
        if self.column == WORST:
            return rows
        value = COLUMNS[self.column][2]
        known = [row for row in rows if value(row) is not None]
        unknown = [row for row in rows if value(row) is None]
        known.sort(key=value, reverse=self.direction == "desc")  # stable: ties stay worst first
        return known + unknown


def health_rows(
    session: Session,
    measure_groups: list[ProductMeasures],
    satisfaction: SatisfactionRollup,
    demand: list[DemandRow] | None = None,
) -> list[HealthRow]:
    """Every product not retired, unsorted. `demand` is every product's
    (`rollups.demand_by_product`), when the caller has it already."""
    statuses: dict[int, dict[MeasureStatus, int]] = {}
    for group in measure_groups:
        counts = statuses.setdefault(group.product.id, dict.fromkeys(MeasureStatus, 0))
        for _, status in group.measures:
            counts[status] += 1
    if demand is None:
        demand = demand_by_product(session).rows
    per_product = {row.key: (row.open_requests, row.votes) for row in demand}
    rows = []
    for product, renewal in session.execute(
        sa.select(Product, Contract.renewal_date)
        .outerjoin(Contract, Contract.product_id == Product.id)
        .where(Product.stage != Stage.RETIRED)
    ):
        counts = statuses.get(product.id) or dict.fromkeys(MeasureStatus, 0)
        requests, votes = per_product.get(product.id, (0, 0))
        rows.append(
            HealthRow(
                product=product,
                on_track=counts[MeasureStatus.ON_TRACK],
                at_risk=counts[MeasureStatus.AT_RISK],
                off_track=counts[MeasureStatus.OFF_TRACK],
                no_data=counts[MeasureStatus.NO_DATA],
                nps=satisfaction.trend_of(product.id),
                open_requests=requests,
                votes=votes,
                renewal=renewal,
            )
        )
    return rows


def health_table(
    session: Session,
    measure_groups: list[ProductMeasures],
    satisfaction: SatisfactionRollup,
    sort: HealthSort,
    limit: int | None = HEALTH_ROWS,
    demand: list[DemandRow] | None = None,
) -> Top:
    rows = sort.apply(health_rows(session, measure_groups, satisfaction, demand))
    return Top(rows if limit is None else rows[:limit], len(rows))
