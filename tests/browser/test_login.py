from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portfolio.demo import DEMO_ACCOUNTS
from tests.browser.helpers import screenshot, sign_in

EVERYONE = ["Catalogue", "Departments", "Requests", "Board", "Changelog", "What changed"]
EXPECTED_NAVIGATION = {
    "admin": [*EVERYONE, "Dashboard", "Admin"],
    "pm": [*EVERYONE, "Dashboard"],
    "leader": [*EVERYONE, "Dashboard"],
    "stakeholder": EVERYONE,
}


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.role.value)
def test_each_demo_role_signs_in_and_sees_its_navigation(page, live_server, demo, account):
    sign_in(page, live_server, account.email)
    expect(page.get_by_test_id("current-user")).to_have_text(account.display_name)
    expect(page.locator(".role-badge")).to_have_text(account.role.label)
    navigation = page.get_by_role("navigation", name="Main")
    # Since #15 the brand stands outside the menu's list of links.
    expect(navigation.get_by_role("link", name="Portfolio", exact=True)).to_be_visible()
    links = navigation.locator("ul.nav-links").get_by_role("link")
    expect(links).to_have_text(EXPECTED_NAVIGATION[account.role.value])


def test_wrong_password_shows_generic_error_and_keeps_email(page, live_server, demo, console):
    console.allow("status of 422")
    sign_in(page, live_server, "pm@demo.example", password="not the password")
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("pm@demo.example")


def test_sign_out_returns_to_login(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{live_server}/requests")
    expect(page).to_have_url(f"{live_server}/login?next=/requests")


def test_admin_changes_a_role_in_place_with_htmx(page, live_server, demo):
    sign_in(page, live_server, "admin@demo.example")
    page.goto(f"{live_server}/admin/users")
    row = page.locator("tr", has_text="staff@demo.example")
    row.get_by_label("Role of Sam Stakeholder").select_option("leader")
    row.get_by_role("button", name="Save role").click()
    # The row is swapped in place (no reload) and shows the saved value.
    expect(
        page.locator("tr", has_text="staff@demo.example").get_by_label("Role of Sam Stakeholder")
    ).to_have_value("leader")
    screenshot(page, "admin-users")
