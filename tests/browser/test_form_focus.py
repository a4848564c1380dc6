"""After a failed submit, focus is on the first field in error: without
JavaScript (render_field's autofocus on the page answered 422) and with htmx
(static/js/app.js on htmx:afterSwap, for the form swapped back in)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import sign_in


def test_without_javascript_the_first_invalid_field_takes_focus(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, "staff@demo.example")
        page.goto(f"{live_server}/requests/new")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Submit request").click()
        assert answer.value.status == 422
        product = page.get_by_role("combobox", name="Product")
        expect(product).to_have_attribute("aria-invalid", "true")
        expect(product).to_be_focused()
        # Only the first: the title is in error too, without autofocus.
        expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("[autofocus]")).to_have_count(1)
    finally:
        context.close()


def test_with_htmx_the_first_invalid_field_takes_focus(page, live_server, demo, console):
    console.allow("status of 422")
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/products/sales-crm")
    form = page.locator("form.reading-form").first
    measure_id = form.locator("xpath=ancestor::article[1]").get_attribute("id")
    form.get_by_label("Date").fill("")
    form.get_by_label("Value").fill("")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Record reading").click()
    assert answer.value.status == 422
    swapped = page.locator(f"#{measure_id} form.reading-form")
    expect(swapped.get_by_label("Date")).to_be_focused()
    expect(swapped.get_by_label("Value")).to_have_attribute("aria-invalid", "true")
    # The htmx answer carries no autofocus: app.js moved the focus.
    expect(page.locator("[autofocus]")).to_have_count(0)

    # Corrected, the second field is now the first in error.
    swapped.get_by_label("Date").fill("2026-01-05")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        swapped.get_by_role("button", name="Record reading").click()
    assert answer.value.status == 422
    expect(page.locator(f"#{measure_id} form.reading-form").get_by_label("Value")).to_be_focused()
