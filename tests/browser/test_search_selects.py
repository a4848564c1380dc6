"""A department or product select narrowed by typing, in a real browser: the
search input fetches the matching options into the select (htmx)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, sign_in


def test_typing_narrows_the_department_select(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/requests/new")
    mark_page(page)
    department = page.locator("select#department_id")
    page.locator("#department_id-search").press_sequentially("fin", delay=30)
    expect(department.locator("option")).to_have_count(2)
    expect(department.locator("option").nth(0)).to_have_text(
        "1 department matching “fin”: choose one"
    )
    expect(department.locator("option").nth(1)).to_have_text("Finance")
    assert_not_reloaded(page)

    department.select_option(label="Finance")
    page.get_by_label("Product").select_option(label="Finance ERP")
    page.get_by_label("Title").fill("Close the books faster")
    page.get_by_label("Description").fill("Month-end takes four days.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the books faster")
    expect(page.locator(".request-header")).to_contain_text("Finance")
