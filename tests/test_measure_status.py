"""The success-measure status rule (portfolio/catalogue/measures.py), table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.catalogue.charts import trend_chart
from portfolio.catalogue.measures import (
    MeasureStatus,
    definition_problems,
    measure_status,
    status_of,
)

ON, RISK, OFF, NONE = (
    MeasureStatus.ON_TRACK,
    MeasureStatus.AT_RISK,
    MeasureStatus.OFF_TRACK,
    MeasureStatus.NO_DATA,
)
START, END = date(2026, 1, 1), date(2026, 4, 11)  # a 100-day window
HALF_WAY = date(2026, 2, 20)  # day 50: 50 % of the time gone

HIGHER = {"baseline": 40.0, "target": 80.0}  # 1 point of progress = 0.4
LOWER = {"baseline": 10.0, "target": 4.0}  # 1 point of progress = -0.06


def value_at(kind: dict, progress: float) -> float:
    return kind["baseline"] + (kind["target"] - kind["baseline"]) * progress


CASES = [
    # (progress of the latest reading, today, expected)
    (None, HALF_WAY, NONE),
    (1.0, HALF_WAY, ON),  # target reached
    (1.2, date(2026, 6, 1), ON),  # exceeded, even after the target date
    (0.50, HALF_WAY, ON),  # exactly on schedule
    (0.40, HALF_WAY, ON),  # 10 points behind: still on track
    (0.30, HALF_WAY, RISK),  # 20 points behind
    (0.20, HALF_WAY, RISK),  # 30 points behind: the edge of at risk
    (0.19, HALF_WAY, OFF),  # 31 points behind
    (-0.10, HALF_WAY, OFF),  # moved the wrong way
    (0.0, date(2025, 12, 1), ON),  # before the baseline date nothing is expected yet
    (0.95, date(2026, 5, 1), RISK),  # target date passed, 95 % there
    (0.90, date(2026, 5, 1), RISK),  # target date passed, exactly 90 %
    (0.80, date(2026, 5, 1), OFF),  # target date passed, 80 % there
]


@pytest.mark.parametrize("kind", [HIGHER, LOWER], ids=["higher is better", "lower is better"])
@pytest.mark.parametrize("progress, today, expected", CASES)
def test_measure_status(kind, progress, today, expected):
    latest = None if progress is None else value_at(kind, progress)
    status = measure_status(
        baseline=kind["baseline"],
        target=kind["target"],
        baseline_date=START,
        target_date=END,
        latest_value=latest,
        today=today,
    )
    assert status is expected


def test_the_latest_reading_by_date_decides(app, make):
    product = make.product()
    # Entered out of order: the newest reading is the bad one.
    measure = make.measure(
        product,
        baseline=40,
        target=80,
        baseline_date=START,
        target_date=END,
        readings=[(date(2026, 2, 19), 20.0), (date(2026, 2, 1), 70.0)],
    )
    assert status_of(measure, today=HALF_WAY) is OFF


@pytest.mark.parametrize(
    "direction, baseline, target, baseline_date, target_date, fields",
    [
        ("higher", 10, 10, START, END, {"target"}),
        ("higher", 10, 5, START, END, {"target"}),
        ("lower", 10, 15, START, END, {"target"}),
        ("lower", 10, 5, END, START, {"target_date"}),
        ("lower", 10, 5, START, START, {"target_date"}),
        ("higher", 10, 20, START, END, set()),
    ],
)
def test_definition_problems(direction, baseline, target, baseline_date, target_date, fields):
    problems = definition_problems(
        direction=direction,
        baseline=baseline,
        target=target,
        baseline_date=baseline_date,
        target_date=target_date,
    )
    assert set(problems) == fields


def test_trend_chart_geometry():
    chart = trend_chart(
        baseline=40,
        target=80,
        baseline_date=START,
        target_date=END,
        unit="percent",
        readings=[(date(2026, 3, 1), 70.0), (date(2026, 2, 1), 50.0)],
    )
    xs = [point.x for point in chart.points]
    assert xs == sorted(xs) and len(xs) == 2
    assert [point.label for point in chart.points] == ["50 %", "70 %"]
    # Higher values are drawn higher up (smaller y); the target line sits above the baseline.
    assert chart.target_y < chart.points[1].y < chart.points[0].y < chart.baseline_y
    assert chart.target_label == "Target 80 %" and chart.baseline_label == "Baseline 40 %"
    x, y, anchor = chart.latest_label_position
    assert chart.top <= y <= chart.height - chart.bottom and anchor in ("start", "end")
    empty = trend_chart(
        baseline=40, target=80, baseline_date=START, target_date=END, unit="hours", readings=[]
    )
    assert empty.points == [] and empty.path == ""
