"""Finding things (#15): the header's navigation and menu, the one filter bar
every list uses, and the box wide tables scroll in. What a browser alone
proves (widths, the menu opening) is in tests/browser/test_responsive.py."""

from __future__ import annotations

import pytest
from flask import render_template_string

from tests.helpers import parse_html

EVERYONE = ["Catalogue", "Departments", "Requests", "Board", "Changelog", "What changed"]
NAVIGATION = {
    "admin": [*EVERYONE, "Dashboard", "Admin"],
    "pm": [*EVERYONE, "Dashboard"],
    "leader": [*EVERYONE, "Dashboard"],
    "stakeholder": EVERYONE,
}


def main_nav(html: str):
    return parse_html(html).one('nav[aria-label="Main"]')


def control(field):
    """The one input or select a filter field labels."""
    (found,) = field.select("input") + field.select("select")
    return found


@pytest.mark.parametrize("role", NAVIGATION)
def test_each_role_finds_departments_and_what_changed_in_the_navigation(client_as, role):
    nav = main_nav(client_as(role).get("/account").text)
    links = nav.select(".nav-links a")
    assert [link.text for link in links] == NAVIGATION[role]
    hrefs = {link.text: link["href"] for link in links}
    assert hrefs["Departments"] == "/departments"
    assert hrefs["What changed"] == "/activity"


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/departments", "Departments"),
        ("/activity", "What changed"),
        ("/products", "Catalogue"),
        ("/requests", "Requests"),
        ("/changelog", "Changelog"),
        ("/account", None),
    ],
)
def test_one_link_is_the_current_page(pm_client, url, current):
    nav = main_nav(pm_client.get(url).text)
    marked = [link.text for link in nav.select('a[aria-current="page"]')]
    assert marked == ([current] if current else [])


def test_the_header_is_a_menu_that_needs_no_javascript(pm_client, users):
    nav = main_nav(pm_client.get("/products").text)
    # The brand stays outside the menu; everything else is inside it.
    assert nav.one("a.brand")["href"] == "/"
    menu = nav.one("details.nav-menu")
    assert menu.one("summary").text == "Menu"
    assert "open" not in menu.attrs
    panel = menu.one(".nav-panel")
    assert panel.one("#bell")["href"] == "/notifications"
    assert panel.one('[data-testid="current-user"]').text == users["pm"].display_name
    sign_out = panel.one('form[action="/logout"]')
    assert sign_out["method"] == "post" and sign_out.one("button").text == "Sign out"
    # The slot the header's search box goes into (the partial is another part of #15).
    assert len(panel.select(".nav-tools > .nav-search")) == 1


def test_signed_out_pages_have_no_menu(client):
    nav = main_nav(client.get("/login").text)
    assert nav.select("details") == [] and nav.one("a.brand").text == "Portfolio"


# The filter bar ---------------------------------------------------------------

FILTER_BARS = [
    # url, form id, the names its controls keep, what htmx swaps
    (
        "/products",
        "catalogue-filters",
        ["q", "category", "stage", "department", "time"],
        "#results",
    ),
    ("/requests", "request-filters", ["q", "product", "department", "status", "sort"], "#results"),
    ("/board", "board-filters", ["product", "department", "tag", "view"], "#board"),
    ("/changelog", "changelog-filters", ["product", "department"], "#results"),
    ("/activity", "activity-filters", ["days", "product"], "#results"),
    ("/departments", "department-filters", ["q"], "#results"),
]


@pytest.mark.parametrize(("url", "form_id", "names", "target"), FILTER_BARS)
def test_every_list_filters_with_the_one_filter_bar(pm_client, url, form_id, names, target):
    page = parse_html(pm_client.get(url).text)
    form = page.by_id(form_id)
    assert "filter-bar" in form.classes
    assert form["method"] == "get" and form["action"] == url
    assert form["hx-get"] == url and form["hx-target"] == target
    assert form["hx-push-url"] == "true" and form["hx-swap"] == "outerHTML"
    # A <search> landmark around it, not role="search" on it (Pico joins such a
    # form's controls into one pill, rounded on one side only).
    assert form.parent.tag == "search" and "role" not in form.attrs
    fields = form.select("label.filter-field")
    assert [control(field)["name"] for field in fields] == names
    for field in fields:
        assert field.one(".filter-label").text.strip(), "every control has a visible label"
    assert form.one(".filter-actions > button[type=submit]").text in {"Filter", "Show", "Search"}


def test_the_request_filters_keep_their_checkboxes(pm_client):
    form = parse_html(pm_client.get("/requests?mine=1").text).by_id("request-filters")
    boxes = form.select("fieldset.filter-checks input[type=checkbox]")
    assert [(box["name"], "checked" in box.attrs) for box in boxes] == [
        ("mine", True),
        ("voted", False),
    ]


def test_the_catalogue_stage_filter_keeps_its_options(pm_client):
    form = parse_html(pm_client.get("/products?stage=all").text).by_id("catalogue-filters")
    options = form.select("select[name=stage] option")
    assert options[0].text == "In use (all but retired)"
    assert form.one("select[name=stage] option[selected]")["value"] == "all"


def test_the_filter_bar_macro_without_htmx(app):
    template = """{% from "macros/filters.html" import filter_bar, filter_field %}
    {% call filter_bar("/people", id="people", label="People", button="Find") %}
      {% call filter_field("Name", wide=true) %}<input type="search" name="q">{% endcall %}
    {% endcall %}"""
    with app.test_request_context():
        html = parse_html(render_template_string(template))
    region = html.one("search")
    assert region["aria-label"] == "People"
    form = region.one("form#people")
    assert form["action"] == "/people" and form["method"] == "get"
    assert not [name for name in form.attrs if name.startswith("hx-")]
    field = form.one("label.filter-field.filter-field-wide")
    assert field.one(".filter-label").text == "Name" and field.one("input")["name"] == "q"
    assert form.one(".filter-actions button").text == "Find"


# Wide tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url", "label"),
    [
        ("pm", "/products", "Products"),
        ("pm", "/requests", "Requests"),
        ("pm", "/departments", "Departments"),
        ("leader", "/dashboard", "Who depends on what"),
        ("admin", "/admin/users", "Users"),
    ],
)
def test_wide_tables_scroll_in_a_named_box(client_as, demo, role, url, label):
    page = parse_html(client_as(role).get(url).text)
    boxes = {box["aria-label"]: box for box in page.select("div.table-scroll")}
    box = boxes[label]
    assert box["role"] == "region" and box["tabindex"] == "0"
    assert "sticky-first" in box.classes
    assert box.one("table")
    # No table is left outside such a box on these pages.
    assert len(page.select("table")) == len(page.select("div.table-scroll > table"))


def test_the_scroll_box_macro(app):
    template = """{% from "macros/tables.html" import scroll_table %}
    {% call scroll_table("Readings", sticky=false) %}<table><tr><td>1</td></tr></table>
    {% endcall %}"""
    with app.test_request_context():
        box = parse_html(render_template_string(template)).one("div.table-scroll")
    assert box["aria-label"] == "Readings" and "sticky-first" not in box.classes
