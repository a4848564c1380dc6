"""A success measure's trend chart and sparkline: the geometry, computed here and
drawn by the `trend_chart` macro (templates/macros/catalogue.html) and the
dashboard's `sparkline` macro.

The chart is an SVG whose viewBox is CHART_WIDTH × CHART_HEIGHT user units; the
page shows it at most CHART_MAX_PX wide and lets it shrink on a phone, so its
text (CHART_FONT units) stays readable at either size:

- the plot, with the readings as a line, the baseline and target as dashed
  lines, labelled "Baseline" and "Target" to the right of the plot;
- a y axis on the left with the baseline's and the target's values, and the
  unit above it ("hours", "%"; nothing for currency and counts);
- the first and last month under the plot;
- the latest value beside the last point, in the first place near it where its
  box crosses no part of the line and stays inside the plot.

Text widths and boxes come from `catalogue/svg_text.py`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from portfolio.catalogue.measures import format_value, number_text, unit_suffix
from portfolio.catalogue.svg_text import Box, TextLabel, label_in_box, text_width
from portfolio.forms import MAX_MAGNITUDE
from portfolio.models import Unit

CHART_WIDTH, CHART_HEIGHT = 360, 200
# Shown at most this wide (CSS), at least 11 px text down to a 300 px wide chart.
CHART_MAX_PX = 460
CHART_FONT = 13  # every text of the chart, in user units
LATEST_FONT = 14  # the latest value, bold
AXIS_GAP = 6  # between the plot and the labels beside it
LABEL_GAP = 5  # between the last point and its label


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    taken_on: date


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for the SVG line chart of one measure."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: list[ChartPoint]
    baseline_y: float
    target_y: float
    baseline_label: str
    target_label: str
    start_label: str
    end_label: str
    # The y axis: the baseline's and the target's values, and the unit above them.
    baseline_tick: str = ""
    target_tick: str = ""
    unit_caption: str = ""
    font: float = field(default=CHART_FONT)

    # The plotting frame -----------------------------------------------------------

    @property
    def plot_right(self) -> float:
        return self.width - self.right

    @property
    def plot_bottom(self) -> float:
        return self.height - self.bottom

    @property
    def plot_width(self) -> float:
        return self.plot_right - self.left

    @property
    def plot_height(self) -> float:
        return self.plot_bottom - self.top

    @property
    def frame(self) -> Box:
        return Box(self.left, self.top, self.plot_right, self.plot_bottom)

    @property
    def middle(self) -> tuple[float, float]:
        return (self.plot_right + self.left) / 2, (self.top + self.plot_bottom) / 2

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )

    @property
    def segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        return [
            ((a.x, a.y), (b.x, b.y)) for a, b in zip(self.points, self.points[1:], strict=False)
        ]

    # Labels ---------------------------------------------------------------------

    def _pair(self, baseline_y: float, target_y: float) -> tuple[float, float]:
        """Baselines for two labels centred on these heights, moved apart when
        they would overlap (the higher one up, the lower one down)."""
        apart = self.font + 2
        centre = 0.3 * self.font  # from a text's middle to its baseline
        b, t = baseline_y + centre, target_y + centre
        if abs(b - t) < apart:
            mid = (b + t) / 2
            upper, lower = mid - apart / 2, mid + apart / 2
            b, t = (lower, upper) if baseline_y >= target_y else (upper, lower)
        return b, t

    @property
    def reference_labels(self) -> list[TextLabel]:
        """ "Baseline" and "Target" right of the plot, the values on the y axis."""
        b, t = self._pair(self.baseline_y, self.target_y)
        right, left = self.plot_right + AXIS_GAP, self.left - AXIS_GAP
        return [
            TextLabel("Baseline", right, b, "start", self.font),
            TextLabel("Target", right, t, "start", self.font),
            TextLabel(self.baseline_tick, left, b, "end", self.font),
            TextLabel(self.target_tick, left, t, "end", self.font),
        ]

    @property
    def axis_labels(self) -> list[TextLabel]:
        """The first and last month under the plot, and the unit above the y axis."""
        y = self.height - 0.3 * self.font
        labels = [
            TextLabel(self.start_label, self.left, y, "start", self.font),
            TextLabel(self.end_label, self.plot_right, y, "end", self.font),
        ]
        if self.unit_caption:
            labels.append(TextLabel(self.unit_caption, 2, self.top - 7, "start", self.font))
        return labels

    @property
    def empty_label(self) -> TextLabel:
        x, y = self.middle
        return TextLabel("No readings yet", x, y + 0.3 * self.font, "middle", self.font)

    @cached_property
    def latest_label(self) -> TextLabel | None:
        """The latest value beside the last point: the nearest place where its
        box crosses no part of the line, covers no point and stays inside the
        plot (above the plot, at its right end, when the line leaves no room)."""
        if not self.points:
            return None
        last = self.points[-1]
        text = last.label
        if text_width(text, LATEST_FONT, bold=True) > 0.4 * self.plot_width:
            text = text.split()[0]  # the number: a long unit's name is above the y axis
        width = text_width(text, LATEST_FONT, bold=True)
        height = 1.06 * LATEST_FONT
        for box, anchor in self._candidates(last, width, height):
            if self._clear(box):
                return label_in_box(text, box, size=LATEST_FONT, bold=True, anchor=anchor)
        box = Box(self.plot_right - width, self.top - 4 - height, self.plot_right, self.top - 4)
        return label_in_box(text, box, size=LATEST_FONT, bold=True, anchor="end")

    @property
    def latest_label_position(self) -> tuple[float, float, str]:
        """x, y and anchor of the latest value's label."""
        label = self.latest_label
        assert label is not None, "a chart without readings has no latest value"
        return label.x, label.y, label.anchor

    def _candidates(
        self, last: ChartPoint, width: float, height: float
    ) -> Iterable[tuple[Box, str]]:
        """Boxes for the label, the preferred ones first: beside the point on
        either side, above or below it, then anywhere in the plot, nearest first."""
        x, y, gap = last.x, last.y, LABEL_GAP
        # Above-left and below-left first: the last point is usually near the right edge.
        yield Box(x - gap - width, y - gap - height, x - gap, y - gap), "end"
        yield Box(x - gap - width, y + gap, x - gap, y + gap + height), "end"
        yield Box(x + gap, y - gap - height, x + gap + width, y - gap), "start"
        yield Box(x + gap, y + gap, x + gap + width, y + gap + height), "start"
        yield Box(x - width / 2, y - 2 * gap - height, x + width / 2, y - 2 * gap), "start"
        yield Box(x - width / 2, y + 2 * gap, x + width / 2, y + 2 * gap + height), "start"
        yield Box(x - 2 * gap - width, y - height / 2, x - 2 * gap, y + height / 2), "end"
        yield Box(x + 2 * gap, y - height / 2, x + 2 * gap + width, y + height / 2), "start"
        frame = self.frame
        step = 4.0
        spots = [
            (frame.x0 + 1 + i * step, frame.y0 + 1 + j * step)
            for i in range(int((frame.x1 - frame.x0 - width - 2) // step) + 1)
            for j in range(int((frame.y1 - frame.y0 - height - 2) // step) + 1)
        ]
        spots.sort(key=lambda s: math.hypot(s[0] + width / 2 - x, s[1] + height / 2 - y))
        for left, top in spots:
            yield Box(left, top, left + width, top + height), "start"

    @cached_property
    def _xs(self) -> list[float]:
        return [point.x for point in self.points]

    def _clear(self, box: Box) -> bool:
        if not box.inside(self.frame.grown(-1)):
            return False
        padded = box.grown(2.5)  # the line's half width and a little air
        # Points run left to right: only those from just before the box to just
        # after it can draw a segment through it.
        first = max(bisect_left(self._xs, padded.x0 - 3) - 1, 0)
        last = min(bisect_right(self._xs, padded.x1 + 3) + 1, len(self.points))
        near = [(p.x, p.y) for p in self.points[first:last]]
        if any(padded.crosses(a, b) for a, b in zip(near, near[1:], strict=False)):
            return False
        return not any(padded.grown(3).contains(x, y) for x, y in near)


def trend_chart(
    *,
    baseline: float,
    target: float,
    baseline_date: date,
    target_date: date,
    readings: Sequence[tuple[date, float]],
    unit: Unit | str,
    unit_label: str | None = None,
    width: int = CHART_WIDTH,
    height: int = CHART_HEIGHT,
    margins: tuple[float, float, float, float] | None = None,
) -> TrendChart:
    """Place readings over time, with the baseline and target as horizontal lines.

    The x axis runs from the baseline date (or the first reading, if earlier)
    to the target date (or the last reading, if later), so the chart shows
    how much time is left as well as how far the values have come. Without
    `margins` (left, right, top, bottom) they make room for the labels.
    """
    baseline_tick, target_tick = number_text(baseline), number_text(target)
    caption = unit_suffix(unit, unit_label).strip()
    if margins is None:
        tick_width = max(text_width(baseline_tick, CHART_FONT), text_width(target_tick, CHART_FONT))
        side_width = text_width("Baseline", CHART_FONT)
        margins = (
            max(tick_width, 16) + AXIS_GAP + 2,
            side_width + AXIS_GAP + 2,
            CHART_FONT + 14,
            CHART_FONT + 10,
        )
    left, right, top, bottom = margins
    plot_width = width - left - right
    plot_height = height - top - bottom

    dates = [taken_on for taken_on, _ in readings]
    start = min([baseline_date, *dates])
    end = max([target_date, *dates])
    span_days = max((end - start).days, 1)

    # Plotted within ±MAX_MAGNITUDE (what the forms accept): a value stored
    # before the bound must not overflow the arithmetic into nan coordinates.
    values = [plottable(value) for _, value in readings] + [plottable(baseline), plottable(target)]
    low, high = min(values), max(values)
    padding = (high - low) * 0.08 or 1.0
    low, high = low - padding, high + padding

    def x_of(day: date) -> float:
        return left + plot_width * (day - start).days / span_days

    def y_of(value: float) -> float:
        return top + plot_height * (high - plottable(value)) / (high - low)

    points = [
        ChartPoint(x_of(taken_on), y_of(value), format_value(value, unit, unit_label), taken_on)
        for taken_on, value in sorted(readings)
    ]
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=points,
        baseline_y=y_of(baseline),
        target_y=y_of(target),
        baseline_label=f"Baseline {format_value(baseline, unit, unit_label)}",
        target_label=f"Target {format_value(target, unit, unit_label)}",
        start_label=start.strftime("%b %Y"),
        end_label=end.strftime("%b %Y"),
        baseline_tick=baseline_tick,
        target_tick=target_tick,
        unit_caption=caption,
    )


def plottable(value: float) -> float:
    """`value` clamped to ±MAX_MAGNITUDE (nan, which no form accepts, as 0)."""
    if math.isnan(value):
        return 0.0
    return max(-MAX_MAGNITUDE, min(MAX_MAGNITUDE, value))


def chart_for(measure, **size) -> TrendChart:
    """trend_chart() for a SuccessMeasure whose readings are loaded."""
    return trend_chart(
        baseline=measure.baseline,
        target=measure.target,
        baseline_date=measure.baseline_date,
        target_date=measure.target_date,
        readings=[(reading.taken_on, reading.value) for reading in measure.readings],
        unit=measure.unit,
        unit_label=measure.unit_label,
        **size,
    )


def sparkline_for(measure) -> TrendChart:
    """The same chart, small and without labels, for tables of many measures."""
    return chart_for(measure, width=140, height=34, margins=(2, 2, 3, 3))
