"""The board by hand, by keyboard and on a phone (#15): a card drags by any
part, its title included, and a click on the title opens its details; the
panel takes focus, closes on Escape or its Close link and gives focus back to
the card; a skip link reaches it; at 390 px the board shows one column at a
time inside itself and cards still move by their arrow buttons."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_not_reloaded,
    mark_page,
    screenshot,
    sign_in,
    wait_for_saved_move,
)

PHONE = {"width": 390, "height": 844}


def column_titles(page, column: str) -> list[str]:
    return page.locator(f"#cards-{column} .card .card-title").all_inner_texts()


def title_link(page, card_id: str):
    return page.locator(f"#card-{card_id} .card-title a")


def test_a_card_drags_by_its_title_and_its_order_is_saved(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    before = column_titles(page, "now")
    mark_page(page)
    cards = page.locator("#cards-now .card")
    with page.expect_response(lambda r: r.url.endswith("/board/move")) as answer:
        cards.nth(3).locator(".card-title a").drag_to(
            cards.nth(0), target_position={"x": 40, "y": 8}
        )
    assert answer.value.status == 200
    wait_for_saved_move(page)
    after = column_titles(page, "now")
    assert sorted(after) == sorted(before) and after.index(before[3]) < 3
    # A drag is not a click: the title's link did not open the details.
    expect(page.locator("#panel")).to_be_empty()
    assert page.url == f"{live_server}/board"
    assert_not_reloaded(page)
    page.reload()
    assert column_titles(page, "now") == after


def test_a_click_on_the_title_opens_the_focused_panel_and_escape_gives_focus_back(
    page, live_server, demo
):
    """For a PM, whose cards are draggable: a plain click still opens the details."""
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board?product=")
    card_id = page.locator("#cards-next .card").nth(1).get_attribute("data-item-id")
    title = title_link(page, card_id)
    title.click()
    heading = page.locator("#panel .detail-heading")
    expect(heading).to_be_focused()
    expect(heading).to_have_text(title.inner_text())
    expect(page).to_have_url(re.compile(rf"/board/items/{card_id}$"))
    # Focus is not trapped: Tab leaves the heading for the panel's links.
    page.keyboard.press("Tab")
    expect(heading).not_to_be_focused()
    expect(page.locator("#panel :focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_empty()
    expect(title).to_be_focused()
    expect(page).to_have_url(f"{live_server}/board?product=")


def test_the_close_link_and_the_skip_link_for_a_reader(page, live_server, demo):
    """A leader's board (no dragging) has the same panel: the skip link appears
    while it is open and leads to it; Close gives focus back to the card."""
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/board")
    skip = page.locator("#skip-to-panel")
    expect(skip).to_be_hidden()
    card_id = page.locator("#cards-later .card").first.get_attribute("data-item-id")
    title = title_link(page, card_id)
    title.focus()
    page.keyboard.press("Enter")
    heading = page.locator("#panel .detail-heading")
    expect(heading).to_be_focused()

    # Back on the board, far from the panel: the skip link is the way there.
    page.locator("#cards-now .card .card-title a").first.focus()
    skip.focus()
    expect(skip).to_be_visible()
    expect(skip).to_have_text("Skip to the card details")
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()

    page.locator("#panel [data-close-panel]").click()
    expect(page.locator("#panel")).to_be_empty()
    expect(skip).to_be_hidden()
    expect(title).to_be_focused()
    expect(page).to_have_url(f"{live_server}/board")


def test_escape_in_a_dialog_closes_the_dialog_not_the_panel(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    card_id = page.locator("#cards-now .card").first.get_attribute("data-item-id")
    title_link(page, card_id).click()
    expect(page.locator("#panel .detail-heading")).to_be_focused()
    page.locator(f"#ship-{card_id}").click()
    expect(page.locator("dialog.ship-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog.ship-dialog")).to_have_count(0)
    expect(page.locator("#panel .detail-heading")).to_have_count(1)


def test_a_phone_shows_one_column_at_a_time_and_cards_move_by_their_arrows(page, live_server, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    width = PHONE["width"]

    # The page is never wider than the screen: the board scrolls sideways
    # inside itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    main = page.locator("main")
    assert main.evaluate("element => element.scrollWidth") <= width
    widest = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('main *')]
             .filter(e => !e.closest('.board-columns'))
             .map(e => e.getBoundingClientRect().right))"""
    )
    assert widest <= width
    board = page.locator(".board-columns")
    assert board.evaluate("element => getComputedStyle(element).scrollSnapType") == "x mandatory"
    assert board.evaluate("element => element.scrollWidth > element.clientWidth")

    # One column at a time: Now fills the board, Next only peeks in.
    now_box = page.locator("#column-now").bounding_box()
    next_box = page.locator("#column-next").bounding_box()
    board_box = board.bounding_box()
    assert now_box["width"] >= 0.85 * board_box["width"]
    assert next_box["x"] >= board_box["x"] + 0.85 * board_box["width"]

    # The filters: full width, one under the other, their choices readable.
    for select in page.locator("#board-filters select").all():
        box = select.bounding_box()
        assert box["width"] >= 0.9 * board_box["width"]
    expect(page.locator("#board-filters select[name=product] option:checked")).to_have_text(
        "All products"
    )

    # A card moves by its arrow buttons: → to Next, then ← back to the top of Now.
    card = page.locator("#cards-now .card").nth(2)
    card_id = card.get_attribute("data-item-id")
    now_count = len(column_titles(page, "now"))
    page.locator(f"#move-next-{card_id}").click()
    expect(page.locator("#cards-next .card").first).to_have_attribute("data-item-id", card_id)
    expect(page.get_by_test_id("count-now")).to_have_text(str(now_count - 1))
    page.locator(f"#move-previous-{card_id}").click()
    expect(page.locator("#cards-now .card").first).to_have_attribute("data-item-id", card_id)
    expect(page.get_by_test_id("count-now")).to_have_text(str(now_count))

    # The column names jump to each column inside the board.
    page.locator(".board-tabs a", has_text="Shipped").click()
    expect(page.locator("#column-shipped")).to_be_in_viewport()
    screenshot(page, "board-phone")
