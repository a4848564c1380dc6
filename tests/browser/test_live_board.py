"""The live board: two people on the board see each other's moves without
reloading; the poll waits while a dialog is open and never takes focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, sign_in


@pytest.fixture
def app_settings() -> dict:
    return {"BOARD_POLL_SECONDS": 1}  # the board asks every second, not every 15


@pytest.fixture
def second_page(browser, live_server):
    """Another person's browser (its own cookies), on the board."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    other = context.new_page()
    yield other
    context.close()


def poll_statuses(page) -> list[int]:
    statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            statuses.append(response.status)
            if response.request.headers.get("hx-trigger") == "board-poll"
            else None
        ),
    )
    return statuses


def test_a_move_on_one_board_appears_on_the_other(page, second_page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    sign_in(second_page, live_server, "leader@demo.example")
    second_page.goto(f"{live_server}/board")
    mark_page(second_page)
    statuses = poll_statuses(second_page)
    card_id = second_page.locator("#cards-next .card").first.get_attribute("data-item-id")

    # Nothing changes: the leader's board asks, and is told 304.
    second_page.wait_for_timeout(2500)
    assert statuses and set(statuses) == {304}, statuses

    # The PM moves the card to Now: the leader's board shows it there.
    page.locator(f"#move-previous-{card_id}").click()
    expect(page.locator(f"#cards-now #card-{card_id}")).to_have_count(1)
    expect(second_page.locator(f"#cards-now #card-{card_id}")).to_have_count(1, timeout=5000)
    expect(second_page.locator(f"#cards-next #card-{card_id}")).to_have_count(0)
    assert 200 in statuses
    assert_not_reloaded(second_page)


def test_the_poll_waits_for_an_open_dialog_and_keeps_focus(page, second_page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    sign_in(second_page, live_server, "pm@demo.example")
    second_page.goto(f"{live_server}/board")
    mark_page(page)
    first, second = (
        page.locator("#cards-next .card").nth(index).get_attribute("data-item-id")
        for index in (0, 1)
    )

    # The first PM has a ship dialog open: the other's move waits behind it.
    page.locator(f"#ship-{first}").click()
    expect(page.locator("#board-dialog dialog[open]")).to_have_count(1)
    second_page.locator(f"#move-previous-{second}").click()
    expect(second_page.locator(f"#cards-now #card-{second}")).to_have_count(1)
    page.wait_for_timeout(2500)
    expect(page.locator(f"#cards-next #card-{second}")).to_have_count(1)
    expect(page.locator("#board-dialog dialog[open]")).to_have_count(1)

    # Dialog closed, focus on a card's button: the board updates and focus stays.
    page.keyboard.press("Escape")
    expect(page.locator("#board-dialog dialog[open]")).to_have_count(0)
    page.locator(f"#move-down-{first}").focus()
    expect(page.locator(f"#cards-now #card-{second}")).to_have_count(1, timeout=5000)
    expect(page.locator(f"#move-down-{first}")).to_be_focused()
    assert_not_reloaded(page)
