"""Measure charts (#15): wide enough to read, a y axis at the baseline and the
target, text of at least 11 px, and the latest value's label placed where it
never crosses the line and stays inside the plot — checked on the geometry
charts.py computes, for lines of every shape."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portfolio.catalogue.charts import (
    CHART_FONT,
    CHART_MAX_PX,
    CHART_WIDTH,
    LATEST_FONT,
    TrendChart,
    sparkline_for,
    trend_chart,
)
from portfolio.catalogue.svg_text import text_width
from portfolio.models import Direction, Unit
from tests.helpers import parse_html

START = date(2026, 1, 1)
END = date(2026, 12, 31)


def chart_of(values, *, baseline=10.0, target=50.0, unit=Unit.PERCENT, label=None, days=30):
    """A chart of `values` read every `days` days from START."""
    readings = [(START + timedelta(days=days * i), value) for i, value in enumerate(values)]
    return trend_chart(
        baseline=baseline,
        target=target,
        baseline_date=START,
        target_date=END,
        readings=readings,
        unit=unit,
        unit_label=label,
    )


# Geometry written independently of charts.py's Box, so the test does not grade
# the code with its own ruler.


def orientation(p, q, r) -> float:
    return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])


def segments_cross(a, b, c, d) -> bool:
    """Whether segments a–b and c–d touch (collinear overlaps included)."""
    d1, d2 = orientation(c, d, a), orientation(c, d, b)
    d3, d4 = orientation(a, b, c), orientation(a, b, d)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4):
        return True

    def on(p, q, r) -> bool:
        return (
            orientation(p, q, r) == 0
            and min(p[0], q[0]) <= r[0] <= max(p[0], q[0])
            and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])
        )

    return on(c, d, a) or on(c, d, b) or on(a, b, c) or on(a, b, d)


def box_hits_segment(box, a, b) -> bool:
    x0, y0, x1, y1 = box
    inside = [x0 <= p[0] <= x1 and y0 <= p[1] <= y1 for p in (a, b)]
    if any(inside):
        return True
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return any(segments_cross(a, b, corners[i], corners[(i + 1) % 4]) for i in range(len(corners)))


def label_box(chart: TrendChart):
    """The latest value's box, from its position, anchor and estimated width."""
    x, y, anchor = chart.latest_label_position
    width = text_width(chart.latest_label.text, LATEST_FONT, bold=True)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (left, y - 0.8 * LATEST_FONT, left + width, y + 0.22 * LATEST_FONT)


def assert_clear_and_inside(chart: TrendChart, *, frame=None):
    box = label_box(chart)
    points = [(p.x, p.y) for p in chart.points]
    for a, b in zip(points, points[1:], strict=False):
        assert not box_hits_segment(box, a, b), f"the label {box} crosses the line {a}–{b}"
    if len(points) == 1:
        assert not box_hits_segment(box, points[0], points[0]), "the label covers the point"
    x0, y0, x1, y1 = frame or (chart.left, chart.top, chart.plot_right, chart.plot_bottom)
    assert x0 <= box[0] and box[2] <= x1 and y0 <= box[1] and box[3] <= y1, (
        f"the label {box} leaves the frame {(x0, y0, x1, y1)}"
    )


SHAPES = {
    "rising": [10, 18, 26, 34, 42, 49],
    "falling": [49, 42, 34, 26, 18, 10],
    "flat": [30, 30, 30, 30, 30, 30],
    "zig-zag": [10, 50, 12, 48, 14, 46, 16, 44],
    "zig-zag ending low": [50, 10, 48, 12, 46, 14, 44, 11],
    "single point": [30],
    "single point on the baseline": [10],
    "last point at the top edge": [20, 25, 30, 80],
    "last point at the bottom edge": [40, 35, 30, -20],
    "spike at the end": [30, 30, 30, 30, 30, 30, 30, 80],
    "drop at the end": [30, 30, 30, 30, 30, 30, 30, -20],
    "dense and noisy": [10 + (i * 37 % 41) for i in range(40)],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_latest_value_never_crosses_the_line_and_stays_in_the_plot(shape):
    chart = chart_of(SHAPES[shape], days=300 // len(SHAPES[shape]))
    assert_clear_and_inside(chart)


@pytest.mark.parametrize("shape", SHAPES)
def test_long_labels_are_placed_clear_too(shape):
    """An "other" unit named in 20 characters would make a label too wide to
    fit beside a zig-zag: the value alone is shown, its unit is on the y axis."""
    chart = chart_of(
        [value * 1000 for value in SHAPES[shape]],
        baseline=10_000,
        target=50_000,
        unit=Unit.OTHER,
        label="support tickets open",
        days=300 // len(SHAPES[shape]),
    )
    assert chart.points[-1].label.endswith("support tickets open")
    assert chart.latest_label.text in (chart.points[-1].label, chart.points[-1].label.split()[0])
    assert chart.unit_caption == "support tickets open"
    assert_clear_and_inside(chart)


@pytest.mark.parametrize("lower_is_better", [False, True])
def test_readings_after_the_target_date_end_at_the_right_edge(lower_is_better):
    baseline, target = (50.0, 10.0) if lower_is_better else (10.0, 50.0)
    chart = chart_of([30, 35, 40, 45], baseline=baseline, target=target, days=130)
    assert chart.points[-1].x == pytest.approx(chart.plot_right)
    assert_clear_and_inside(chart)


def test_a_line_that_fills_the_plot_puts_the_label_above_it():
    """Hundreds of readings swinging from edge to edge leave no gap big enough:
    the label moves above the plot rather than onto the line."""
    values = [10 if i % 2 else 50 for i in range(365)]
    chart = chart_of(values, days=1)
    x, y, anchor = chart.latest_label_position
    assert y < chart.top and anchor == "end"
    assert_clear_and_inside(chart, frame=(0, 0, chart.width, chart.top))
    caption = chart.axis_labels[-1]
    assert caption.text == "%" and not caption.box.overlaps(chart.latest_label.box)


def test_the_y_axis_names_the_baseline_and_the_target():
    chart = chart_of([20, 30], baseline=9, target=1, unit=Unit.HOURS)
    baseline_word, target_word, baseline_tick, target_tick = chart.reference_labels
    assert (baseline_tick.text, target_tick.text) == ("9", "1")
    assert (baseline_word.text, target_word.text) == ("Baseline", "Target")
    # Each value sits on its line, left of the plot; the words right of it.
    assert baseline_tick.box.y0 < chart.baseline_y < baseline_tick.box.y1
    assert target_tick.box.y0 < chart.target_y < target_tick.box.y1
    assert baseline_tick.box.x1 < chart.left and target_tick.box.x0 >= 0
    assert baseline_word.box.x0 > chart.plot_right and baseline_word.box.x1 <= chart.width
    assert [label.text for label in chart.axis_labels] == ["Jan 2026", "Dec 2026", "hours"]


def test_a_baseline_close_to_the_target_keeps_its_labels_apart():
    """Readings far away squeeze the baseline and the target together."""
    chart = chart_of([5000, 9000], baseline=10, target=11, unit=Unit.COUNT)
    baseline_word, target_word, baseline_tick, target_tick = chart.reference_labels
    assert abs(chart.baseline_y - chart.target_y) < 2
    assert not baseline_word.box.overlaps(target_word.box)
    assert not baseline_tick.box.overlaps(target_tick.box)
    assert target_word.y < baseline_word.y  # the target (higher value) stays on top
    assert chart.unit_caption == ""  # counts have no unit to show


def test_labels_of_the_frame_do_not_overlap_each_other():
    chart = chart_of([20, 30, 40], baseline=1_200_000, target=100, unit=Unit.CURRENCY)
    labels = chart.reference_labels + chart.axis_labels
    for i, one in enumerate(labels):
        assert one.box.x0 >= 0 and one.box.x1 <= chart.width, one
        for other in labels[i + 1 :]:
            assert not one.box.overlaps(other.box), (one, other)


def test_text_is_at_least_11_px_from_a_phone_to_a_desktop():
    # Drawn at most CHART_MAX_PX wide, and 326 px in a card on a 390 px phone.
    for shown_px in (310, 326, CHART_MAX_PX):
        scale = shown_px / CHART_WIDTH
        assert min(CHART_FONT, LATEST_FONT) * scale >= 11
    assert CHART_MAX_PX >= 320


def test_the_chart_page_draws_every_text_at_its_size(client_as, make):
    product = make.product()
    make.measure(
        product,
        readings=[(date(2025, 3, 1), 30.0)],
        baseline=10.0,
        target=50.0,
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
    )
    html = client_as("pm").get(f"/products/{product.slug}").get_data(as_text=True)
    texts = parse_html(html).one("svg.trend-chart").select("text")
    assert texts and all(float(text["font-size"]) >= CHART_FONT for text in texts)
    words = [text.text for text in texts]
    assert {"Baseline", "Target", "10", "50", "%", "30 %"} <= set(words)


def test_sparklines_stay_small():
    measure = type(
        "Measure",
        (),
        dict(
            baseline=10.0,
            target=50.0,
            baseline_date=START,
            target_date=END,
            readings=[type("R", (), dict(taken_on=START, value=20.0))],
            unit=Unit.PERCENT,
            unit_label=None,
        ),
    )
    chart = sparkline_for(measure)
    assert (chart.width, chart.height) == (140, 34)
    assert chart.left == 2 and chart.plot_right == 138
