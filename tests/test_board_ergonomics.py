"""The board handles like a good tool (#15): headers count what the filters
show, WIP warnings suit who reads them, the score says what it is, every open
card offers "Ship…", the arrows move between neighbouring open columns only,
and the detail panel can be reached, focused and closed.

The browser half (drag by the title, focus, Escape, the phone) is in
tests/browser/test_board_ergonomics.py.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from portfolio.extensions import db
from portfolio.models import Column, ColumnLimit, RoadmapItem
from tests.helpers import Element, cards_in, parse_html

HX = {"HX-Request": "true"}
OPEN_COLUMNS = (Column.NOW, Column.NEXT, Column.LATER)


def board(client, **args) -> str:
    response = client.get("/board", query_string=args)
    assert response.status_code == 200
    return response.text


def count_text(html: str, column: Column) -> str:
    return parse_html(html).one(f'[data-testid="count-{column.value}"]').text


def header(html: str, column: Column) -> Element:
    return parse_html(html).by_id(f"column-{column.value}-header")


def limit(column: Column, wip_limit: int) -> None:
    db.session.add(ColumnLimit(column=column, wip_limit=wip_limit))
    db.session.commit()


@pytest.fixture
def two_products(make):
    """Now: 1 card of Payroll and 6 of Intranet; Next: 2 of Intranet; Later: none."""
    payroll, intranet = make.product(name="Payroll"), make.product(name="Intranet")
    make.item(payroll, column=Column.NOW)
    for _ in range(6):
        make.item(intranet, column=Column.NOW)
    for _ in range(2):
        make.item(intranet, column=Column.NEXT)
    return payroll, intranet


# Column counts under filters ---------------------------------------------------------------


def test_a_filtered_board_counts_what_it_shows_of_each_column(pm_client, two_products):
    payroll, _ = two_products
    html = board(pm_client, product=payroll.id)
    assert count_text(html, Column.NOW) == "1 of 7"
    assert count_text(html, Column.NEXT) == "0 of 2"
    assert count_text(html, Column.LATER) == "0 of 0"
    assert len(cards_in(html, "cards-now")) == 1


def test_an_unfiltered_board_counts_plainly(pm_client, two_products):
    html = board(pm_client)
    assert count_text(html, Column.NOW) == "7"
    assert count_text(html, Column.NEXT) == "2"
    # The swimlane view is no filter: still plain counts.
    assert count_text(board(pm_client, view="lanes"), Column.NOW) == "7"


def test_a_filtered_board_keeps_its_counts_after_a_move(pm_client, two_products):
    """The headers a move redraws out of band count with the board's filters."""
    payroll, _ = two_products
    card = db.session.execute(
        db.select(RoadmapItem).where(RoadmapItem.product_id == payroll.id)
    ).scalar_one()
    answer = pm_client.hx_post(
        "/board/move",
        data={
            "item_id": card.id,
            "version": card.version,
            "column": "next",
            "product": payroll.id,
        },
    )
    assert answer.status_code == 200
    assert count_text(answer.text, Column.NOW) == "0 of 6"
    assert count_text(answer.text, Column.NEXT) == "1 of 3"


def test_the_wip_limit_counts_every_card_whatever_the_filter(leader_client, two_products):
    payroll, _ = two_products
    limit(Column.NOW, 4)
    now = header(board(leader_client, product=payroll.id), Column.NOW)
    assert now.one(".column-count").text == "1 of 7"
    assert "over-limit" in now.classes and "3 over the limit of 4" in now.text


@pytest.mark.parametrize(
    "args",
    [{}, {"product": "first"}, {"view": "lanes"}],
    ids=["plain", "filtered", "lanes"],
)
def test_counting_what_the_filters_show_costs_the_same_queries_on_any_board(
    pm_client, make, count_queries, args
):
    products = [make.product() for _ in range(5)]
    if args.get("product") == "first":
        args = {"product": products[0].id}

    def queries(size: int) -> int:
        for n in range(size):
            make.item(products[n % len(products)], column=OPEN_COLUMNS[n % 3])
        board(pm_client, **args)  # warm
        with count_queries() as statements:
            board(pm_client, **args)
        return len(statements)

    small = queries(3)
    assert queries(60) == small


# WIP warnings: a fact for readers, advice for those who can act -------------------------


@pytest.fixture
def over_limit(make):
    product = make.product()
    for _ in range(7):
        make.item(product, column=Column.NOW)
    limit(Column.NOW, 4)


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_read_only_users_read_the_wip_limit_as_a_fact(client_as, over_limit, role):
    now = header(board(client_as(role)), Column.NOW)
    assert now.one(".wip-warning").text == "3 over the limit of 4"
    assert "finish something" not in now.text


@pytest.mark.parametrize("role", ["pm", "admin"])
def test_product_managers_read_the_wip_limit_as_advice(client_as, over_limit, role):
    warning = header(board(client_as(role)), Column.NOW).one(".wip-warning").text
    assert warning == "Over the WIP limit by 3: finish something before starting more."


# The score ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["pm", "leader"])
def test_the_score_is_labelled(client_as, make, role):
    item = make.item(make.product(), reach=470, impact=1.0, confidence=80, effort=4.0)  # 94
    card = parse_html(board(client_as(role))).by_id(f"card-{item.id}")
    assert card.one(".card-score").text == "RICE 94"
    assert "reach × impact × confidence ÷ effort" in card.one(".card-score")["title"]


# Ship… and the arrows --------------------------------------------------------------------------


@pytest.fixture
def one_per_column(make):
    product = make.product()
    return {column: make.item(product, column=column) for column in Column}


@pytest.mark.parametrize("column", OPEN_COLUMNS, ids=lambda c: c.value)
def test_every_open_card_offers_ship(pm_client, one_per_column, column):
    item = one_per_column[column]
    card = parse_html(board(pm_client)).by_id(f"card-{item.id}")
    ship = card.one(f"#ship-{item.id}")
    assert ship.text == "Ship…" and ship["href"] == f"/board/items/{item.id}/ship"
    assert ship["hx-get"] == ship["href"] and ship["hx-target"] == "#board-dialog"
    # Without JavaScript the link is the ship page.
    page = pm_client.get(ship["href"])
    assert page.status_code == 200 and f"Ship “{item.title}”" in page.text


def test_a_shipped_card_offers_reopen_not_ship(pm_client, one_per_column):
    item = one_per_column[Column.SHIPPED]
    card = parse_html(board(pm_client)).by_id(f"card-{item.id}")
    assert card.select(f"#ship-{item.id}") == []
    assert card.one(f"#reopen-{item.id}").text == "Reopen…"


def test_a_now_card_ships_through_its_ship_link(pm_client, one_per_column):
    item = one_per_column[Column.NOW]
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/ship",
        data={
            "release_note": "Live for everyone.",
            "version": item.version,
            "shipped_on": date.today().isoformat(),
        },
    )
    assert answer.status_code == 200
    assert item.id in cards_in(answer.text, "cards-shipped")


@pytest.mark.parametrize(
    "column, direction, lands_in",
    [
        (Column.NOW, "next", Column.NEXT),
        (Column.NEXT, "previous", Column.NOW),
        (Column.NEXT, "next", Column.LATER),
        (Column.LATER, "previous", Column.NEXT),
    ],
)
def test_arrows_move_a_card_to_the_neighbouring_open_column(
    pm_client, one_per_column, column, direction, lands_in
):
    item = one_per_column[column]
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/move", data={"direction": direction, "version": item.version}
    )
    assert answer.status_code == 200 and "<dialog" not in answer.text
    assert cards_in(answer.text, f"cards-{lands_in.value}")[0] == item.id
    # Without JavaScript: the same move, then the board at the card.
    db.session.expire_all()
    moved = db.session.get(RoadmapItem, item.id)
    back = "previous" if direction == "next" else "next"
    page = pm_client.post(
        f"/board/items/{item.id}/move", data={"direction": back, "version": moved.version}
    )
    assert page.status_code == 302 and page.location.endswith(f"#card-{item.id}")
    db.session.expire_all()
    assert db.session.get(RoadmapItem, item.id).column is column


@pytest.mark.parametrize(
    "column, direction",
    [
        (Column.NOW, "previous"),  # the first column: the card stays
        (Column.LATER, "next"),  # no longer "Ship…": refused, pointing to Ship…
        (Column.SHIPPED, "previous"),  # no longer "Reopen…": refused, pointing to Reopen…
        (Column.SHIPPED, "next"),
    ],
)
def test_arrows_never_leave_the_open_columns(pm_client, one_per_column, column, direction):
    item = one_per_column[column]
    button = parse_html(board(pm_client)).by_id(f"move-{direction}-{item.id}")
    assert button.get("aria-disabled") == "true" and "Ship" not in button["aria-label"]
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/move", data={"direction": direction, "version": item.version}
    )
    assert answer.status_code in (200, 422) and "<dialog" not in answer.text
    db.session.expire_all()
    assert db.session.get(RoadmapItem, item.id).column is column


# The detail panel and its skip link ------------------------------------------------------------


def test_the_panel_heading_takes_focus_and_the_skip_link_leads_to_it(pm_client, make):
    item = make.item(make.product(), title="Faster payslips")
    page = parse_html(board(pm_client))
    skip = page.by_id("skip-to-panel")
    assert skip.text == "Skip to the card details" and skip["href"] == "#panel"
    assert "hidden" in skip.attrs  # until a card's details are open (board.js)
    assert page.by_id("panel").tag == "aside" and page.by_id("panel").text == ""
    detail = parse_html(pm_client.get(f"/board/items/{item.id}", headers=HX).text)
    heading = detail.by_id(f"item-{item.id}-title")
    assert heading.text == "Faster payslips" and heading["tabindex"] == "-1"
    close = detail.one("[data-close-panel]")
    assert close.text == "Close the details ✕" and close["href"] == "/board"


@pytest.mark.parametrize("role", ["pm", "leader"])
def test_the_board_script_serves_everyone_without_inline_script(client_as, make, role):
    """The panel's focus and Escape work for readers too; sorting only for PMs."""
    make.item(make.product())
    html = board(client_as(role))
    scripts = parse_html(html).select("script")
    assert all(script.get("src") for script in scripts)
    # Static names carry their content's hash: /static/js/board.<hash>.js
    sources = [re.sub(r"\.[0-9a-f]{12}\.", ".", script["src"]) for script in scripts]
    assert "/static/js/board.js" in sources
    assert ("/static/vendor/sortablejs/Sortable.min.js" in sources) is (role == "pm")


def test_a_move_on_a_filtered_board_costs_the_same_queries_on_any_board(
    pm_client, make, count_queries
):
    """The headers a move redraws count what the filters show: one query more
    than unfiltered, however many cards."""
    payroll, others = make.product(name="Payroll"), make.product(name="Intranet")

    def cost(size: int, filtered: bool) -> int:
        for n in range(size):
            make.item(payroll if n % 2 else others, column=OPEN_COLUMNS[n % 3])
        card = make.item(payroll, column=Column.NOW)
        data = {"item_id": card.id, "version": card.version, "column": "next"}
        if filtered:
            data["product"] = payroll.id
        with count_queries() as statements:
            answer = pm_client.hx_post("/board/move", data=data)
        assert answer.status_code == 200
        return len(statements)

    board(pm_client)  # warm: the first request of a session may load more
    small = cost(3, filtered=True)
    assert cost(60, filtered=True) == small == cost(3, filtered=False) + 1
