"""Fit, TIME and the portfolio timeline (#18) as Chromium draws them: every
text of the TIME quadrant and of the timeline at least 11 px, no two labels
overlapping, and an assessment recorded inline with htmx."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import ARTIFACTS, screenshot, sign_in

MIN_FONT_PX = 11

# Each text of the SVG: its content, its rendered size and its box on screen.
TEXTS = """selector => {
  const svg = document.querySelector(selector);
  const scale = svg.getScreenCTM().a;
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(t).fontSize) * scale;
    return [t.textContent, size, [r.left, r.top, r.right, r.bottom]];
  });
}"""


def overlap(one, other) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def check_texts(page, selector: str) -> None:
    texts = page.evaluate(TEXTS, selector)
    assert texts
    small = [(text, round(size, 1)) for text, size, _ in texts if size < MIN_FONT_PX - 0.05]
    assert small == [], f"text under {MIN_FONT_PX} px in {selector}"
    for index, (text, _, box) in enumerate(texts):
        for other, _, other_box in texts[index + 1 :]:
            assert not overlap(box, other_box), f"{text!r} overlaps {other!r}"


def test_the_timeline_is_readable_at_any_width(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/architecture/timeline")
        expect(page.locator("svg.timeline-chart g.timeline-row").first).to_be_visible()
        check_texts(page, "svg.timeline-chart")
        screenshot(page, f"timeline-{width}")


def test_the_time_quadrant_is_readable_at_any_width(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/dashboard#time")
        expect(page.locator("svg.time-quadrant g.time-product").first).to_be_visible()
        check_texts(page, "svg.time-quadrant")
        page.locator("#time").screenshot(path=str(screenshot_path(f"time-quadrant-{width}")))


def test_a_pm_reassesses_inline(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/sales-crm")
    section = page.locator("#fit")
    expect(section.locator("[data-testid=current-fit] .time-class")).to_have_text("Invest")
    section.get_by_label("Functional fit").select_option("2")
    section.get_by_label("Technical fit").select_option("2")
    section.get_by_label("Note").fill("The new pricing module does not fit our deals.")
    section.get_by_role("button", name="Record assessment").click()
    expect(section.locator("[data-testid=current-fit] .time-class")).to_have_text("Eliminate")
    expect(page.locator("#fit [role=status]")).to_have_text("Assessment recorded.")
    assert page.url.endswith("/products/sales-crm")  # no navigation: htmx swapped the section
    rows = page.locator("#fit [data-testid=fit-history] tbody tr")
    expect(rows).to_have_count(3)
    page.locator("#fit").screenshot(path=str(screenshot_path("fit-section")))


def screenshot_path(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
