"""Charts and the stakeholder map as Chromium draws them (#15): measure charts
at least 320 px wide on a desktop, every chart and map text at least 11 px
as rendered, the latest value's label off the line, and the map's markers
and labels never overlapping, with the full names in the legend."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portfolio.extensions import db
from portfolio.models import Product, Stakeholder, StakeholderRole
from tests.browser.helpers import screenshot, sign_in

MIN_FONT_PX = 11

# Each chart: its rendered width, the rendered size of each text (font size in
# user units times the SVG's scale), the latest label's box and the line, in
# user units.
MEASURE_CHARTS = """() => [...document.querySelectorAll('svg.trend-chart')].map(svg => {
  const scale = svg.getScreenCTM().a;
  const latest = svg.querySelector('.chart-label-latest');
  const box = latest ? latest.getBBox() : null;
  const card = svg.closest('article').getBoundingClientRect();
  return {
    width: svg.getBoundingClientRect().width,
    right: svg.getBoundingClientRect().right,
    cardRight: card.right,
    fonts: [...svg.querySelectorAll('text')].map(t =>
      [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]),
    latest: box && [box.x, box.y, box.x + box.width, box.y + box.height],
    path: (svg.querySelector('path.chart-line') || {getAttribute: () => ''}).getAttribute('d'),
  };
})"""

# The map: rendered boxes of its markers and labels, the sizes of its texts,
# and whether any legend name is cut.
STAKEHOLDER_MAP = """() => {
  const svg = document.querySelector('svg.power-interest');
  const scale = svg.getScreenCTM().a;
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  return {
    frame: box(svg),
    boxes: [...svg.querySelectorAll('.stakeholder-marker, .quadrant-label, .axis-label')]
      .map(e => [e.textContent.trim(), box(e)]),
    fonts: [...svg.querySelectorAll('text')].map(t =>
      [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]),
    legend: [...document.querySelectorAll('.stakeholder-legend .stakeholder-name')]
      .map(e => [e.textContent.trim(), e.scrollWidth <= e.clientWidth + 1]),
  };
}"""


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def crosses(box, a, b) -> bool:
    """Whether segment a–b passes through `box`, sampled every 0.25 user units."""
    x0, y0, x1, y1 = box
    steps = max(int(max(abs(b[0] - a[0]), abs(b[1] - a[1])) * 4), 1)
    for i in range(steps + 1):
        x = a[0] + (b[0] - a[0]) * i / steps
        y = a[1] + (b[1] - a[1]) * i / steps
        if x0 <= x <= x1 and y0 <= y <= y1:
            return True
    return False


def overlap(one, other) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def crowd_the_map(slug: str) -> list[str]:
    """Seven more people at the top right, two more in the middle cell."""
    product = db.session.execute(db.select(Product).where(Product.slug == slug)).scalar_one()
    names = [
        "Regional sales directors (EMEA and APAC)",
        "Chief Financial Officer",
        "Data protection officer",
        "Works council",
        "IT security",
        "Legal",
        "Procurement",
    ]
    people = [(name, 5, 5) for name in names] + [
        ("Finance controllers and accounts payable", 3, 3),
        ("Warehouse shift leads", 3, 3),
    ]
    roles = list(StakeholderRole)
    for index, (name, power, interest) in enumerate(people):
        db.session.add(
            Stakeholder(
                product=product,
                name=name,
                role=roles[index % len(roles)],
                power=power,
                interest=interest,
            )
        )
    db.session.commit()
    return [name for name, _, _ in people]


def test_charts_and_the_map_are_readable_and_nothing_overlaps(page, live_server, demo):
    added = crowd_the_map("sales-crm")
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/sales-crm")
    expect(page.locator("svg.trend-chart")).to_have_count(3)

    charts = page.evaluate(MEASURE_CHARTS)
    for chart in charts:
        assert chart["width"] >= 320, f"a chart {chart['width']:.0f} px wide"
        small = [(text, size) for text, size in chart["fonts"] if size < MIN_FONT_PX]
        assert small == [], "chart text under 11 px"
        line = path_points(chart["path"])
        for a, b in zip(line, line[1:], strict=False):
            assert not crosses(chart["latest"], a, b), "the latest value crosses the line"

    drawn = page.evaluate(STAKEHOLDER_MAP)
    assert [(t, s) for t, s in drawn["fonts"] if s < MIN_FONT_PX] == [], "map text under 11 px"
    boxes = drawn["boxes"]
    for index, (text, box) in enumerate(boxes):
        frame = drawn["frame"]
        assert frame[0] <= box[0] and box[2] <= frame[2], f"{text!r} is clipped"
        for other, other_box in boxes[index + 1 :]:
            assert not overlap(box, other_box), f"{text!r} overlaps {other!r}"
    names = [name for name, _ in drawn["legend"]]
    for name in [*added, "Customer Service team"]:
        assert any(shown.startswith(name) for shown in names), f"{name} is not in the legend"
    assert all(whole for _, whole in drawn["legend"]), "a legend name is cut"
    screenshot(page, "charts-product-1400")

    # On a phone the charts shrink with their card and stay readable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/products/sales-crm")
    for chart in page.evaluate(MEASURE_CHARTS):
        assert chart["right"] <= chart["cardRight"] + 0.5, "a chart overflows its card"
        assert min(size for _, size in chart["fonts"]) >= MIN_FONT_PX
    drawn = page.evaluate(STAKEHOLDER_MAP)
    assert min(size for _, size in drawn["fonts"]) >= MIN_FONT_PX
    assert drawn["frame"][2] <= 390
    screenshot(page, "charts-product-390")
