"""Whether a success measure is delivering, and its trend chart.

The status rule (also in the README):

1. No reading yet → **no data**.
2. Progress = how far the latest reading has moved from the baseline toward
   the target: (latest − baseline) ÷ (target − baseline). 0 % is the baseline,
   100 % the target; it is negative when the measure moved the wrong way.
   The direction (higher/lower is better) is already in the sign of
   target − baseline, which the forms keep consistent with it.
3. Target reached (progress ≥ 100 %) → **on track**.
4. Target date passed without reaching it → **at risk** when progress is at
   least 90 %, otherwise **off track**.
5. Otherwise compare progress with the share of time elapsed between the
   baseline date and the target date ("expected"): on track when progress is
   no more than 10 points behind expected, at risk up to 30 points behind,
   off track beyond that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portfolio.forms import MAX_MAGNITUDE
from portfolio.models import UNIT_LABEL_LENGTH, Direction, Unit
from portfolio.models.base import LabelledEnum

ON_TRACK_SLACK = 0.10
AT_RISK_SLACK = 0.30
LATE_BUT_CLOSE = 0.90


class MeasureStatus(LabelledEnum):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NO_DATA = "no_data", "No data"

    @property
    def severity(self) -> int:
        """Worst first when sorting: off track, at risk, no data, on track."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER = (
    MeasureStatus.OFF_TRACK,
    MeasureStatus.AT_RISK,
    MeasureStatus.NO_DATA,
    MeasureStatus.ON_TRACK,
)


def progress(baseline: float, target: float, value: float) -> float:
    """Share of the way from baseline to target (1.0 = target reached)."""
    return (value - baseline) / (target - baseline)


def expected_progress(baseline_date: date, target_date: date, today: date) -> float:
    """Share of the time between baseline date and target date already gone."""
    total = (target_date - baseline_date).days
    if total <= 0:
        return 1.0
    elapsed = (today - baseline_date).days
    return min(max(elapsed / total, 0.0), 1.0)


def measure_status(
    *,
    baseline: float,
    target: float,
    baseline_date: date,
    target_date: date,
    latest_value: float | None,
    today: date,
) -> MeasureStatus:
    """The status of a measure from its definition and its latest reading."""
    if latest_value is None:
        return MeasureStatus.NO_DATA
    # Rounded so that floating-point noise never moves a measure across a boundary.
    done = round(progress(baseline, target, latest_value), 9)
    if done >= 1.0:
        return MeasureStatus.ON_TRACK
    if today > target_date:
        return MeasureStatus.AT_RISK if done >= LATE_BUT_CLOSE else MeasureStatus.OFF_TRACK
    behind = round(expected_progress(baseline_date, target_date, today) - done, 9)
    if behind <= ON_TRACK_SLACK:
        return MeasureStatus.ON_TRACK
    if behind <= AT_RISK_SLACK:
        return MeasureStatus.AT_RISK
    return MeasureStatus.OFF_TRACK


def status_of(measure, today: date | None = None) -> MeasureStatus:
    """measure_status() for a SuccessMeasure whose readings are loaded."""
    latest = measure.latest_reading
    return measure_status(
        baseline=measure.baseline,
        target=measure.target,
        baseline_date=measure.baseline_date,
        target_date=measure.target_date,
        latest_value=latest.value if latest else None,
        today=today or date.today(),
    )


def status_counts(measures, today: date | None = None) -> dict[MeasureStatus, int]:
    counts = {status: 0 for status in MeasureStatus}
    for measure in measures:
        counts[status_of(measure, today)] += 1
    return counts


def definition_problems(
    *,
    direction: Direction | str,
    baseline: float,
    target: float,
    baseline_date: date,
    target_date: date,
) -> dict[str, str]:
    """What is wrong with a measure's definition, by field name (empty: nothing).
    `direction` may be the raw value of a form's select, checked or not."""
    problems: dict[str, str] = {}
    if target == baseline:
        problems["target"] = "The target equals the baseline: there would be nothing to improve."
    elif direction == Direction.HIGHER and target < baseline:
        problems["target"] = "Higher is better, so the target must be above the baseline."
    elif direction == Direction.LOWER and target > baseline:
        problems["target"] = "Lower is better, so the target must be below the baseline."
    if target_date <= baseline_date:
        problems["target_date"] = "The target date must come after the baseline date."
    return problems


def unit_label_problem(unit: Unit | str, label: str | None) -> str | None:
    """An OTHER unit needs its name (at most UNIT_LABEL_LENGTH characters); the
    other units take none (the caller clears it)."""
    if unit != Unit.OTHER:
        return None
    if not label:
        return "Name the unit, e.g. tickets."
    if len(label) > UNIT_LABEL_LENGTH:
        return f"Keep the unit to {UNIT_LABEL_LENGTH} characters."
    return None


def number_text(value: float) -> str:
    """'7.5', '42', '1,200': whole numbers and values of 100 or more without decimals."""
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


def unit_suffix(unit: Unit | str, label: str | None = None) -> str:
    """What follows a number of `unit`: ' days', ' %', ' tickets' (an OTHER
    unit's `label`), or nothing (currency and counts: the number alone)."""
    unit = Unit(unit)
    if unit is Unit.PERCENT:
        return " %"
    if unit in (Unit.CURRENCY, Unit.COUNT):
        return ""
    if unit is Unit.OTHER:
        return f" {label}" if label else ""
    return f" {unit.value}"


def format_value(value: float | None, unit: Unit | str, label: str | None = None) -> str:
    """'7.5 days', '42 %', '12 minutes', '42 tickets' (OTHER with its `label`),
    '1,200' (currency and counts: the number alone)."""
    if value is None:
        return "—"
    return number_text(value) + unit_suffix(unit, label)


def format_measure_value(value: float | None, measure) -> str:
    """format_value() in a SuccessMeasure's unit (and label)."""
    return format_value(value, measure.unit, measure.unit_label)


# Far outside the range ---------------------------------------------------------


def is_far_outside(measure_or_numbers, value: float) -> bool:
    """Whether `value` lies more than the baseline–target range's width beyond
    either end of it: baseline 10, target 5 accepts [0, 15] without question.
    `measure_or_numbers` is a SuccessMeasure or a (baseline, target) pair.
    A value that is not finite is a form's problem, not this rule's: False."""
    if isinstance(measure_or_numbers, tuple | list):
        baseline, target = measure_or_numbers
    else:
        baseline, target = measure_or_numbers.baseline, measure_or_numbers.target
    if not all(math.isfinite(number) for number in (baseline, target, value)):
        return False
    low, high = min(baseline, target), max(baseline, target)
    width = high - low
    return value < low - width or value > high + width


def range_text(measure) -> str:
    """The baseline–target range of a measure, low to high: '5–10 days'."""
    low, high = sorted((measure.baseline, measure.target))
    return f"{number_text(low)}–{number_text(high)}{unit_suffix(measure.unit, measure.unit_label)}"


def outlier_warning(measure, value: float) -> str:
    """'35 days is far outside 5–10 days: is it right?'"""
    return (
        f"{format_measure_value(value, measure)} is far outside {range_text(measure)}: is it right?"
    )


# Chart -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    taken_on: date


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for a small SVG line chart, computed here, drawn by a macro."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    baseline_y: float
    target_y: float
    baseline_label: str
    target_label: str
    start_label: str
    end_label: str

    @property
    def latest_label_position(self) -> tuple[float, float, str]:
        """Where the latest value's label goes: beside the last point, on the
        side the line does not come from, and inside the frame."""
        last = self.points[-1]
        arriving_from_below = len(self.points) > 1 and self.points[-2].y > last.y
        y = last.y - 8 if arriving_from_below else last.y + 15
        if y < self.top + 10:
            y = last.y + 15
        if y > self.height - self.bottom - 2:
            y = last.y - 8
        anchor = "end" if last.x > (self.left + self.width - self.right) / 2 else "start"
        x = last.x - 6 if anchor == "end" else last.x + 6
        return x, y, anchor

    # The plotting frame, and where the axis and "no readings" labels go.
    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def side_label_x(self) -> int:
        return self.plot_right + 4

    @property
    def axis_y(self) -> int:
        return self.height - 6

    @property
    def middle(self) -> tuple[float, float]:
        return (self.plot_right + self.left) / 2, self.height / 2

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )


def trend_chart(
    *,
    baseline: float,
    target: float,
    baseline_date: date,
    target_date: date,
    readings: Sequence[tuple[date, float]],
    unit: Unit | str,
    unit_label: str | None = None,
    width: int = 380,
    height: int = 150,
    margins: tuple[int, int, int, int] = (8, 118, 12, 22),
) -> TrendChart:
    """Place readings over time, with the baseline and target as horizontal lines.

    The x axis runs from the baseline date (or the first reading, if earlier)
    to the target date (or the last reading, if later), so the chart shows
    how much time is left as well as how far the values have come.
    """
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
