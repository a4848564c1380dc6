"""Every screen (#15): at phone width no page scrolls sideways, the header folds
into a menu that opens without JavaScript, wide tables scroll inside their own
box with the first column kept, filter bars show their options whole, and
empty states read as one line. Screenshots of each page at phone width go to
test-artifacts/ (phone-<role>-<page>.png) for review. (Every page for every
role, in light and dark, is in test_every_page.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import screenshot, sign_in

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1400, "height": 1100}

ROLES = {
    "admin": "admin@demo.example",
    "pm": "pm@demo.example",
    "leader": "leader@demo.example",
    "stakeholder": "staff@demo.example",
}
EVERYONE = [
    "/products",
    "/products/sales-crm",
    "/requests",
    "a request",  # the first on /requests
    "/changelog",
    "/activity",
    "/departments",
    "/account",
    "/board",
]
PAGES = {
    "admin": [*EVERYONE, "/dashboard", "/admin/users"],
    "pm": [*EVERYONE, "/dashboard"],
    "leader": [*EVERYONE, "/dashboard"],
    "stakeholder": EVERYONE,
}


@pytest.fixture
def app_settings() -> dict:
    """Demo mode, as `make run` serves it: the login page lists the demo accounts."""
    return {"DEMO": True}


def widths(page) -> tuple[int, int]:
    """(how wide the document is, how wide the viewport is)."""
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


def assert_no_sideways_scroll(page, where: str) -> None:
    document, viewport = widths(page)
    assert document <= viewport, f"{where}: the page is {document} px wide in {viewport} px"


def first_request(page, live_server: str) -> str:
    page.goto(f"{live_server}/requests")
    return page.locator("#results tbody tr a[href^='/requests/']").first.get_attribute("href")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(page, live_server, demo, role):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, ROLES[role])
    for path in PAGES[role]:
        if path == "a request":
            path = first_request(page, live_server)
        page.goto(f"{live_server}{path}")
        assert_no_sideways_scroll(page, f"{role} {path}")
        screenshot(page, f"phone-{role}-{re.sub(r'[^a-z0-9]+', '-', path.strip('/'))}")


def test_the_login_page_fits_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/login")
    assert_no_sideways_scroll(page, "/login")
    card = page.locator(".demo-accounts").bounding_box()
    table = page.locator(".demo-accounts table").bounding_box()
    assert table["x"] + table["width"] <= card["x"] + card["width"]
    screenshot(page, "phone-login")


@pytest.mark.parametrize("size", [TABLET, DESKTOP], ids=["768", "1400"])
def test_main_pages_fit_a_tablet_and_a_desktop(page, live_server, demo, size):
    page.set_viewport_size(size)
    sign_in(page, live_server, ROLES["admin"])
    for path in ["/products", "/requests", "/dashboard", "/activity", "/departments"]:
        page.goto(f"{live_server}{path}")
        assert_no_sideways_scroll(page, f"{size['width']} {path}")


def test_the_header_menu_opens_and_its_links_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, ROLES["pm"])
        page.goto(f"{live_server}/products")
        navigation = page.get_by_role("navigation", name="Main")
        menu = navigation.locator("summary", has_text="Menu")
        departments = navigation.get_by_role("link", name="Departments")
        expect(menu).to_be_visible()
        expect(departments).to_be_hidden()
        assert_no_sideways_scroll(page, "the closed menu")

        menu.click()
        expect(departments).to_be_visible()
        for reachable in ["Sign out", "Priya Patel"]:
            expect(navigation.get_by_text(reachable, exact=True)).to_be_visible()
        expect(navigation.get_by_test_id("bell")).to_be_visible()
        assert_no_sideways_scroll(page, "the open menu")
        departments.click()
        expect(page).to_have_url(f"{live_server}/departments")
        expect(page.get_by_role("heading", level=1)).to_have_text("Departments")

        navigation.locator("summary", has_text="Menu").click()
        navigation.get_by_role("link", name="What changed").click()
        expect(page).to_have_url(f"{live_server}/activity")
        expect(navigation.locator('a[aria-current="page"]')).to_have_text("What changed")

        navigation.locator("summary", has_text="Menu").click()
        navigation.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{live_server}/login")
    finally:
        context.close()


def test_the_header_shows_inline_at_desktop_width(page, live_server, demo):
    sign_in(page, live_server, ROLES["leader"])  # the suite's 1400 px viewport
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.locator("summary")).to_be_hidden()
    for label in ["Catalogue", "Departments", "What changed", "Dashboard"]:
        expect(navigation.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(navigation.get_by_role("button", name="Sign out")).to_be_visible()
    navigation.get_by_role("link", name="What changed").click()
    expect(page).to_have_url(re.compile(r"/activity$"))
    # One slot for the header's search box (another part of #15 fills it).
    expect(page.locator(".nav-tools > .nav-search")).to_have_count(1)


@pytest.mark.parametrize(
    ("role", "path", "table"),
    [
        ("leader", "/dashboard", "[data-testid=usage-matrix]"),
        ("stakeholder", "/products", "table.catalogue-table"),
        ("stakeholder", "/requests", "table.request-table"),
    ],
)
def test_wide_tables_scroll_inside_their_box_keeping_the_first_column(
    page, live_server, demo, role, path, table
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, ROLES[role])
    page.goto(f"{live_server}{path}")
    box = page.locator(".table-scroll", has=page.locator(table))
    scroll_width, client_width = box.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert scroll_width > client_width, "the table is wider than its box"
    assert_no_sideways_scroll(page, path)

    first_cell = box.locator("tbody tr").first.locator("th, td").first
    second_cell = box.locator("tbody tr").first.locator("th, td").nth(1)
    left_before = second_cell.bounding_box()["x"]
    box.evaluate("box => { box.scrollLeft = 150; }")
    page.wait_for_timeout(50)
    assert second_cell.bounding_box()["x"] < left_before - 100, "the rest scrolls"
    assert abs(first_cell.bounding_box()["x"] - box.bounding_box()["x"]) <= 1, "the first stays"


OPTION_FITS = """select => {
  const style = getComputedStyle(select);
  const probe = document.createElement("span");
  probe.style.font = style.font;
  probe.style.whiteSpace = "pre";
  probe.style.position = "absolute";
  probe.textContent = select.options[select.selectedIndex].text;
  document.body.append(probe);
  const needed = probe.getBoundingClientRect().width;
  probe.remove();
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return needed <= room + 1;
}"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1400"])
def test_filter_bars_show_their_options_whole_and_in_line(page, live_server, demo, size):
    page.set_viewport_size(size)
    sign_in(page, live_server, ROLES["pm"])
    page.goto(f"{live_server}/products")
    stage = page.locator("#catalogue-filters select[name=stage]")
    expect(stage.locator("option:checked")).to_have_text("In use (all but retired)")
    assert stage.evaluate(OPTION_FITS), "“In use (all but retired)” shows whole"
    form = page.locator("#catalogue-filters")
    boxes = [control.bounding_box() for control in form.locator("input, select, button").all()]
    if size is DESKTOP:
        bottoms = {round(box["y"] + box["height"]) for box in boxes}
        assert max(bottoms) - min(bottoms) <= 1, "controls and button on one line"
    else:
        width = form.bounding_box()["width"]
        assert all(box["width"] >= width - 1 for box in boxes), "full width on a phone"
    assert_no_sideways_scroll(page, "/products")

    page.goto(f"{live_server}/requests")
    sort = page.locator("#request-filters select[name=sort]")
    expect(sort.locator("option:checked")).to_have_text("Newest first")
    assert sort.evaluate(OPTION_FITS), "“Newest first” shows whole"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1400"])
def test_an_empty_state_reads_as_one_line(page, live_server, demo, make, size):
    quiet = make.product(name="Quiet Tool", slug="quiet-tool")
    page.set_viewport_size(size)
    sign_in(page, live_server, ROLES["stakeholder"])
    page.goto(f"{live_server}/activity?product={quiet.id}")
    empty = page.locator("#results li.empty")
    expect(empty).to_have_text("Nothing changed in this period.")
    lines = empty.evaluate(
        "item => { const range = document.createRange(); range.selectNodeContents(item);"
        " return range.getClientRects().length; }"
    )
    assert lines == 1
    listed = page.locator("#results ol.activity-list").bounding_box()
    assert empty.bounding_box()["width"] >= listed["width"] - 1
