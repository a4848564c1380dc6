"""The portfolio timeline: what enters and leaves service over the next
QUARTERS quarters (this one first), drawn as a Gantt-like SVG with a table of
the same facts.

A product is on it when one of its milestones falls in the window — phase-in,
live, phase-out, end of life (each the actual day when known, else the
planned one) or the vendor's end of support — or when it is entering or
leaving service across the whole window. Each row shows:

- an "entering" bar from phase-in to live and a "leaving" bar from phase-out
  to end of life, cut at the window's edges; a bar whose end is a plan is
  hatched and outlined with dashes, an actual one solid;
- a marker per milestone (a filled diamond when actual, a hollow one when
  planned) with its name under it, unless it would overlap the previous one
  (the table and the marker's tooltip always say it);
- the end of vendor support as a vertical line, and under the product's name
  a flag when it comes within a year.

Text widths come from `catalogue/svg_text.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.architecture.lifecycle_dates import (
    DATE_FIELDS,
    MILESTONES,
    SupportWarning,
    support_warning,
)
from portfolio.architecture.time_quadrant import clipped
from portfolio.catalogue.svg_text import Box, TextLabel
from portfolio.models import Product
from portfolio.queries import Top, first_rows

QUARTERS = 8
TIMELINE_PRODUCTS = 100  # drawn and listed, by name; the rest are counted
WIDTH = 960
LABEL_LEFT, PLOT_LEFT, PLOT_RIGHT = 8, 232, WIDTH - 12
HEADER = 44  # quarter names and "Today" above the rows
ROW = 40
LEGEND = 44
FONT = 13
SMALL = 11  # drawn at least 1:1 (the chart scrolls sideways on a phone): 11 px
BAR_HEIGHT = 12
DIAMOND = 6  # half the marker's width
SHORT = {
    "phase_in": "Phase-in",
    "live": "Live",
    "phase_out": "Phase-out",
    "end_of_life": "End of life",
    "end_of_support": "End of support",
}


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date  # the next quarter's first day

    @property
    def label(self) -> str:
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"


def quarters_from(today: date, count: int = QUARTERS) -> list[Quarter]:
    """This quarter and the `count` - 1 after it."""
    year, index = today.year, (today.month - 1) // 3
    quarters = []
    for _ in range(count):
        start = date(year, 3 * index + 1, 1)
        index += 1
        if index == 4:
            year, index = year + 1, 0
        quarters.append(Quarter(start, date(year, 3 * index + 1, 1)))
    return quarters


@dataclass(frozen=True)
class Milestone:
    name: str  # phase_in, live, phase_out, end_of_life
    day: date
    actual: bool

    @property
    def label(self) -> str:
        return SHORT[self.name]

    @property
    def is_support(self) -> bool:
        return self.name == "end_of_support"

    @property
    def text(self) -> str:
        if self.is_support:
            return f"End of vendor support on {self.day:%d %b %Y}"
        return f"{self.label} {'on' if self.actual else 'planned for'} {self.day:%d %b %Y}"


def milestones_of(product: Product) -> dict[str, Milestone]:
    """Each milestone of the product that has a date: the actual one when
    known, else the planned one."""
    found = {}
    for name, _ in MILESTONES:
        actual, planned = getattr(product, f"{name}_actual"), getattr(product, f"{name}_planned")
        if actual or planned:
            found[name] = Milestone(name, actual or planned, actual is not None)
    return found


@dataclass(frozen=True)
class Bar:
    kind: str  # entering, leaving
    x0: float
    x1: float
    y: float
    actual: bool
    title: str
    open_start: bool  # begins before the window
    open_end: bool  # ends after it


@dataclass(frozen=True)
class Marker:
    milestone: Milestone
    x: float
    y: float
    label: TextLabel | None  # None: no room for it

    @property
    def points(self) -> str:
        x, y = self.x, self.y
        corners = ((x, y - DIAMOND), (x + DIAMOND, y), (x, y + DIAMOND), (x - DIAMOND, y))
        return " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)


@dataclass(frozen=True)
class TimelineRow:
    product: Product
    milestones: dict[str, Milestone]
    support: SupportWarning | None  # within a year, or passed
    top: float
    name: TextLabel
    flag: TextLabel | None
    bars: list[Bar]
    markers: list[Marker]  # the milestones and the end of support in the window

    @property
    def middle(self) -> float:
        return self.top + ROW / 2 - 4

    @property
    def entering(self) -> bool:
        return any(bar.kind == "entering" for bar in self.bars)

    def date_text(self, name: str) -> str:
        """A table cell: the planned and actual days of a milestone."""
        planned = getattr(self.product, f"{name}_planned")
        actual = getattr(self.product, f"{name}_actual")
        parts = []
        if actual:
            parts.append(f"{actual:%d %b %Y}")
        if planned and planned != actual:
            parts.append(f"planned {planned:%d %b %Y}")
        return " · ".join(parts) or "—"


@dataclass(frozen=True)
class Timeline:
    today: date
    quarters: list[Quarter]
    rows: list[TimelineRow]
    total: int
    height: float
    today_x: float | None
    width: int = WIDTH
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    header: int = HEADER
    font: int = FONT
    small: int = SMALL
    bar_height: int = BAR_HEIGHT
    row_height: int = ROW

    @property
    def start(self) -> date:
        return self.quarters[0].start

    @property
    def end(self) -> date:
        return self.quarters[-1].end

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)

    def x(self, day: date) -> float:
        span = (self.end - self.start).days
        return PLOT_LEFT + (day - self.start).days / span * (PLOT_RIGHT - PLOT_LEFT)

    @property
    def columns(self) -> list[tuple[Quarter, float, float]]:
        """Each quarter with its left and right x."""
        return [(quarter, self.x(quarter.start), self.x(quarter.end)) for quarter in self.quarters]

    @property
    def rows_bottom(self) -> float:
        return HEADER + len(self.rows) * ROW

    @property
    def legend_y(self) -> float:
        return self.rows_bottom + 24

    @property
    def legend(self) -> list[tuple[str, float, TextLabel]]:
        """The key under the rows: each swatch's kind, its x, and its text."""
        items = [
            ("actual", "Actual"),
            ("planned", "Planned (hatched, dashed)"),
            ("entering", "Entering service"),
            ("leaving", "Leaving service"),
            ("support", "End of vendor support"),
        ]
        x, y, found = float(LABEL_LEFT), self.legend_y, []
        for kind, text in items:
            label = TextLabel(text, x + 22, y + 4, "start", SMALL)
            found.append((kind, x, label))
            x = label.box.x1 + 18
        return found

    @property
    def dates(self) -> list[tuple[str, str]]:
        """The table's date columns: name and heading."""
        return [(name, DATE_FIELDS[f"{name}_planned"].split(" (")[0]) for name, _ in MILESTONES]


def in_window(start: date, end: date) -> sa.ColumnElement[bool]:
    """Products with a milestone (or end of support) from `start` until
    before `end`, or entering or leaving service across the whole window."""

    def day(name: str):
        return sa.func.coalesce(
            getattr(Product, f"{name}_actual"), getattr(Product, f"{name}_planned")
        )

    def within(column) -> sa.ColumnElement[bool]:
        return sa.and_(column >= start, column < end)

    return sa.or_(
        *(within(day(name)) for name, _ in MILESTONES),
        within(Product.end_of_support),
        sa.and_(day("phase_in") < start, day("live") >= end),
        sa.and_(day("phase_out") < start, day("end_of_life") >= end),
    )


def timeline_products(session: Session, start: date, end: date, limit: int) -> Top:
    """The products on the timeline, by name: the first `limit` and how many
    there are (two queries)."""
    query = (
        sa.select(Product)
        .where(in_window(start, end))
        .options(joinedload(Product.owner))
        .order_by(sa.func.lower(Product.name), Product.id)
    )
    return first_rows(session, query, limit, scalars=True)


def _row(timeline_x, start: date, end: date, product: Product, top: float, today: date):
    milestones = milestones_of(product)
    middle = top + ROW / 2 - 4
    support = support_warning(product, today)
    name = TextLabel(
        clipped(product.name, PLOT_LEFT - LABEL_LEFT - 8, FONT),
        LABEL_LEFT,
        middle + 1,
        "start",
        FONT,
    )
    flag = None
    if support is not None:
        flag_text = "Support ended" if support.ended else "Support ends within a year"
        flag = TextLabel(f"⚠ {flag_text}", LABEL_LEFT, middle + FONT + 2, "start", SMALL)
    bars = []
    for kind, first, last in (
        ("entering", "phase_in", "live"),
        ("leaving", "phase_out", "end_of_life"),
    ):
        one, other = milestones.get(first), milestones.get(last)
        if one is None or other is None or other.day < start or one.day >= end:
            continue
        x0, x1 = timeline_x(max(one.day, start)), timeline_x(min(other.day, end))
        what = "Entering service" if kind == "entering" else "Leaving service"
        bars.append(
            Bar(
                kind,
                x0,
                max(x1, x0 + 2),
                middle - BAR_HEIGHT / 2,
                other.actual,
                f"{product.name}: {what.lower()}, {one.text.lower()} – {other.text.lower()}",
                one.day < start,
                other.day >= end,
            )
        )
    events = [m for m in milestones.values() if start <= m.day < end]
    if product.end_of_support and start <= product.end_of_support < end:
        events.append(Milestone("end_of_support", product.end_of_support, True))
    markers = []
    taken: list[Box] = []
    for milestone in sorted(events, key=lambda m: (m.day, m.name == "end_of_support")):
        x = timeline_x(milestone.day)
        label = TextLabel(milestone.label, x, middle + DIAMOND + SMALL + 2, "middle", SMALL)
        if label.box.x0 < PLOT_LEFT:
            label = TextLabel(milestone.label, PLOT_LEFT, label.y, "start", SMALL)
        elif label.box.x1 > PLOT_RIGHT:
            label = TextLabel(milestone.label, PLOT_RIGHT, label.y, "end", SMALL)
        if any(label.box.grown(2).overlaps(other) for other in taken):
            label = None
        else:
            taken.append(label.box)
        markers.append(Marker(milestone, x, middle, label))
    return TimelineRow(product, milestones, support, top, name, flag, bars, markers)


def portfolio_timeline(
    session: Session, today: date, *, quarters: int = QUARTERS, limit: int = TIMELINE_PRODUCTS
) -> Timeline:
    window = quarters_from(today, quarters)
    start, end = window[0].start, window[-1].end
    products = timeline_products(session, start, end, limit)
    frame = Timeline(
        today=today,
        quarters=window,
        rows=[],
        total=products.total,
        height=HEADER + len(products) * ROW + LEGEND,
        today_x=None,
    )
    rows = [
        _row(frame.x, start, end, product, HEADER + index * ROW, today)
        for index, product in enumerate(products)
    ]
    return replace(frame, rows=rows, today_x=frame.x(today) if start <= today < end else None)
