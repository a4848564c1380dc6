"""Dark mode in a real browser: our colours follow the device's scheme or the
person's saved choice, and text keeps its contrast in both.

Contrast is measured two ways: our own check of the elements the issue named
(colours read with getComputedStyle, the ratio computed here, as WCAG defines
it), and axe-core's color-contrast rule over whole pages.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in

PAGES = ("/board", "/dashboard", "/products", "/products/sales-crm", "/requests", "/changelog")

# For each element matching `selector`: its text colour (SVG text: its fill) and
# the colour behind it — the nearest painted background, or for SVG text the
# filled shape under it (a stakeholder map quadrant), alpha blended.
COLOURS = """(selector) => {
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || "");
    if (!m) { return null; }
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) =>
    [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const behind = (element) => {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) { layers.push(colour); if (colour[3] >= 1) { break; } }
    }
    return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  return Array.from(document.querySelectorAll(selector))
    .filter((element) => element.textContent.trim() !== "")
    .map((element) => {
      element.scrollIntoView({block: "center"});
      const style = getComputedStyle(element);
      const inSvg = element instanceof SVGElement;
      let background = behind(inSvg ? element.ownerSVGElement : element);
      if (inSvg) {
        const box = element.getBoundingClientRect();
        const shape = document.elementsFromPoint(box.x + box.width / 2, box.y + box.height / 2)
          .find((e) => ["rect", "circle"].includes(e.tagName) && parse(getComputedStyle(e).fill));
        if (shape) { background = over(parse(getComputedStyle(shape).fill), background); }
      }
      return {text: element.textContent.trim().slice(0, 40),
              colour: parse(inSvg ? style.fill : style.color), background: background};
    });
}"""


def luminance(rgb) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def low_contrast(page, selector: str, minimum: float = 4.5) -> list[str]:
    """The elements matching `selector` whose text falls below `minimum`:1."""
    found = page.evaluate(COLOURS, selector)
    assert found, f"nothing matches {selector!r} on {page.url}"
    return [
        f"{e['text']!r}: {contrast(e['colour'], e['background']):.2f}"
        for e in found
        if contrast(e["colour"], e["background"]) < minimum
    ]


def page_background(page):
    return page.evaluate(COLOURS, "h1")[0]["background"]


def is_dark(page) -> bool:
    return luminance(page_background(page)) < 0.05


def color_contrast_violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast"]}})
    return [
        f"{node['target']}: {node['any'][0]['message'] if node['any'] else ''}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_named_texts_keep_their_contrast(page, live_server, demo, scheme):
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server, "pm@demo.example")
    checks = {
        "/board": [".card-title a", ".column-header h2", ".card-product", ".card-meta span"],
        "/dashboard": [".usage-matrix td.heat", ".usage-matrix .share", ".status", ".stage"],
        "/products/sales-crm": [
            ".trend-chart text",
            ".nps-chart text",
            ".power-interest .stakeholder-number",
            ".stakeholder-legend .stakeholder-key",
            ".stakeholder-legend .stakeholder-name",
            ".power-interest .quadrant-label",
            ".power-interest .axis-label",
        ],
    }
    failures = {}
    for path, selectors in checks.items():
        page.goto(f"{live_server}{path}")
        assert is_dark(page) is (scheme == "dark"), path
        for selector in selectors:
            low = low_contrast(page, selector)
            if low:
                failures[f"{path} {selector}"] = low
    assert failures == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_colour_contrast_violations(page, live_server, demo, scheme):
    page.emulate_media(color_scheme=scheme)
    sign_in(page, live_server, "pm@demo.example")
    violations = {}
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        found = color_contrast_violations(page)
        if found:
            violations[path] = found
        if scheme == "dark":
            screenshot(page, "dark" + path.replace("/", "-"))
    assert violations == {}


def test_the_saved_choice_overrides_the_device(page, live_server, demo):
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/account")
    html = page.locator("html")
    expect(html).not_to_have_attribute("data-theme", "light")
    assert is_dark(page)

    # With htmx: the form is swapped and the page switches at once.
    appearance = page.locator("#appearance")
    appearance.get_by_label("Light", exact=True).check()
    appearance.get_by_role("button", name="Save appearance").click()
    expect(appearance.get_by_role("status")).to_have_text("Saved.")
    expect(html).to_have_attribute("data-theme", "light")
    assert not is_dark(page)

    # Every page after that is light on this dark device.
    page.goto(f"{live_server}/board")
    expect(html).to_have_attribute("data-theme", "light")
    assert not is_dark(page)
    assert low_contrast(page, ".card-title a") == []

    # Dark on a light device; back to the device's choice.
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server}/account")
    page.locator("#appearance").get_by_label("Dark", exact=True).check()
    page.locator("#appearance").get_by_role("button", name="Save appearance").click()
    expect(html).to_have_attribute("data-theme", "dark")
    assert is_dark(page)
    page.locator("#appearance").get_by_label("Same as the device").check()
    page.locator("#appearance").get_by_role("button", name="Save appearance").click()
    expect(page.locator("#appearance").get_by_role("status")).to_have_text("Saved.")
    expect(html).not_to_have_attribute("data-theme", "dark")
    assert not is_dark(page)


def test_signed_out_pages_follow_the_device(page, live_server, demo):
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server}/login")
    assert is_dark(page)
    assert color_contrast_violations(page) == []


def test_printing_uses_the_light_palette_and_gives_the_theme_back(page, live_server, demo):
    """Dark text on white paper: a dark screen prints light, then stays dark."""
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/dashboard")
    assert is_dark(page)
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert not is_dark(page)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") is None
    assert is_dark(page)
