"""The catalogue in a real browser: active search, inline readings and usage."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, screenshot, sign_in


def test_active_search_narrows_while_typing_and_url_follows(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/products")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(10)
    mark_page(page)

    page.get_by_role("searchbox", name="Search products").press_sequentially("month-end", delay=30)
    expect(rows).to_have_count(2)
    expect(page.locator("#results")).to_contain_text("Finance ERP")
    expect(page.locator("#results")).to_contain_text("Close Assistant")
    expect(page).to_have_url(re.compile(r"/products\?q=month-end"))

    page.get_by_label("Stage").select_option("building")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"stage=building"))
    assert_not_reloaded(page)

    # The shared URL shows the same result when loaded directly.
    page.goto(page.url)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Search products")).to_have_value("month-end")
    expect(page.get_by_label("Stage")).to_have_value("building")


def test_retired_products_appear_only_when_asked_for(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/products")
    expect(page.locator("#results")).not_to_contain_text("Legacy Expense Tool")
    page.get_by_label("Stage").select_option("all")
    expect(page.locator("#results")).to_contain_text("Legacy Expense Tool")


def test_recording_a_reading_updates_that_measures_chart_in_place(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/sales-crm")
    measure = page.locator("article.measure").first
    chart = measure.locator("svg.trend-chart")
    expect(chart).to_have_attribute("data-points", "8")
    mark_page(page)

    measure.get_by_label("Value").fill("0.8")
    measure.get_by_label("Note").fill("New forecast template")
    measure.get_by_label("Date").fill(date.today().isoformat())
    measure.get_by_role("button", name="Record reading").click()

    measure = page.locator("article.measure").first
    expect(measure.locator("svg.trend-chart")).to_have_attribute("data-points", "9")
    expect(measure.get_by_test_id("latest-value")).to_have_text("0.8 hours")
    expect(measure).to_contain_text("New forecast template")
    expect(measure.get_by_label("Value")).to_have_value("")
    assert_not_reloaded(page)
    screenshot(page, "product-page")


def test_reading_errors_show_next_to_the_field_without_reload(page, live_server, demo, console):
    console.allow("status of 422")
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/finance-erp")
    mark_page(page)
    measure = page.locator("article.measure").first
    measure.get_by_label("Date").fill((date.today() + timedelta(days=10)).isoformat())
    measure.get_by_label("Value").fill("6.5")
    measure.get_by_role("button", name="Record reading").click()
    measure = page.locator("article.measure").first
    expect(measure.locator(".field-error")).to_contain_text("in the future")
    expect(measure.get_by_label("Value")).to_have_value("6.5")
    assert_not_reloaded(page)


def test_departments_are_added_and_removed_inline(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/close-assistant")
    section = page.locator("#departments")
    expect(section.locator("tbody tr")).to_have_count(1)
    mark_page(page)

    section.get_by_label("Department").select_option(label="IT")
    section.get_by_label("Approximate users").fill("7")
    section.get_by_role("button", name="Add department").click()
    section = page.locator("#departments")
    expect(section.locator("tbody tr")).to_have_count(2)
    expect(section.locator("tbody")).to_contain_text("IT")

    section.get_by_role("button", name="Remove IT").click()
    expect(page.locator("#departments tbody tr")).to_have_count(1)
    assert_not_reloaded(page)


def test_stakeholder_sees_no_pm_controls(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/products/sales-crm")
    expect(page.locator("article.measure")).to_have_count(3)
    expect(page.get_by_role("button", name="Record reading")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit product")).to_have_count(0)
    expect(page.get_by_role("button", name="Add department")).to_have_count(0)
