"""The leadership dashboard prints on two A4 landscape pages (#14): Chromium
prints the demo dashboard to PDF and the pages are counted."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import ARTIFACTS, sign_in

MAX_PAGES = 2
# A page object of the PDF, not the /Pages tree that holds them.
PAGE_OBJECT = re.compile(rb"/Type\s*/Page[^s]")


def test_the_dashboard_prints_on_two_a4_landscape_pages(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/dashboard")
    for section in ("health", "usage", "next", "satisfaction", "recent"):
        expect(page.locator(f"#{section}")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".csv-link").first).to_be_hidden()
    expect(page.locator("svg.sparkline").first).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "dashboard-print.pdf"
    pdf = page.pdf(path=str(path), format="A4", landscape=True, print_background=False)
    pages = len(PAGE_OBJECT.findall(pdf))
    assert 1 <= pages <= MAX_PAGES, f"the dashboard prints on {pages} pages ({path})"
