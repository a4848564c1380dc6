"""Search everything in a real browser: the header box suggests as you type
(htmx), the keyboard moves through its suggestions (ARIA combobox), and the
form reaches the results page without JavaScript."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, screenshot, sign_in

SERIOUS = ("critical", "serious")


def serious_violations(page, context: str | None = None) -> list[str]:
    results = Axe().run(page, context=context)
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def test_typing_suggests_grouped_results_and_the_keyboard_opens_one(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/board")
    mark_page(page)
    box = page.get_by_role("combobox", name="Search everything")
    listbox = page.locator("#search-box-listbox")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("month", delay=30)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    groups = listbox.locator('[role="group"]')
    expect(groups.first).to_have_attribute("data-kind", "product")
    # The demo's “month”: two products, a request and a comment; no roadmap item.
    assert [group.get_attribute("data-kind") for group in groups.all()] == [
        "product",
        "request",
        "comment",
    ]
    expect(groups.locator(".search-box-group-label")).to_have_text(
        ["Products", "Requests", "Comments"]
    )
    expect(listbox.get_by_role("option", name=re.compile("Close Assistant"))).to_be_visible()
    assert_not_reloaded(page)
    assert serious_violations(page, "header") == []
    screenshot(page, "search-box-open")

    options = listbox.get_by_role("option")
    first = options.first
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()
    assert serious_violations(page, "header") == []  # the chosen option is legible too
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")

    target = first.get_attribute("href")
    box.press("Enter")
    page.wait_for_url(f"{live_server}{target}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Close Assistant")


def test_escape_closes_the_suggestions_and_keeps_focus_in_the_box(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/requests")
    box = page.get_by_role("combobox", name="Search everything")
    listbox = page.locator("#search-box-listbox")
    box.press_sequentially("crm", delay=30)
    expect(listbox).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(".+"))

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box).to_be_focused()
    expect(box).to_have_value("crm")  # the first Escape closes, it does not clear

    # ArrowDown opens the list again, at its first option.
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")

    # Leaving the box closes the list.
    page.get_by_role("heading", level=1).click()
    expect(listbox).to_be_hidden()


def test_enter_without_a_chosen_option_opens_the_results_page(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/dashboard")
    box = page.get_by_role("combobox", name="Search everything")
    box.press_sequentially("month", delay=30)
    expect(page.locator("#search-box-listbox")).to_be_visible()
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=month$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("heading", name=re.compile(r"^Products \(\d+\)$"))).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "search-results")


def test_without_javascript_the_header_form_reaches_the_results(browser, live_server, demo):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1400, "height": 1100}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server, "staff@demo.example")
        page.goto(f"{live_server}/products")
        box = page.get_by_role("combobox", name="Search everything")
        box.fill("month")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q=month$"))
        results = page.locator("#search-results")
        expect(results.get_by_role("heading", name="Products (2)")).to_be_visible()
        expect(results.get_by_role("link", name="Close Assistant")).to_be_visible()
        comments = page.locator("#search-comment")
        expect(comments.get_by_role("link").first).to_have_attribute(
            "href", re.compile(r"#comment-\d+$")
        )
        # The page's own form searches again.
        field = page.locator("#search-page-q")
        field.fill("crm")
        field.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q=crm$"))
        expect(page.get_by_role("link", name="Sales CRM").first).to_be_visible()
    finally:
        context.close()
