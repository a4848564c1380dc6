"""The dashboard's TIME quadrant: every product in use that has been
assessed, placed by its latest fit — technical fit rightwards, functional fit
upwards, 1 to 4 each — on a grid split into the four TIME quadrants.

Each product is a dot with its name beside it, in the cell of its two fits;
products sharing a cell are stacked in it by name (a fixed order, so the
drawing is the same every time), and a crowded cell ends in "+N more". The
table beside the drawing lists the same products with their fits.

Text widths come from `catalogue/svg_text.py`."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.architecture.fit import GOOD_FIT, latest_assessment_ids, time_class_condition
from portfolio.catalogue.svg_text import TextLabel, text_width
from portfolio.models import (
    MAX_FIT,
    MIN_FIT,
    FitAssessment,
    Product,
    Stage,
    TimeClass,
)

QUADRANT_PRODUCTS = 60  # drawn (and listed), alphabetically; the rest are counted
CELL_WIDTH, CELL_HEIGHT = 140, 100  # wide enough for most names
GRID_LEFT, GRID_TOP = 48, 26
LEVELS = MAX_FIT - MIN_FIT + 1
GRID_RIGHT, GRID_BOTTOM = GRID_LEFT + CELL_WIDTH * LEVELS, GRID_TOP + CELL_HEIGHT * LEVELS
WIDTH, HEIGHT = GRID_RIGHT + 10, GRID_BOTTOM + 60
FONT = 12  # quadrant and axis labels
NAME_FONT = 11  # the products' names
STEP = 15  # from one product to the next in a cell
PER_CELL = 6  # slots in a cell; a crowded one shows PER_CELL - 1 and "+N more"
DOT_RADIUS = 4
PAD = 7  # between a cell's edge and what it holds


@dataclass(frozen=True)
class QuadrantDot:
    product: Product
    fit: FitAssessment
    x: float
    y: float
    label: TextLabel

    @property
    def title(self) -> str:
        return (
            f"{self.product.name}: functional {self.fit.functional_fit}, "
            f"technical {self.fit.technical_fit} ({self.fit.time_class.label})"
        )


@dataclass(frozen=True)
class QuadrantArea:
    time: TimeClass
    x: float
    y: float
    width: float
    height: float
    label: TextLabel


@dataclass(frozen=True)
class TimeQuadrant:
    rows: list[tuple[Product, FitAssessment]]  # drawn and listed, by name
    total: int  # products in use with an assessment
    counts: dict[TimeClass, int]
    dots: list[QuadrantDot]
    more: list[TextLabel]  # "+N more" in crowded cells
    areas: list[QuadrantArea] = field(default_factory=list)
    ticks: list[TextLabel] = field(default_factory=list)
    axis_x: TextLabel | None = None
    axis_y: TextLabel | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def not_drawn(self) -> int:
        return max(self.total - len(self.rows), 0)


def cell_box(functional_fit: int, technical_fit: int) -> tuple[float, float]:
    """The top left corner of the cell of these fits."""
    return (
        GRID_LEFT + (technical_fit - MIN_FIT) * CELL_WIDTH,
        GRID_BOTTOM - (functional_fit - MIN_FIT + 1) * CELL_HEIGHT,
    )


def clipped(text: str, width: float, size: float) -> str:
    """`text`, shortened with an ellipsis to be drawn at most `width` wide."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _areas() -> list[QuadrantArea]:
    split_x = GRID_LEFT + (GOOD_FIT - MIN_FIT) * CELL_WIDTH
    split_y = GRID_BOTTOM - (GOOD_FIT - MIN_FIT) * CELL_HEIGHT
    above, below = GRID_TOP - 8, GRID_BOTTOM + 2 * FONT + 8
    spec = [
        # (time, x, y, width, height, label y): functional good above the split.
        (TimeClass.MIGRATE, GRID_LEFT, GRID_TOP, split_x - GRID_LEFT, split_y - GRID_TOP, above),
        (TimeClass.INVEST, split_x, GRID_TOP, GRID_RIGHT - split_x, split_y - GRID_TOP, above),
        (
            TimeClass.ELIMINATE,
            GRID_LEFT,
            split_y,
            split_x - GRID_LEFT,
            GRID_BOTTOM - split_y,
            below,
        ),
        (TimeClass.TOLERATE, split_x, split_y, GRID_RIGHT - split_x, GRID_BOTTOM - split_y, below),
    ]
    return [
        QuadrantArea(time, x, y, w, h, TextLabel(time.label, x + w / 2, label_y, "middle", FONT))
        for time, x, y, w, h, label_y in spec
    ]


def _ticks() -> list[TextLabel]:
    ticks = []
    for fit in range(MIN_FIT, MAX_FIT + 1):
        x, y = cell_box(fit, fit)
        ticks.append(
            TextLabel(str(fit), x + CELL_WIDTH / 2, GRID_BOTTOM + FONT + 2, "middle", FONT)
        )
        ticks.append(
            TextLabel(str(fit), GRID_LEFT - 6, y + CELL_HEIGHT / 2 + FONT * 0.35, "end", FONT)
        )
    return ticks


def draw(rows: list[tuple[Product, FitAssessment]], total: int, counts: dict) -> TimeQuadrant:
    """Place each product (rows by name) in the cell of its fits."""
    cells: dict[tuple[int, int], list[tuple[Product, FitAssessment]]] = {}
    for product, fit in rows:
        cells.setdefault((fit.functional_fit, fit.technical_fit), []).append((product, fit))
    dots, more = [], []
    for (functional, technical), crowd in sorted(cells.items()):
        left, top = cell_box(functional, technical)
        shown = crowd if len(crowd) <= PER_CELL else crowd[: PER_CELL - 1]
        for slot, (product, fit) in enumerate(shown):
            y = top + PAD + STEP / 2 + slot * STEP
            x = left + PAD + DOT_RADIUS
            name = clipped(product.name, CELL_WIDTH - 2 * PAD - 2 * DOT_RADIUS - 4, NAME_FONT)
            label = TextLabel(name, x + DOT_RADIUS + 4, y + NAME_FONT * 0.35, "start", NAME_FONT)
            dots.append(QuadrantDot(product, fit, x, y, label))
        if len(crowd) > len(shown):
            y = top + PAD + STEP / 2 + len(shown) * STEP + NAME_FONT * 0.35
            more.append(
                TextLabel(f"+{len(crowd) - len(shown)} more", left + PAD, y, "start", NAME_FONT)
            )
    return TimeQuadrant(
        rows=rows,
        total=total,
        counts=counts,
        dots=dots,
        more=more,
        areas=_areas(),
        ticks=_ticks(),
        axis_x=TextLabel(
            "Technical fit →", (GRID_LEFT + GRID_RIGHT) / 2, HEIGHT - 6, "middle", FONT
        ),
        axis_y=TextLabel("Functional fit →", 14, (GRID_TOP + GRID_BOTTOM) / 2, "middle", FONT),
    )


def time_quadrant(session: Session, limit: int = QUADRANT_PRODUCTS) -> TimeQuadrant:
    """The products in use with their latest assessment (the first `limit`
    by name) and how many are in each TIME class: two queries."""
    latest = latest_assessment_ids()
    assessed = (
        sa.select(Product, FitAssessment)
        .join(latest, latest.c.product_id == Product.id)
        .join(FitAssessment, FitAssessment.id == latest.c.id)
        .where(Product.stage != Stage.RETIRED)
    )
    rows = [
        (product, fit)
        for product, fit in session.execute(
            assessed.order_by(sa.func.lower(Product.name), Product.id).limit(limit)
        )
    ]
    kind = sa.case(
        *((time_class_condition(time), time.value) for time in TimeClass), else_=None
    ).label("kind")
    counts = {time: 0 for time in TimeClass}
    grouped = assessed.with_only_columns(kind, sa.func.count()).group_by(kind)
    for value, count in session.execute(grouped):
        counts[TimeClass(value)] = count
    return draw(rows, sum(counts.values()), counts)
