"""The capability map in a real browser: the grid with its flags, a lens
chosen from the select swapping the grid in place (the URL follows), and
mapping a product on its page. Axe in light and dark runs over these pages
in test_every_page.py."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, sign_in


def test_the_grid_renders_and_the_lens_swaps_in_place(page, live_server, demo):
    page.emulate_media(reduced_motion="reduce")  # no colour transitions while axe reads contrast
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/architecture/capabilities")
    columns = page.locator(".cap-column")
    expect(columns).to_have_count(6)
    order = page.locator(".cap-cell", has=page.get_by_role("heading", name="Order", exact=True))
    expect(order).to_contain_text("Consolidation candidate: served by 2 live products")
    expect(order.locator("a.cap-chip")).to_have_text(["Finance ERP · Live", "Sales CRM · Live"])
    collect = page.locator(".cap-cell", has=page.get_by_role("heading", name="Collect"))
    expect(collect).to_contain_text("Gap: no live product")
    mark_page(page)

    page.get_by_label("Colour products by").select_option("time")
    expect(page).to_have_url(re.compile(r"lens=time"))
    expect(page.locator("[data-testid=legend]")).to_contain_text("Not assessed")
    assert_not_reloaded(page)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        results = Axe().run(page)
        serious = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (
            scheme,
            [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious],
        )


def test_a_pm_maps_a_product_without_leaving_its_page(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/desk-booking")
    section = page.locator("#capabilities")
    section.get_by_text("Change the capabilities").click()
    mark_page(page)
    section.get_by_label("Recruit").check()
    section.get_by_role("button", name="Save capabilities").click()
    expect(page.locator("[data-testid=product-capabilities]")).to_contain_text(
        "Hire to retire › Recruit"
    )
    assert_not_reloaded(page)
