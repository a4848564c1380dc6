"""Whether a success measure is delivering, and how its values read (its
trend chart is in `catalogue/charts.py`).

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
from datetime import date

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
