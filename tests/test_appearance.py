"""Appearance on /account: light, dark or the device's choice, kept per person
and written into <html data-theme>; the palette in app.css follows it."""

from __future__ import annotations

import re

import pytest

from portfolio import ROOT
from portfolio.auth.appearance import set_theme
from portfolio.extensions import db
from portfolio.models import Theme, User
from tests.helpers import parse_html

ROLES = ("admin", "pm", "leader", "stakeholder")


def theme_of(user: User) -> Theme:
    return db.session.execute(db.select(User.theme).where(User.id == user.id)).scalar_one()


def html_theme(page_text: str) -> str | None:
    return parse_html(page_text).one("html").get("data-theme")


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_person_may_choose(client_as, users, role):
    client = client_as(role)
    page = parse_html(client.get("/account").text)
    form = page.by_id("appearance").one("form")
    assert form["action"] == "/account/appearance"
    assert form["method"] == "post"
    checked = [
        radio["value"] for radio in form.select("input[type=radio]") if "checked" in radio.attrs
    ]
    assert checked == ["auto"]  # the default follows the device

    response = client.post("/account/appearance", data={"theme": "dark"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account#appearance"
    assert theme_of(users[role]) is Theme.DARK
    assert "Your appearance choice is saved." in client.get("/account").text


def test_the_saved_choice_sets_the_html_theme(client_as):
    client = client_as("stakeholder")
    assert html_theme(client.get("/products").text) is None  # follows the device

    for value in ("light", "dark"):
        client.post("/account/appearance", data={"theme": value})
        assert html_theme(client.get("/products").text) == value
        page = parse_html(client.get("/account").text)
        assert page.one("input[value=" + value + "]").attrs.keys() >= {"checked"}

    client.post("/account/appearance", data={"theme": "auto"})
    assert html_theme(client.get("/products").text) is None


def test_signed_out_pages_follow_the_device(client_as, users):
    users["pm"].theme = Theme.DARK
    db.session.commit()
    assert html_theme(client_as(None).get("/login").text) is None


def test_without_a_csrf_token_nothing_is_written(client_as, users):
    response = client_as("pm").post("/account/appearance", data={"theme": "dark"}, csrf=False)
    assert response.status_code == 400
    assert theme_of(users["pm"]) is Theme.AUTO


@pytest.mark.parametrize("data", [{"theme": "purple"}, {"theme": ""}, {}])
def test_a_bad_value_is_refused_next_to_the_field(client_as, users, data):
    users["leader"].theme = Theme.LIGHT
    db.session.commit()
    response = client_as("leader").post("/account/appearance", data=data)

    assert response.status_code == 422
    assert theme_of(users["leader"]) is Theme.LIGHT
    fieldset = parse_html(response.text).by_id("appearance").one("fieldset")
    error = fieldset.one(".field-error")
    assert error.id == "theme-error"
    assert error.text.startswith("Choose")
    assert fieldset["aria-describedby"] == "theme-error"
    assert all(radio["aria-invalid"] == "true" for radio in fieldset.select("input[type=radio]"))


def test_htmx_gets_the_form_back_and_an_event_to_switch_the_page(client_as, users):
    client = client_as("pm")
    response = client.hx_post("/account/appearance", data={"theme": "light"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Trigger"] == '{"themeChanged": {"theme": "light"}}'
    form = parse_html(response.text).by_id("appearance")
    assert "Saved." in form.one("[role=status]").text
    assert form.one("input[value=light]").attrs.keys() >= {"checked"}
    assert theme_of(users["pm"]) is Theme.LIGHT

    refused = client.hx_post("/account/appearance", data={"theme": "sepia"})
    assert refused.status_code == 422
    assert "<html" not in refused.text
    assert "HX-Trigger" not in refused.headers
    assert parse_html(refused.text).by_id("theme-error").text.startswith("Choose one of")
    assert theme_of(users["pm"]) is Theme.LIGHT


def test_set_theme_accepts_the_enum_or_its_value(users):
    assert set_theme(users["pm"], "dark") is Theme.DARK
    assert set_theme(users["pm"], Theme.AUTO) is Theme.AUTO
    with pytest.raises(ValueError):
        set_theme(users["pm"], "sepia")


# The palette ----------------------------------------------------------------------

CSS = (ROOT / "static" / "css" / "app.css").read_text()


def declarations(block_start: str) -> dict[str, str]:
    """The custom properties declared in the block opening with `block_start`."""
    start = CSS.index(block_start) + len(block_start)
    body = CSS[start : CSS.index("}", start)]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", body))


def test_the_two_dark_palettes_are_the_same():
    """Dark by the device and dark by choice are one palette written twice
    (CSS cannot share a block between a media query and a selector)."""
    by_device = declarations(":root:not([data-theme=light]) {")
    by_choice = declarations("[data-theme=dark] {")
    assert by_device and by_device == by_choice


def test_every_dark_colour_has_a_light_one():
    light = declarations(":root {")
    dark = declarations("[data-theme=dark] {")
    assert set(dark) - {"--pico-muted-color"} <= set(light)


def test_app_css_sets_colours_only_in_the_palette():
    """Below the palette every colour is a variable, so both themes apply. A
    light fallback, `var(--pf-name, #fff)`, is allowed when --pf-name exists."""
    rules = CSS[CSS.index("[data-theme=dark] {") :]
    rules = rules[rules.index("}") + 1 :]
    rules = re.sub(r"/\*.*?\*/", "", rules, flags=re.S)
    palette = declarations(":root {")
    fallbacks = re.findall(r"var\((--pf-[\w-]+)\s*,[^)]*\)", rules)
    assert [name for name in fallbacks if name not in palette] == []
    rules = re.sub(r"var\(--pf-[\w-]+\s*,[^)]*\)", "", rules)
    colour = r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(|(?<![\w-])(?:white|black)(?![\w-])"
    assert re.findall(colour, rules) == []
