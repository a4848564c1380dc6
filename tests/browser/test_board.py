"""The roadmap board in a real browser: drag and drop, keyboard moves, conflicts."""

from __future__ import annotations

import re
import threading

from flask import request
from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_not_reloaded,
    drag,
    mark_page,
    screenshot,
    sign_in,
    wait_for_saved_move,
)


def column_titles(page, column: str) -> list[str]:
    return page.locator(f"#cards-{column} .card .card-title").all_inner_texts()


def test_drag_within_a_column_persists(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    before = column_titles(page, "now")
    mark_page(page)
    cards = page.locator("#cards-now .card")
    with page.expect_response(lambda r: r.url.endswith("/board/move")) as answer:
        drag(page, cards.nth(3), cards.nth(0))
    assert answer.value.status == 200
    wait_for_saved_move(page)
    after = column_titles(page, "now")
    assert sorted(after) == sorted(before) and after != before
    assert after.index(before[3]) < 3
    assert_not_reloaded(page)
    page.reload()
    assert column_titles(page, "now") == after


def test_drag_across_columns_persists_and_updates_counts(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    now_before, next_before = column_titles(page, "now"), column_titles(page, "next")
    moved = next_before[1]
    with page.expect_response(lambda r: r.url.endswith("/board/move")) as answer:
        drag(
            page, page.locator("#cards-next .card").nth(1), page.locator("#cards-now .card").nth(2)
        )
    assert answer.value.status == 200
    wait_for_saved_move(page)
    expect(page.get_by_test_id("count-now")).to_have_text(str(len(now_before) + 1))
    expect(page.get_by_test_id("count-next")).to_have_text(str(len(next_before) - 1))
    after = column_titles(page, "now")
    assert moved in after and [t for t in after if t != moved] == now_before
    page.reload()
    assert column_titles(page, "now") == after
    assert moved not in column_titles(page, "next")
    screenshot(page, "board")


def test_a_second_drag_waits_while_a_move_is_saving(page, app, live_server, demo):
    """Sorting pauses while a move is in flight: a quick second drag cannot act
    on a board the server has not confirmed, so no card is lost or doubled."""
    release = threading.Event()

    @app.before_request
    def hold_moves():  # the server sits on the first move until the test lets it go
        if request.path == "/board/move":
            release.wait(10)

    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    before = column_titles(page, "now")
    cards = page.locator("#cards-now .card")
    drag(page, cards.nth(3), cards.nth(0))
    expect(page.locator("#board.is-saving")).to_have_count(1)
    while_saving = column_titles(page, "now")
    assert while_saving[0] == before[3]
    drag(page, cards.nth(5), cards.nth(1))
    assert column_titles(page, "now") == while_saving  # the second drag did nothing
    release.set()
    wait_for_saved_move(page)
    after = column_titles(page, "now")
    assert after == while_saving and len(set(after)) == len(before)
    page.reload()
    assert column_titles(page, "now") == after


def test_keyboard_moves_keep_focus_on_the_moved_card(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    before = column_titles(page, "next")
    card = page.locator("#cards-next .card").nth(2)
    card_id = card.get_attribute("data-item-id")
    mark_page(page)

    page.locator(f"#move-up-{card_id}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cards-next .card").nth(1)).to_have_attribute("data-item-id", card_id)
    expect(page.locator(f"#move-up-{card_id}")).to_be_focused()
    assert column_titles(page, "next") == [before[0], before[2], before[1], *before[3:]]

    # Tab to the "previous column" button and press it: the card goes to the top of Now.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(f"#move-previous-{card_id}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cards-now .card").first).to_have_attribute("data-item-id", card_id)
    expect(page.locator(f"#move-previous-{card_id}")).to_be_focused()

    # → twice: back to the top of Next, then of Later; focus stays on → each time.
    page.keyboard.press("Tab")
    expect(page.locator(f"#move-next-{card_id}")).to_be_focused()
    for column in ("next", "later"):
        page.keyboard.press("Enter")
        expect(page.locator(f"#cards-{column} .card").first).to_have_attribute(
            "data-item-id", card_id
        )
        expect(page.locator(f"#move-next-{card_id}")).to_be_focused()
    assert_not_reloaded(page)
    page.reload()
    expect(page.locator("#cards-later .card").first).to_have_attribute("data-item-id", card_id)


def test_shipping_from_the_keyboard(page, live_server, demo):
    """A card's "Ship…" asks for the release note, as a drop on Shipped does, from
    any open column. (#15: this test pressed → on a Later card before; the arrows
    now move between open columns only, and a Now card ships by its Ship….)"""
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    card_id = page.locator("#cards-now .card").first.get_attribute("data-item-id")
    title = page.locator(f"#card-{card_id} .card-title").inner_text()
    page.locator(f"#ship-{card_id}").focus()
    page.keyboard.press("Enter")
    note = page.locator("dialog.ship-dialog").get_by_label("Release note")
    expect(note).to_be_focused()
    # Escape cancels: the dialog goes, the card stays, focus returns to Ship….
    page.keyboard.press("Escape")
    expect(page.locator("dialog.ship-dialog")).to_have_count(0)
    expect(page.locator(f"#ship-{card_id}")).to_be_focused()
    expect(page.locator("#cards-now .card").first).to_have_attribute("data-item-id", card_id)
    page.keyboard.press("Enter")
    expect(note).to_be_focused()
    page.keyboard.type("Nightly stock sync for the Nordic warehouses.")
    page.locator("dialog.ship-dialog").get_by_role("button", name="Ship it").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cards-shipped .card").first).to_have_attribute("data-item-id", card_id)
    expect(page.get_by_test_id("board-notice")).to_be_focused()
    expect(page.get_by_test_id("board-notice")).to_contain_text(title)


def test_a_control_pressed_right_after_a_swap_still_goes_through_htmx(page, live_server, demo):
    """A quick second key press lands on a card the first move just put in the
    page. It must be an htmx request, not a native form post that reloads the
    board and drops focus (htmx wires new content up only when it settles)."""
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    card_id = page.locator("#cards-next .card").nth(2).get_attribute("data-item-id")
    mark_page(page)
    # Press the moved card's ← button in the first task after the swap, as the
    # earliest possible key press would (any timer htmx set has not run yet).
    page.evaluate(
        """cardId => {
        document.addEventListener("htmx:oobAfterSwap", function pressAgain() {
            document.removeEventListener("htmx:oobAfterSwap", pressAgain);
            setTimeout(function () {
                var button = document.getElementById("move-previous-" + cardId);
                button.focus();
                button.click();
            }, 0);
        });
    }""",
        card_id,
    )
    page.locator(f"#move-up-{card_id}").focus()
    with page.expect_response(
        lambda r: (
            f"/board/items/{card_id}/move?version=" in r.url
            and r.request.headers.get("hx-request") == "true"
            and "previous" in (r.request.post_data or "")
        )
    ) as second:
        page.keyboard.press("Enter")
    assert second.value.status == 200
    expect(page.locator("#cards-now .card").first).to_have_attribute("data-item-id", card_id)
    expect(page.locator(f"#move-previous-{card_id}")).to_be_focused()
    assert_not_reloaded(page)


def test_a_stale_move_is_refused_with_who_moved_and_a_fresh_board(
    page, browser, live_server, demo, console
):
    console.allow("status of 409")
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    first_title = column_titles(page, "later")[0]

    # Meanwhile another PM moves the same card.
    other_context = browser.new_context()
    other = other_context.new_page()
    sign_in(other, live_server, "admin@demo.example")
    other.goto(f"{live_server}/board")
    other_card = other.locator("#cards-later .card").first
    other.locator(f"#move-down-{other_card.get_attribute('data-item-id')}").click()
    expect(other.locator("#cards-later .card").nth(1).locator(".card-title")).to_have_text(
        first_title
    )
    other_context.close()

    # Our board is stale: our move of that card is refused and the board refreshed.
    card = page.locator("#cards-later .card").first
    with page.expect_response(lambda r: "/move" in r.url) as answer:
        page.locator(f"#move-down-{card.get_attribute('data-item-id')}").click()
    assert answer.value.status == 409
    expect(page.get_by_test_id("board-conflict")).to_contain_text("Ada Admin moved")
    # The refreshed board shows the other PM's order.
    expect(page.locator("#cards-later .card").nth(1).locator(".card-title")).to_have_text(
        first_title
    )


def test_dropping_on_shipped_asks_for_a_release_note(page, live_server, demo):
    sign_in(page, live_server, "pm@demo.example")
    page.goto(f"{live_server}/board")
    title = column_titles(page, "now")[0]
    shipped_before = len(column_titles(page, "shipped"))
    drag(page, page.locator("#cards-now .card").first, page.locator("#cards-shipped .card").first)
    dialog = page.locator("dialog.ship-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Release note").fill(
        "Intercompany matching runs nightly for the Nordic entities."
    )
    dialog.get_by_role("button", name="Ship it").click()
    expect(page.locator("#cards-shipped .card").first.locator(".card-title")).to_have_text(title)
    expect(page.get_by_test_id("count-shipped")).to_have_text(str(shipped_before + 1))
    assert title not in column_titles(page, "now")


def test_card_opens_a_detail_panel_and_the_url_is_a_full_page(page, live_server, demo):
    sign_in(page, live_server, "staff@demo.example")
    page.goto(f"{live_server}/board")
    page.locator("#cards-now .card .card-title a").first.click()
    panel = page.locator("#panel")
    expect(panel.get_by_test_id("rice-score")).to_be_visible()
    expect(panel.locator(".comment-thread")).to_be_visible()
    url = page.url
    assert "/board/items/" in url
    page.goto(url)
    expect(page.get_by_test_id("rice-score")).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()


def test_leader_sees_the_same_order_read_only(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/board")
    expect(page.locator("#cards-now .card")).to_have_count(7)
    expect(page.locator(".drag-handle")).to_have_count(0)
    expect(page.locator("[data-sortable]")).to_have_count(0)
    expect(page.locator(".card-moves")).to_have_count(0)
    expect(page.get_by_role("link", name="Add an item")).to_have_count(0)


def test_filters_and_swimlanes_update_in_place_and_follow_the_url(page, live_server, demo):
    sign_in(page, live_server, "leader@demo.example")
    page.goto(f"{live_server}/board")
    mark_page(page)
    cards_on_board = page.locator("#board .card").count()
    product = page.locator("#cards-now .card .card-product").first.inner_text()

    page.locator("#board-filters select[name=product]").select_option(label=product)
    expect(page).to_have_url(re.compile(r"[?&]product=\d+"))
    expect(page.locator("#board .card")).not_to_have_count(cards_on_board)
    assert set(page.locator("#board .card .card-product").all_inner_texts()) == {product}

    page.locator("#board-filters select[name=view]").select_option(label="Swimlanes by product")
    expect(page).to_have_url(re.compile(r"view=lanes"))
    expect(page.locator(".board-lanes section.lane")).to_have_count(1)
    expect(page.locator(".board-lanes section.lane h2")).to_have_text(product)
    assert_not_reloaded(page)

    page.reload()  # the URL alone brings the same view back
    expect(page.locator(".board-lanes section.lane h2")).to_have_text(product)
    expect(
        page.locator("#board-filters select[name=product]").locator("option:checked")
    ).to_have_text(product)
    page.go_back()
    expect(page.locator(".board-columns")).to_be_visible()
    assert set(page.locator("#board .card .card-product").all_inner_texts()) == {product}
