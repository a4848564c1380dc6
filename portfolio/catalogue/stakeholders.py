"""A product's stakeholder map: who is on it, adding and removing them, and
where each one sits on the power × interest grid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.catalogue import limits
from portfolio.models import Product, Stakeholder, StakeholderRole, User, Verb


def stakeholders_of(product_id: int) -> sa.Select:
    """The map's entries, most powerful and most interested first."""
    return (
        sa.select(Stakeholder)
        .where(Stakeholder.product_id == product_id)
        .options(joinedload(Stakeholder.department))
        .order_by(Stakeholder.power.desc(), Stakeholder.interest.desc(), Stakeholder.name)
    )


def _describe(entry: Stakeholder) -> str:
    return f"{entry.name} ({entry.role.label}, power {entry.power}, interest {entry.interest})"


def add_stakeholder(
    session: Session,
    actor: User,
    product: Product,
    *,
    name: str,
    department_id: int | None,
    role: StakeholderRole,
    power: int,
    interest: int,
) -> Stakeholder:
    for what, value in (("power", power), ("interest", interest)):
        if not limits.GRID_LOW <= value <= limits.GRID_HIGH:
            raise ValueError(f"{what} is from {limits.GRID_LOW} to {limits.GRID_HIGH}, not {value}")
    entry = Stakeholder(
        product=product,
        name=name,
        department_id=department_id,
        role=role,
        power=power,
        interest=interest,
    )
    session.add(entry)
    record(
        session,
        actor,
        Verb.STAKEHOLDER_ADDED,
        subject=product.name,
        product=product,
        after=_describe(entry),
    )
    return entry


def remove_stakeholder(session: Session, actor: User, entry: Stakeholder) -> None:
    record(
        session,
        actor,
        Verb.STAKEHOLDER_REMOVED,
        subject=entry.product.name,
        product=entry.product,
        before=_describe(entry),
    )
    session.delete(entry)


# The power × interest map ----------------------------------------------------------

# An SVG of MAP_WIDTH × MAP_HEIGHT: a grid of 5 × 5 cells, power upwards from
# the bottom, interest rightwards from the left, split into four quadrants;
# the quadrants' names sit above and below the grid, where no marker goes.
# Each entry is a numbered dot (its number in the legend under the map), up
# to 3 × 3 of them in a cell; a cell with more shows 7 dots and a "+N" pill.
MAP_WIDTH, MAP_HEIGHT = 340, 368
GRID_LEFT, GRID_TOP, CELL = 32, 26, 60
GRID_SIZE = CELL * limits.GRID_HIGH
GRID_BOTTOM = GRID_TOP + GRID_SIZE
MAP_FONT = 12  # every text of the map, in user units (≥ 11 px down to 312 px wide)
DOT_RADIUS, DOT_STEP = 8.5, 20
PER_CELL = 9
HIGH_FROM = 3  # power or interest from this level is high


@dataclass(frozen=True)
class MapMarker:
    """A numbered dot for one entry, or a "+N" pill for the `entries` a crowded
    cell has no room for."""

    entries: list[Stakeholder]
    number: int | None
    x: float
    y: float
    width: float = 2 * DOT_RADIUS

    @property
    def text(self) -> str:
        return str(self.number) if self.number is not None else f"+{len(self.entries)}"

    @property
    def role(self) -> str:
        return self.entries[0].role.value if self.number is not None else "more"

    @property
    def title(self) -> str:
        if self.number is not None:
            return f"{self.number}: {self.entries[0].name}"
        return "And " + ", ".join(f"{entry.name}" for entry in self.entries)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom."""
        return (
            self.x - self.width / 2,
            self.y - DOT_RADIUS,
            self.x + self.width / 2,
            self.y + DOT_RADIUS,
        )


@dataclass(frozen=True)
class MapLabel:
    text: str
    x: float
    y: float
    anchor: str = "start"


@dataclass(frozen=True)
class StakeholderMap:
    """What the stakeholder map draws; `legend` numbers the entries 1, 2, 3…"""

    legend: list[tuple[int, Stakeholder]]
    markers: list[MapMarker]
    width: int = MAP_WIDTH
    height: int = MAP_HEIGHT
    left: int = GRID_LEFT
    top: int = GRID_TOP
    size: int = GRID_SIZE
    font: int = MAP_FONT

    @property
    def split(self) -> tuple[float, float]:
        """Where the quadrants meet: levels 3 and up are high (`Stakeholder.quadrant`)."""
        low = (HIGH_FROM - limits.GRID_LOW) * CELL
        return self.left + low, self.top + self.size - low

    @property
    def quadrants(self) -> list[tuple[float, float, float, float, bool]]:
        """x, y, width, height and whether it is the "manage closely" one."""
        x, y = self.split
        right, bottom = self.left + self.size, self.top + self.size
        return [
            (self.left, self.top, x - self.left, y - self.top, False),
            (x, self.top, right - x, y - self.top, True),
            (self.left, y, x - self.left, bottom - y, False),
            (x, y, right - x, bottom - y, False),
        ]

    @property
    def quadrant_labels(self) -> list[MapLabel]:
        above, below = self.top - 7, GRID_BOTTOM + MAP_FONT + 4
        left, right = self.left + 2, self.split[0] + 2
        return [
            MapLabel("Keep satisfied", left, above),
            MapLabel("Manage closely", right, above),
            MapLabel("Monitor", left, below),
            MapLabel("Keep informed", right, below),
        ]

    @property
    def interest_label(self) -> MapLabel:
        return MapLabel("Interest →", self.left + self.size / 2, self.height - 6, "middle")

    @property
    def power_label(self) -> MapLabel:
        return MapLabel("Power →", 14, self.top + self.size / 2, "middle")


def cell_centre(power: int, interest: int) -> tuple[float, float]:
    return GRID_LEFT + (interest - 0.5) * CELL, GRID_BOTTOM - (power - 0.5) * CELL


def _offsets(count: int, columns: int) -> list[tuple[float, float]]:
    """Where `count` slots of a cell go, `columns` a row, around its middle."""
    rows = -(-count // columns)
    return [
        (
            (index % columns - (columns - 1) / 2) * DOT_STEP,
            (index // columns - (rows - 1) / 2) * DOT_STEP,
        )
        for index in range(count)
    ]


def stakeholder_map(entries: Sequence[Stakeholder]) -> StakeholderMap:
    """Number the entries in their order and place a marker for each in its cell."""
    legend = list(enumerate(entries, start=1))
    cells: dict[tuple[int, int], list[tuple[int, Stakeholder]]] = {}
    for number, entry in legend:
        cells.setdefault((entry.power, entry.interest), []).append((number, entry))
    markers: list[MapMarker] = []
    for (power, interest), crowd in cells.items():
        x, y = cell_centre(power, interest)
        columns = 1 if len(crowd) == 1 else 2 if len(crowd) <= 4 else 3
        shown = crowd if len(crowd) <= PER_CELL else crowd[: PER_CELL - 2]
        slots = _offsets(min(len(crowd), PER_CELL), columns)
        markers += [
            MapMarker([entry], number, x + dx, y + dy)
            for (number, entry), (dx, dy) in zip(shown, slots, strict=False)
        ]
        if len(crowd) > PER_CELL:
            # The last two slots of the bottom row hold the pill.
            (dx8, dy), (dx9, _) = slots[-2], slots[-1]
            markers.append(
                MapMarker(
                    [entry for _, entry in crowd[len(shown) :]],
                    None,
                    x + (dx8 + dx9) / 2,
                    y + dy,
                    width=dx9 - dx8 + 2 * DOT_RADIUS,
                )
            )
    return StakeholderMap(legend=legend, markers=markers)
