"""The roadmap board as people see it: filters, swimlanes, what a card shows,
WIP limits, column paging, adding and editing items, promoting a request, the
detail panel, a query count that does not grow with the board, and the
read-only board of leaders and stakeholders.

Moves, ranks, stale drags and shipping are in test_board_moves.py; who may
open which route is in test_roles.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portfolio.board.queries import COLUMN_PAGE
from portfolio.board.ranking import evenly_spaced_ranks
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Column,
    ColumnLimit,
    Request,
    RequestStatus,
    RoadmapItem,
    Tag,
    UsageLevel,
    Vote,
    roadmap_item_request,
)
from tests.helpers import (
    Element,
    card_ids,
    cards_in,
    count_rows,
    input_value,
    options,
    parse_html,
    selected_values,
    textarea_text,
)

MISSING = 999_999


# Reading the page ------------------------------------------------------------------


def board(client, **args) -> str:
    response = client.get("/board", query_string=args)
    assert response.status_code == 200
    return response.text


def find_card(html: str, item_id: int) -> Element:
    card = parse_html(html).by_id(f"card-{item_id}")
    assert card.tag == "article" and "card" in card.classes
    return card


def column_header(html: str, column: str) -> Element:
    header = parse_html(html).by_id(f"column-{column}-header")
    assert header.tag == "header"
    return header


def hidden_inputs(element: Element) -> dict[str, str | None]:
    return {field["name"]: field.get("value") for field in element.select("input[type=hidden]")}


def refresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def written() -> tuple[int, int]:
    """Rows a refused action must not have added."""
    return count_rows(RoadmapItem), count_rows(Activity)


# Filters -----------------------------------------------------------------------------


@pytest.fixture
def scene(make):
    """Four cards whose products, requests and usages answer different filters."""
    sales, ops = make.department(name="Sales"), make.department(name="Operations")
    crm, erp, wms = (make.product(name=name) for name in ("CRM", "ERP", "WMS"))
    crm.tags = [Tag(name="customers")]
    make.usage(erp, ops, level=UsageLevel.PRIMARY)
    make.usage(wms, ops, level=UsageLevel.OCCASIONAL)
    cards = SimpleNamespace(
        crm=make.item(crm, column=Column.NOW),
        erp=make.item(erp, column=Column.NEXT),
        wms=make.item(wms, column=Column.LATER),
        wms_asked=make.item(wms, column=Column.NOW),
    )
    cards.wms_asked.requests = [make.request(wms, department=sales)]
    db.session.commit()
    return SimpleNamespace(sales=sales, ops=ops, crm=crm, erp=erp, wms=wms, cards=cards)


@pytest.mark.parametrize(
    "args, expected",
    [
        (lambda s: {"product": s.crm.id}, ["crm"]),
        (lambda s: {"product": s.wms.id}, ["wms", "wms_asked"]),
        (lambda s: {"department": s.sales.id}, ["wms_asked"]),  # through a linked request
        (
            lambda s: {"department": s.ops.id},
            ["erp"],
        ),  # a product it uses as primary (not occasional)
        (lambda s: {"tag": "customers"}, ["crm"]),
        (lambda s: {"tag": "Customers "}, ["crm"]),
        (lambda s: {"product": s.wms.id, "department": s.sales.id}, ["wms_asked"]),
        (lambda s: {}, ["crm", "erp", "wms", "wms_asked"]),
    ],
    ids=[
        "product",
        "product-two-cards",
        "department-by-request",
        "department-by-primary-usage",
        "tag",
        "tag-any-case",
        "product-and-department",
        "none",
    ],
)
def test_filters_show_only_matching_cards(pm_client, scene, args, expected):
    shown = card_ids(board(pm_client, **args(scene)))
    assert sorted(shown) == sorted(getattr(scene.cards, name).id for name in expected)


@pytest.mark.parametrize(
    "args, message",
    [
        ({"product": "abc"}, "Unknown product ignored."),
        ({"department": "-3"}, "Unknown department ignored."),
        ({"product": "99999999999"}, "Unknown product ignored."),
        ({"product": "1 OR 1=1", "department": "x"}, "Unknown department ignored."),
    ],
)
def test_a_malformed_filter_is_ignored_with_a_message(pm_client, scene, args, message):
    html = board(pm_client, **args)
    assert message in html
    assert len(card_ids(html)) == 4


@pytest.mark.parametrize("name", ["product", "department"])
def test_an_unknown_filter_id_gives_a_message(pm_client, scene, name):
    html = board(pm_client, **{name: MISSING})
    assert f"Unknown {name} ignored." in html
    assert len(card_ids(html)) == 4  # the whole board, not an empty one


def test_an_unknown_tag_gives_a_message_and_the_whole_board(pm_client, scene):
    html = board(pm_client, tag="no-such-tag")
    assert "No product is tagged “no-such-tag”; tag ignored." in html
    assert len(card_ids(html)) == 4


def test_an_htmx_filter_answers_the_board_fragment(pm_client, scene):
    response = pm_client.hx_get("/board", query_string={"product": scene.crm.id})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in response.text and 'id="board-filters"' not in response.text
    assert response.text.lstrip().startswith('<section id="board"')
    assert card_ids(response.text) == [scene.cards.crm.id]


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_requests_get_the_whole_page(pm_client, scene, header):
    response = pm_client.hx_get(
        "/board", query_string={"product": scene.crm.id}, headers={header: "true"}
    )
    assert (
        response.status_code == 200
        and "<html" in response.text
        and 'id="board-filters"' in response.text
    )
    assert card_ids(response.text) == [scene.cards.crm.id]


@pytest.mark.parametrize(
    "direction, stale, status",
    [("up", True, 409), ("previous", False, 200)],
    ids=["stale-move", "move-to-another-column"],
)
def test_a_keyboard_move_keeps_the_filters(pm_client, admin_client, make, direction, stale, status):
    crm, erp = make.product(name="CRM"), make.product(name="ERP")
    mine = [make.item(crm, column=Column.NEXT) for _ in range(2)]
    hidden_card = make.item(erp, column=Column.NEXT)
    filters = {"product": str(crm.id), "view": "lanes"}
    page = board(pm_client, **filters)
    # One form for the whole board holds the filters (and the CSRF token);
    # each card's buttons submit it to their own card's move, with its version.
    assert hidden_inputs(parse_html(page).by_id("card-moves")).items() >= filters.items()
    for button in find_card(page, mine[1].id).select("button.move-button"):
        assert button["form"] == "card-moves"
        assert button["formaction"] == f"/board/items/{mine[1].id}/move?version=1"
    if stale:  # another pm moves the card after this board was loaded
        assert (
            admin_client.post(
                f"/board/items/{mine[1].id}/move",
                data={"direction": "up", "version": mine[1].version},
            ).status_code
            == 302
        )
    response = pm_client.hx_post(
        f"/board/items/{mine[1].id}/move",
        data={"direction": direction, "version": mine[1].version, **filters},
    )
    assert response.status_code == status and response.headers["HX-Retarget"] == "#board"
    assert "<html" not in response.text and "board-view-lanes" in response.text
    assert sorted(card_ids(response.text)) == sorted(card.id for card in mine)
    assert hidden_card.id not in card_ids(response.text)
    shared_form = parse_html(response.text).by_id("card-moves")
    assert hidden_inputs(shared_form).items() >= filters.items()


def test_a_refused_move_without_javascript_redirects_to_the_filtered_board(pm_client, make):
    item = make.item(make.product(), column=Column.NEXT)
    response = pm_client.post(
        f"/board/items/{item.id}/move",
        data={
            "direction": "up",
            "version": item.version + 5,
            "product": item.product_id,
            "tag": "finance",
        },
    )
    assert response.status_code == 302
    assert f"product={item.product_id}" in response.location and "tag=finance" in response.location


# Swimlanes -----------------------------------------------------------------------------


def test_swimlanes_give_each_product_a_lane_with_its_cards_in_their_columns(pm_client, make):
    zeta, alpha = make.product(name="Zeta"), make.product(name="Alpha")
    make.product(name="Empty")  # no card: no lane
    alpha_now = [make.item(alpha, column=Column.NOW) for _ in range(2)]
    alpha_shipped = make.item(alpha, column=Column.SHIPPED)
    zeta_next = make.item(zeta, column=Column.NEXT)
    html = board(pm_client, view="lanes")
    assert "board-view-lanes" in html
    lanes = parse_html(html).select("section.lane")
    # Each lane is a region named by its heading (#15: no aria-label on plain elements).
    assert [lane.by_id(lane["aria-labelledby"]).text for lane in lanes] == ["Alpha", "Zeta"]
    assert cards_in(html, f"cards-now-{alpha.id}") == [card.id for card in alpha_now]
    assert cards_in(html, f"cards-shipped-{alpha.id}") == [alpha_shipped.id]
    assert (
        cards_in(html, f"cards-next-{alpha.id}") == cards_in(html, f"cards-later-{alpha.id}") == []
    )
    assert cards_in(html, f"cards-next-{zeta.id}") == [zeta_next.id]
    assert cards_in(html, f"cards-now-{zeta.id}") == []


@pytest.mark.parametrize("view", ["columns", "kanban", ""])
def test_an_unknown_view_falls_back_to_columns(pm_client, make, view):
    item = make.item(make.product(), column=Column.LATER)
    html = board(pm_client, view=view)
    assert "board-view-columns" in html and 'class="lane"' not in html
    assert cards_in(html, "cards-later") == [item.id]


# What a card shows -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "reach, impact, confidence, effort, shown",
    [
        (500, 2.0, 80, 3.0, "267"),  # 266.67: whole numbers from 10 up
        (100, 1.0, 100, 10.0, "10"),
        (12, 0.5, 80, 1.0, "4.8"),  # one decimal below 10
        (10, 0.25, 50, 4.0, "0.3"),  # 0.3125
    ],
)
def test_a_card_shows_its_rice_score(pm_client, make, reach, impact, confidence, effort, shown):
    item = make.item(
        make.product(), reach=reach, impact=impact, confidence=confidence, effort=effort
    )
    card = find_card(board(pm_client), item.id)
    assert card.one('[data-testid="score"]').text == shown


def test_a_card_shows_product_title_votes_departments_and_owner(pm_client, make, users):
    product = make.product(name="Payroll")
    finance, sales = make.department(name="Finance"), make.department(name="Sales")
    asks = [
        make.request(product, department=finance),
        make.request(product, department=sales),
        make.request(product, department=finance),
    ]
    voters = [make.user() for _ in range(4)]
    for request, count in zip(asks, (2, 3, 1), strict=True):
        for voter in voters[:count]:
            make.vote(request, voter)
    item = make.item(product, title="Self-service payslips", owner=users["pm"])
    item.requests = asks
    bare = make.item(product, title="Quiet card")
    db.session.commit()
    html = board(pm_client)
    card = find_card(html, item.id)
    assert card.one("span.card-product").text == "Payroll"
    assert card.one(".card-title").text == "Self-service payslips"
    assert card.one("span.card-votes").text == "▲ 6 votes"
    assert [tag.text for tag in card.select("span.tag")] == ["Finance", "Sales"]
    assert card.one("span.card-owner").text == users["pm"].display_name
    quiet = find_card(html, bare.id)
    assert quiet.one("span.card-votes").text == "▲ 0 votes"
    assert quiet.select(".card-departments") == [] and quiet.one(".card-owner").text == "No owner"


# WIP limits ------------------------------------------------------------------------------


def limits_saved() -> dict[Column, int | None]:
    db.session.expire_all()
    return {
        row.column: row.wip_limit for row in db.session.execute(sa.select(ColumnLimit)).scalars()
    }


def test_saved_limits_warn_over_the_limit_column(pm_client, make):
    product = make.product()
    for _ in range(3):
        make.item(product, column=Column.NOW)
    make.item(product, column=Column.LATER)
    response = pm_client.post("/board/limits", data={"now": "1", "next": "", "later": "4"})
    assert response.status_code == 302
    assert limits_saved() == {Column.NOW: 1, Column.NEXT: None, Column.LATER: 4}
    html = pm_client.get(response.location).text
    assert "Work-in-progress limits saved." in html
    now = column_header(html, "now")
    assert "over-limit" in now.classes and "Over the WIP limit by 2" in now.text
    assert now.one(".column-limit").text == "/ 1"
    later = column_header(html, "later")
    assert "over-limit" not in later.html and "Over the WIP limit" not in later.text
    assert later.one(".column-limit").text == "/ 4"
    assert "Over the WIP limit" not in column_header(html, "next").text


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "2.5", "1001"])
def test_invalid_limits_are_refused_and_nothing_is_saved(pm_client, bad):
    pm_client.post("/board/limits", data={"now": "5", "next": "6", "later": ""})
    response = pm_client.post(
        "/board/limits", data={"now": "2", "next": bad, "later": "3"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "WIP limits must be whole numbers of 1 or more" in response.text
    assert limits_saved() == {Column.NOW: 5, Column.NEXT: 6, Column.LATER: None}


# Column paging ---------------------------------------------------------------------------


def fill_column(product, column: Column, size: int) -> list[int]:
    db.session.execute(
        sa.insert(RoadmapItem),
        [
            {
                "product_id": product.id,
                "title": f"Card {n}",
                "description": "",
                "column": column,
                "rank": rank,
                "reach": 10,
                "impact": 1.0,
                "confidence": 80,
                "effort": 1.0,
                "hours_saved_per_month": 0,
                "cost_saved_per_year": 0,
                "version": 1,
            }
            for n, rank in enumerate(evenly_spaced_ranks(size))
        ],
    )
    db.session.commit()
    return (
        db.session.execute(
            sa.select(RoadmapItem.id).where(RoadmapItem.column == column).order_by(RoadmapItem.rank)
        )
        .scalars()
        .all()
    )


@pytest.mark.parametrize(
    "size, more", [(COLUMN_PAGE + 1, "Show 1 more card<"), (COLUMN_PAGE + 7, "Show 7 more cards<")]
)
def test_a_long_column_draws_a_page_and_offers_the_rest(pm_client, make, size, more):
    product = make.product()
    ids = fill_column(product, Column.NEXT, size)
    short = make.item(product, column=Column.NOW)
    html = board(pm_client, product=product.id)
    assert cards_in(html, "cards-next") == ids[:COLUMN_PAGE]
    assert cards_in(html, "cards-now") == [short.id]
    assert html.count("more card") == 1 and more in html
    link = parse_html(html).one("p.column-more > a")
    assert link["href"] == f"/board/columns/next?page=2&product={product.id}"
    assert link["hx-target"] == "#cards-next" and link["hx-swap"] == "beforeend"
    # htmx appends the next page to the column, and the link says what is left.
    more = pm_client.hx_get(link["href"])
    assert more.status_code == 200 and "<html" not in more.text
    assert card_ids(more.text) == ids[COLUMN_PAGE:]
    left = parse_html(more.text).by_id("more-next")
    assert left["hx-swap-oob"] == "true" and "more card" not in left.text
    # Without JavaScript, the column's own page: read-only, paged.
    page = pm_client.get(link["href"])
    assert page.status_code == 200 and "<h1>Next</h1>" in page.text
    assert cards_in(page.text, "cards-next") == ids[COLUMN_PAGE:]
    assert "Page 2 of 2" in page.text and 'form="card-moves"' not in page.text


def test_column_pages_stay_bounded_and_clamped(pm_client, make):
    product = make.product()
    ids = fill_column(product, Column.NOW, COLUMN_PAGE + 3)
    last = pm_client.get("/board/columns/now?page=999")
    assert last.status_code == 200 and cards_in(last.text, "cards-now") == ids[COLUMN_PAGE:]
    for page in ("0", "-1", "abc", "1" * 40):
        answer = pm_client.get(f"/board/columns/now?page={page}")
        assert answer.status_code == 200 and cards_in(answer.text, "cards-now") == ids[:COLUMN_PAGE]
    assert pm_client.get("/board/columns/nowhere").status_code == 404
    empty = pm_client.get("/board/columns/later")
    assert empty.status_code == 200 and "No card" in empty.text


def test_swimlanes_never_hide_cards_silently(pm_client, make):
    product = make.product()
    ids = fill_column(product, Column.NEXT, COLUMN_PAGE + 1)
    html = board(pm_client, view="lanes")
    drawn = cards_in(html, f"cards-next-{product.id}")
    assert drawn == ids or (drawn == ids[:COLUMN_PAGE] and "Show 1 more card" in html)


# Adding and editing items ------------------------------------------------------------------


def item_data(product, **overrides) -> dict:
    data = {
        "product_id": str(product.id),
        "title": "Match invoices automatically",
        "description": "Fewer **manual** matches.",
        "column": "next",
        "owner_id": "",
        "reach": "400",
        "impact": "2",
        "confidence": "80",
        "effort": "4",
        "hours_saved_per_month": "30",
        "cost_saved_per_year": "1200",
        "measure_id": "",
        "expected_change": "",
    }
    data.update(overrides)
    return data


def field_error(html: str, field: str) -> str:
    found = parse_html(html).select(f"small.field-error#{field}-error")
    return found[0].text if found else ""


def test_the_new_item_form_has_no_score_field_and_prefills_product_and_owner(
    pm_client, make, users
):
    product = make.product(name="Ledger")
    html = pm_client.get("/board/items/new", query_string={"product": product.id}).text
    assert 'name="score"' not in html and "reach × impact × confidence ÷ effort" in html
    assert (str(product.id), "Ledger", True) in options(html, "product_id")
    assert selected_values(html, "product_id") == [str(product.id)]
    assert selected_values(html, "owner_id") == [str(users["pm"].id)]


def test_adding_an_item_puts_it_at_the_bottom_of_its_column_with_a_derived_score(
    pm_client, make, users
):
    product = make.product()
    ask = make.request(product)
    existing = [make.item(product, column=Column.NEXT) for _ in range(2)]
    data = item_data(
        product, owner_id=str(users["pm"].id), request_ids=[str(ask.id)], score="99999"
    )
    response = pm_client.post("/board/items/new", data=data)
    assert response.status_code == 302
    item = db.session.execute(
        sa.select(RoadmapItem).where(RoadmapItem.title == data["title"])
    ).scalar_one()
    assert response.location.endswith(f"/board/items/{item.id}")
    assert item.column is Column.NEXT and item.rank > max(card.rank for card in existing)
    assert (item.reach, item.impact, item.confidence, item.effort) == (400, 2.0, 80, 4.0)
    assert item.score == pytest.approx(160.0) and item.owner_id == users["pm"].id
    assert [linked.id for linked in item.requests] == [
        ask.id
    ] and item.description == "Fewer **manual** matches."
    assert cards_in(board(pm_client), "cards-next")[-1] == item.id
    assert db.session.execute(
        sa.select(Activity.verb).where(Activity.item_id == item.id)
    ).scalars().all() == ["item_created"]


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("effort", "0", "Effort must be more than 0 person-weeks."),
        ("effort", "", "Enter the effort."),
        ("impact", "0.7", "Not a valid choice."),
        ("confidence", "75", "Not a valid choice."),
        ("title", "   ", "This field is required."),
        ("reach", "-5", "Enter 0 or a positive whole number."),
        ("product_id", "", "Choose the product."),
        ("column", "shipped", "Not a valid choice."),
        (
            "request_ids",
            lambda make: [str(make.request().id)],
            "Link only requests about the same product",
        ),
    ],
)
def test_an_invalid_new_item_is_refused_with_the_error_beside_the_field(
    pm_client, make, field, value, error
):
    product = make.product()
    value = value(make) if callable(value) else value
    data = item_data(product, **{field: value})
    before = written()
    response = pm_client.post("/board/items/new", data=data)
    assert response.status_code == 422
    assert error in field_error(response.text, field)
    assert written() == before
    typed = {**item_data(product), field: value}
    for name in ("title", "reach", "effort", "cost_saved_per_year"):
        assert input_value(response.text, name) == typed[name].strip()
    assert textarea_text(response.text, "description") == "Fewer **manual** matches."


def test_editing_saves_the_item(pm_client, make, users):
    item = make.item(make.product(), column=Column.NOW, title="Old title", reach=10)
    version = item.version
    form = pm_client.get(f"/board/items/{item.id}/edit").text
    assert (
        input_value(form, "version") == str(version) and input_value(form, "title") == "Old title"
    )
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(
            item.product, title="New title", reach="900", effort="3", version=str(version)
        ),
    )
    assert response.status_code == 302 and response.location.endswith(f"/board/items/{item.id}")
    saved = refresh(item)
    assert (saved.title, saved.reach, saved.effort, saved.column) == (
        "New title",
        900,
        3.0,
        Column.NOW,
    )
    assert saved.version == version + 1 and saved.score == pytest.approx(480.0)
    assert (
        count_rows(Activity, Activity.verb == "item_edited", Activity.actor_id == users["pm"].id)
        == 1
    )


def test_a_stale_edit_is_refused_and_keeps_what_the_user_typed(
    pm_client, admin_client, make, users
):
    item = make.item(make.product(), column=Column.NEXT, title="Original", reach=10)
    opened_version = item.version
    assert (
        admin_client.post(
            f"/board/items/{item.id}/move",
            data={"direction": "previous", "version": opened_version},
        ).status_code
        == 302
    )
    moved = refresh(item)
    before = written()
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(
            moved.product, title="My careful rewrite", reach="777", version=str(opened_version)
        ),
    )
    assert response.status_code == 409
    assert (
        'data-testid="edit-conflict"' in response.text
        and users["admin"].display_name in response.text
    )
    assert input_value(response.text, "title") == "My careful rewrite"
    assert input_value(response.text, "reach") == "777"
    assert written() == before
    current = refresh(item)
    assert (current.title, current.reach, current.version) == ("Original", 10, moved.version)
    # The form now carries the current version: saving again goes through.
    again = input_value(response.text, "version")
    assert again == str(moved.version)
    retry = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(moved.product, title="My careful rewrite", reach="777", version=again),
    )
    assert retry.status_code == 302 and refresh(item).title == "My careful rewrite"


def test_a_stale_edit_names_who_changed_the_item(pm_client, admin_client, client_for, make, users):
    item = make.item(make.product(), column=Column.NEXT, title="Original")
    assert (
        admin_client.post(
            f"/board/items/{item.id}/move", data={"direction": "previous", "version": item.version}
        ).status_code
        == 302
    )
    opened_version = refresh(item).version
    other_pm = client_for(make.user("pm", display_name="Robin Editor"))
    assert (
        other_pm.post(
            f"/board/items/{item.id}/edit",
            data=item_data(item.product, title="Robin's title", version=str(opened_version)),
        ).status_code
        == 302
    )
    response = pm_client.post(
        f"/board/items/{item.id}/edit",
        data=item_data(item.product, title="Mine", version=str(opened_version)),
    )
    assert response.status_code == 409
    conflict = parse_html(response.text).one('[data-testid="edit-conflict"]').text
    assert users["admin"].display_name not in conflict
    assert "Robin Editor" in conflict or "Someone" in conflict


def test_a_move_refused_after_an_edit_names_the_editor(pm_client, client_for, make, users):
    item = make.item(make.product(), column=Column.NEXT)
    loaded_version = item.version
    editor = client_for(make.user("pm", display_name="Robin Editor"))
    assert (
        editor.post(
            f"/board/items/{item.id}/edit",
            data=item_data(item.product, title="Renamed", version=str(loaded_version)),
        ).status_code
        == 302
    )
    response = pm_client.hx_post(
        f"/board/items/{item.id}/move",
        data={"direction": "previous", "version": loaded_version},
    )
    assert response.status_code == 409
    assert (
        "Robin Editor edited “Renamed”" in response.text
        and users["pm"].display_name not in response.text
    )
    assert refresh(item).column is Column.NEXT


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("GET", "/board/items/{id}", {}),
        ("GET", "/board/items/{id}/edit", {}),
        ("POST", "/board/items/{id}/edit", {"title": "x", "version": "1"}),
        ("GET", "/board/items/{id}/ship", {}),
        (
            "POST",
            "/board/items/{id}/ship",
            {"release_note": "x", "shipped_on": "2026-01-05", "version": "1"},
        ),
        ("POST", "/board/items/{id}/move", {"direction": "up", "version": "1"}),
        ("POST", "/board/move", {"item_id": "{id}", "version": "1", "column": "now"}),
        ("POST", "/requests/{id}/promote", {}),
    ],
)
def test_an_unknown_id_is_404_and_changes_nothing(pm_client, make, method, url, data):
    make.item(make.product())
    before = written()
    response = pm_client.open(
        url.format(id=MISSING),
        method=method,
        data={key: value.format(id=MISSING) for key, value in data.items()},
    )
    assert response.status_code == 404
    assert written() == before


# Promoting a request ----------------------------------------------------------------------


def test_promoting_a_request_adds_it_to_the_bottom_of_later(pm_client, make, users):
    product = make.product()
    ask = make.request(
        product,
        title="Export to CSV",
        description="Please.",
        department=make.department(headcount=40),
    )
    already_later = make.item(product, column=Column.LATER)
    response = pm_client.post(f"/requests/{ask.id}/promote")
    assert response.status_code == 302
    item = db.session.execute(
        sa.select(RoadmapItem).where(RoadmapItem.id != already_later.id)
    ).scalar_one()
    assert response.location.endswith(f"/board/items/{item.id}/edit")
    assert (item.title, item.description, item.product_id, item.reach) == (
        "Export to CSV",
        "Please.",
        product.id,
        40,
    )
    assert (
        item.column is Column.LATER
        and item.rank > already_later.rank
        and item.owner_id == users["pm"].id
    )
    assert [linked.id for linked in item.requests] == [ask.id]
    assert refresh(ask).status is RequestStatus.PLANNED
    verbs = db.session.execute(
        sa.select(Activity.verb).where(Activity.actor_id == users["pm"].id)
    ).scalars()
    assert sorted(verbs) == ["request_promoted", "request_status_changed"]


@pytest.mark.parametrize(
    "status, fields",
    [
        (RequestStatus.DECLINED, {"decline_reason": "Out of scope"}),
        (RequestStatus.SHIPPED, {}),
        (RequestStatus.DUPLICATE, {}),
    ],
)
def test_a_closed_request_cannot_be_promoted(pm_client, make, status, fields):
    product = make.product()
    if status is RequestStatus.DUPLICATE:
        fields = {"duplicate_of": make.request(product)}
    ask = make.request(product, status=status, **fields)
    before = written()
    response = pm_client.post(f"/requests/{ask.id}/promote", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == f"/requests/{ask.id}"
    assert f"A {status.label.lower()} request cannot be promoted." in response.text
    assert written() == before and count_rows(roadmap_item_request) == 0
    assert refresh(ask).status is status


# The detail panel -------------------------------------------------------------------------


@pytest.fixture
def detailed_item(make, users):
    product = make.product(name="Warehouse")
    dock = make.department(name="Logistics")
    quiet, popular = (
        make.request(product, title="Label printing"),
        make.request(product, title="Scan faster", department=dock),
    )
    for voter in [make.user() for _ in range(3)]:
        make.vote(popular, voter)
    make.vote(quiet, users["leader"])
    item = make.item(
        product,
        title="Handheld scanners",
        description="Give pickers **scanners**.",
        reach=1200,
        impact=2.0,
        confidence=80,
        effort=4.0,
    )
    item.requests = [quiet, popular]
    db.session.commit()
    make.comment(users["stakeholder"], "Please before peak season", item_id=item.id)
    return SimpleNamespace(item=item, quiet=quiet, popular=popular)


@pytest.mark.parametrize(
    "htmx, full_page", [(True, False), (False, True)], ids=["htmx-panel", "page"]
)
def test_the_detail_shows_description_rice_requests_and_comments(
    stakeholder_client, detailed_item, htmx, full_page
):
    item, quiet, popular = detailed_item.item, detailed_item.quiet, detailed_item.popular
    get = stakeholder_client.hx_get if htmx else stakeholder_client.get
    response = get(f"/board/items/{item.id}")
    assert response.status_code == 200 and ("<html" in response.text) is full_page
    html = response.text
    assert "Handheld scanners" in html and "Give pickers <strong>scanners</strong>." in html
    rice = parse_html(html).one("table.rice.compact")
    for shown in ("1,200 people per quarter", "× 2.00", "× 80 %", "÷ 4.0 person-weeks"):
        assert shown in rice.text
    assert rice.one('[data-testid="rice-score"]').text == "480.0"
    linked = []
    for answered in parse_html(html).select("ul.linked-requests > li"):
        number = answered.one("a").text.split()[0]
        votes, department, _status = answered.one("span.muted.small").text.split(" · ")
        linked.append((number.removeprefix("#"), votes.removeprefix("▲ "), department))
    assert linked == [(str(popular.id), "3", "Logistics"), (str(quiet.id), "1", "—")]
    assert "Please before peak season" in html and "Comments <small" in html


# Query count ------------------------------------------------------------------------------


def populate(products, departments, voters, size: int) -> None:
    """`size` cards over every column and many products, most answering one or two
    requests with votes."""
    for table in (
        roadmap_item_request,
        Vote.__table__,
        Activity.__table__,
        RoadmapItem.__table__,
        Request.__table__,
    ):
        db.session.execute(table.delete())
    db.session.execute(
        sa.insert(Request),
        [
            {
                "product_id": products[n % len(products)].id,
                "title": f"Ask {n}",
                "description": "",
                "department_id": departments[n % len(departments)].id,
                "status": RequestStatus.PLANNED,
            }
            for n in range(size + 1)
        ],
    )
    asks = db.session.execute(sa.select(Request.id, Request.product_id).order_by(Request.id)).all()
    db.session.execute(
        sa.insert(Vote),
        [
            {"request_id": ask_id, "user_id": voter.id}
            for n, (ask_id, _) in enumerate(asks)
            for voter in voters[: n % (len(voters) + 1)]
        ],
    )
    columns = list(Column)
    for position, column in enumerate(columns):
        count = len(range(position, size, len(columns)))
        db.session.execute(
            sa.insert(RoadmapItem),
            [
                {
                    "product_id": asks[position + n * len(columns)][1],
                    "title": f"Card {column.value} {n}",
                    "description": "",
                    "column": column,
                    "rank": rank,
                    "owner_id": voters[n % len(voters)].id,
                    "reach": 10 + n,
                    "impact": 1.0,
                    "confidence": 80,
                    "effort": 1.0,
                    "hours_saved_per_month": 0,
                    "cost_saved_per_year": 0,
                    "version": 1,
                }
                for n, rank in enumerate(evenly_spaced_ranks(count))
            ],
        )
    items = db.session.execute(sa.select(RoadmapItem.id, RoadmapItem.product_id)).all()
    by_product = {}
    for ask_id, product_id in asks:
        by_product.setdefault(product_id, []).append(ask_id)
    db.session.execute(
        roadmap_item_request.insert(),
        [
            {"item_id": item_id, "request_id": ask_id}
            for n, (item_id, product_id) in enumerate(items)
            for ask_id in set(by_product[product_id][n % 3 : n % 3 + 2])
        ],
    )
    db.session.commit()
    assert count_rows(RoadmapItem) == size


@pytest.mark.parametrize(
    "args",
    [
        lambda products, departments: {},
        lambda products, departments: {"view": "lanes"},
        lambda products, departments: {"tag": "ops", "view": "lanes"},
        lambda products, departments: {"department": departments[0].id},
    ],
    ids=["columns", "lanes", "tag", "department"],
)
def test_the_board_costs_the_same_queries_with_10_and_300_cards(
    pm_client, make, users, count_queries, args
):
    departments = [make.department() for _ in range(4)]
    products = [make.product() for _ in range(30)]  # 10 cards meet 10 of them, 300 meet all
    for product in products[::3]:
        make.usage(product, departments[0])
    products[0].tags = [Tag(name="ops")]
    db.session.commit()
    voters = [users[role] for role in ("pm", "admin", "leader", "stakeholder")] + [
        make.user() for _ in range(8)
    ]
    args = args(products, departments)

    def queries(size: int) -> int:
        populate(products, departments, voters, size)
        board(pm_client, **args)  # warm: the first request of a session may load more
        with count_queries() as statements:
            html = board(pm_client, **args)
        assert 0 < len(card_ids(html)) <= size
        return len(statements)

    assert queries(10) == queries(300)


# Read-only board ---------------------------------------------------------------------------

MOVE_CONTROLS = (
    "drag-handle",
    "data-sortable",
    "card-moves",
    "Order by score",
    "/board/limits",
    "Add an item",
    "Sortable.min.",  # fingerprinted: Sortable.min.<hash>.js
)


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
@pytest.mark.parametrize("view", ["columns", "lanes"])
def test_leaders_and_stakeholders_see_the_board_read_only(client_as, make, role, view):
    product = make.product()
    cards = [make.item(product, column=column) for column in (Column.NOW, Column.NOW, Column.LATER)]
    pm_html = board(client_as("pm"), view=view)
    assert all(control in pm_html for control in MOVE_CONTROLS)  # the controls exist for a pm
    html = board(client_as(role), view=view)
    assert sorted(card_ids(html)) == sorted(card.id for card in cards)
    assert [control for control in MOVE_CONTROLS if control in html] == []
    assert "read-only" in html
