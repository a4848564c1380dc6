"""The integration map as Chromium draws it (#18): one box per product and one
line per interface or dependency, text at least 11 px, no box over another,
axe-clean in light and dark, and black lines on white paper when printed."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from portfolio.extensions import db
from portfolio.models import (
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    ProductDependency,
)
from tests.browser.helpers import screenshot, sign_in
from tests.browser.test_every_page import ALSO_FAILING, AXE_ALL, AXE_COLOURS, FAILING_IMPACTS

MIN_FONT_PX = 11

# (provider, consumer, data, method) between demo products.
FLOWS = [
    ("finance-erp", "sales-crm", "Invoices and credit limits", InterfaceMethod.API),
    ("sales-crm", "finance-erp", "Closed orders", InterfaceMethod.EVENT),
    ("people-hris", "finance-erp", "Cost centres of every employee, monthly", InterfaceMethod.FILE),
    ("finance-erp", "insights-bi", "General ledger", InterfaceMethod.FILE),
    ("sales-crm", "insights-bi", "Pipeline", InterfaceMethod.API),
    ("warehouse-wms", "finance-erp", "Stock valuation", InterfaceMethod.MANUAL),
    ("people-hris", "access-guard", "Joiners and leavers", InterfaceMethod.EVENT),
]
DEPENDENCIES = [("sales-crm", "access-guard"), ("finance-erp", "access-guard")]

DRAWN = """() => {
  const svg = document.querySelector('svg.integration-map');
  const scale = svg.getScreenCTM().a;
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  return {
    nodes: [...svg.querySelectorAll('a.map-node')]
      .map(a => [a.dataset.product, box(a.querySelector('rect'))]),
    edges: svg.querySelectorAll('path.map-edge').length,
    fonts: [...svg.querySelectorAll('text')].map(t =>
      [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]),
    rows: document.querySelectorAll('table.interface-table tbody tr').length,
  };
}"""

PRINTED = """() => {
  const edge = getComputedStyle(document.querySelector('svg.integration-map path.map-edge'));
  const rect = getComputedStyle(document.querySelector('svg.integration-map a.map-node rect'));
  const name = getComputedStyle(document.querySelector('svg.integration-map .map-node-name'));
  return [edge.stroke, rect.fill, rect.stroke, name.fill];
}"""


@pytest.fixture
def flows(demo):
    """The demo's own links replaced by a known set, so the counts drawn are known."""
    db.session.execute(db.delete(Interface))
    db.session.execute(db.delete(ProductDependency))
    slugs = {product.slug: product for product in db.session.scalars(db.select(Product))}
    db.session.add_all(
        Interface(
            provider=slugs[provider],
            consumer=slugs[consumer],
            data=data,
            method=method,
            frequency=InterfaceFrequency.DAILY,
        )
        for provider, consumer, data, method in FLOWS
    )
    db.session.add_all(
        ProductDependency(product=slugs[product], depends_on=slugs[on])
        for product, on in DEPENDENCIES
    )
    db.session.commit()


def axe_problems(page, scheme: str) -> list[str]:
    # No colour transitions while axe reads contrast.
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    page.evaluate(AXE_SCRIPT)
    options = AXE_ALL if scheme == "light" else AXE_COLOURS
    results = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    return [
        f"{scheme}: {violation['id']} {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in ALSO_FAILING
    ]


def assert_readable(drawn) -> None:
    assert [(t, s) for t, s in drawn["fonts"] if s < MIN_FONT_PX - 0.01] == []
    boxes = [box for _, box in drawn["nodes"]]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            overlapping = (
                one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]
            )
            assert not overlapping, (drawn["nodes"][i], other)


@pytest.mark.parametrize(
    "path, products, edges, rows",
    [
        # Every product that has a flow or a dependency; every line.
        (
            "/architecture/integrations",
            {"finance-erp", "sales-crm", "people-hris", "insights-bi", "warehouse-wms"}
            | {"access-guard"},
            len(FLOWS) + len(DEPENDENCIES),
            len(FLOWS),
        ),
        # The ERP and its neighbours; the lines that touch it.
        (
            "/products/finance-erp/integrations",
            {"finance-erp", "sales-crm", "people-hris", "insights-bi", "warehouse-wms"}
            | {"access-guard"},
            6,
            5,
        ),
    ],
)
def test_the_map_draws_every_product_and_line_and_passes_axe(
    page, live_server, flows, path, products, edges, rows
):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}{path}")
    expect(page.locator("svg.integration-map")).to_be_visible()
    drawn = page.evaluate(DRAWN)
    assert {slug for slug, _ in drawn["nodes"]} == products
    assert len(drawn["nodes"]) == len(products)
    assert drawn["edges"] == edges
    assert drawn["rows"] == rows
    assert_readable(drawn)
    name = path.strip("/").replace("/", "-")
    screenshot(page, f"{name}-light")
    problems = axe_problems(page, "light")
    problems += axe_problems(page, "dark")
    screenshot(page, f"{name}-dark")
    assert problems == []

    # On a phone the map scrolls inside its frame; the page never scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window
    page.set_viewport_size({"width": 1400, "height": 1100})

    # A node leads to its product's page.
    page.emulate_media(color_scheme="light")
    page.locator("svg.integration-map a.map-node[data-product=insights-bi]").click()
    expect(page).to_have_url(f"{live_server}/products/insights-bi")


def test_the_map_prints_black_on_white(page, live_server, flows):
    sign_in(page, live_server, "staff@demo.example")
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server}/products/finance-erp/integrations")
    edge, fill, border, name = page.evaluate(PRINTED)
    assert edge != "rgb(0, 0, 0)"  # on a dark screen, light lines
    page.emulate_media(media="print", color_scheme="dark")
    assert page.evaluate(PRINTED) == [
        "rgb(0, 0, 0)",
        "rgb(255, 255, 255)",
        "rgb(0, 0, 0)",
        "rgb(0, 0, 0)",
    ]
    # The whole map fits the paper's width.
    frame, svg = page.evaluate(
        """() => [document.querySelector('.integration-map-frame').getBoundingClientRect().width,
                  document.querySelector('svg.integration-map').getBoundingClientRect().width]"""
    )
    assert svg <= frame + 1
