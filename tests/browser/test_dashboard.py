"""The leadership dashboard as a leader sees it, on screen and in print."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import ARTIFACTS, screenshot, sign_in


def test_dashboard_on_screen_and_in_print(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/dashboard")
    matrix = page.get_by_test_id("usage-matrix")
    expect(matrix).to_be_visible()
    expect(matrix.locator("tbody tr")).to_have_count(8)
    expect(page.locator("svg.sparkline")).to_have_count(21)
    expect(page.get_by_test_id("benefits")).to_be_visible()
    expect(page.get_by_test_id("unsponsored")).to_contain_text("Close Assistant")
    screenshot(page, "dashboard")

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".csv-link").first).to_be_hidden()
    screenshot(page, "dashboard-print")
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "dashboard.pdf"), landscape=True, format="A4")
    assert (ARTIFACTS / "dashboard.pdf").stat().st_size > 10_000


def test_board_prints_on_a4_landscape(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/board")
    page.emulate_media(media="print")
    expect(page.locator("#board-filters")).to_be_hidden()
    screenshot(page, "board-print")


def test_stakeholders_cannot_open_the_dashboard(page, live_server, demo, console):
    console.allow("status of 403")
    sign_in(page, live_server, "staff@demo.example")
    response = page.goto(f"{live_server}/dashboard")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
