"""The board's ordering rules: ranks, moves, stale versions, shipping."""

from __future__ import annotations

import random
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.board.moves import MoveRefused, StaleMove, move_by_direction, move_item, rebalance
from portfolio.board.ranking import REBALANCE_LENGTH, evenly_spaced_ranks, rank_between
from portfolio.extensions import db
from portfolio.models import Activity, Column, RequestStatus, RoadmapItem
from tests.helpers import cards_in, count_rows, parse_html, postgres_url

COLUMNS = [Column.NOW, Column.NEXT, Column.LATER]


def order(column: Column) -> list[int]:
    db.session.expire_all()
    return (
        db.session.execute(
            sa.select(RoadmapItem.id).where(RoadmapItem.column == column).order_by(RoadmapItem.rank)
        )
        .scalars()
        .all()
    )


def ranks(column: Column) -> list[str]:
    return (
        db.session.execute(
            sa.select(RoadmapItem.rank)
            .where(RoadmapItem.column == column)
            .order_by(RoadmapItem.rank)
        )
        .scalars()
        .all()
    )


# Pure ranks ---------------------------------------------------------------------------

rank_text = st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
    lambda r: not r.endswith("0")
)


@given(a=rank_text, b=rank_text)
def test_rank_between_is_strictly_between(a, b):
    low, high = sorted([a, b])
    if low == high:
        return
    middle = rank_between(low, high)
    assert low < middle < high and not middle.endswith("0")
    assert rank_between(None, low) < low and rank_between(high, None) > high


def test_repeated_inserts_into_one_gap_stay_ordered():
    low, high = "h", "i"
    for _ in range(500):
        middle = rank_between(low, high)
        assert low < middle < high
        high = middle


@pytest.mark.parametrize("bad", [("a0", None), ("b", "a"), ("A", None), ("a", "a")])
def test_invalid_ranks_are_refused(bad):
    with pytest.raises(ValueError):
        rank_between(*bad)


@pytest.mark.parametrize("count", [0, 1, 2, 35, 36, 1000, 5000])
def test_evenly_spaced_ranks(count):
    spaced = evenly_spaced_ranks(count)
    assert len(spaced) == len(set(spaced)) == count
    assert spaced == sorted(spaced) and all(not r.endswith("0") for r in spaced)
    assert all(len(r) <= 3 for r in spaced)


# Moves against a reference model ---------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(COLUMNS)),
        st.tuples(
            st.just("drag"), st.integers(0, 30), st.sampled_from(COLUMNS), st.integers(0, 30)
        ),
        st.tuples(
            st.just("key"), st.integers(0, 30), st.sampled_from(["up", "down", "previous", "next"])
        ),
        st.tuples(st.just("rebalance"), st.sampled_from(COLUMNS)),
    ),
    min_size=1,
    max_size=25,
)


def test_any_sequence_of_moves_matches_a_reference_list_model(app, make, users):
    product = make.product()
    pm = users["pm"]

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(steps=operations)
    def run(steps):
        db.session.execute(sa.delete(Activity))
        db.session.execute(sa.delete(RoadmapItem))
        db.session.commit()
        model: dict[Column, list[int]] = {column: [] for column in COLUMNS}
        for step in steps:
            if step[0] == "create":
                item = make.item(product, column=step[1])
                model[step[1]].append(item.id)
            elif step[0] == "rebalance":
                rebalance(db.session, step[1])
                db.session.commit()
            else:
                cards = [card for column in COLUMNS for card in model[column]]
                if not cards:
                    continue
                card = cards[step[1] % len(cards)]
                source = next(column for column in COLUMNS if card in model[column])
                item = db.session.get(RoadmapItem, card)
                if step[0] == "drag":
                    target = step[2]
                    others = [c for c in model[target] if c != card]
                    position = step[3] % (len(others) + 1)
                    above = others[position - 1] if position > 0 else None
                    below = others[position] if position < len(others) else None
                    move_item(
                        db.session,
                        item,
                        column=target,
                        above_id=above,
                        below_id=below,
                        expected_version=item.version,
                        actor=pm,
                    )
                    db.session.commit()
                    model[source].remove(card)
                    model[target] = others[:position] + [card] + others[position:]
                else:
                    direction = step[2]
                    index = model[source].index(card)
                    try:
                        moved = move_by_direction(
                            db.session, item, direction, expected_version=item.version, actor=pm
                        )
                    except MoveRefused:
                        db.session.rollback()
                        assert (
                            source is Column.LATER and direction == "next"
                        )  # Shipped needs a release note
                        continue
                    db.session.commit()
                    if direction in ("up", "down"):
                        step_by = -1 if direction == "up" else 1
                        if 0 <= index + step_by < len(model[source]):
                            assert moved
                            model[source].insert(index + step_by, model[source].pop(index))
                        else:
                            assert not moved
                    else:
                        target_index = COLUMNS.index(source) + (
                            -1 if direction == "previous" else 1
                        )
                        if 0 <= target_index < len(COLUMNS):
                            model[source].remove(card)
                            model[COLUMNS[target_index]].insert(0, card)
                        else:
                            assert not moved
            for column in COLUMNS:
                assert order(column) == model[column]
                column_ranks = ranks(column)
                assert len(set(column_ranks)) == len(column_ranks)

    run()


def test_moves_into_one_gap_trigger_a_rebalance_that_keeps_the_order(app, make, users):
    product = make.product()
    cards = [make.item(product, column=Column.NOW) for _ in range(4)]
    first, mover_a, mover_b = cards[0], cards[2], cards[3]
    for n in range(6 * REBALANCE_LENGTH):
        mover = mover_a if n % 2 == 0 else mover_b
        db.session.refresh(mover)
        move_item(
            db.session,
            mover,
            column=Column.NOW,
            above_id=first.id,
            below_id=None,
            expected_version=mover.version,
            actor=users["pm"],
        )
        db.session.commit()
        assert order(Column.NOW)[:2] == [first.id, mover.id]
    assert max(len(rank) for rank in ranks(Column.NOW)) < REBALANCE_LENGTH


def test_a_stale_version_is_refused_and_changes_nothing(app, make, users):
    item = make.item(make.product(), column=Column.NEXT)
    before = order(Column.NEXT)
    with pytest.raises(StaleMove) as refused:
        move_by_direction(
            db.session, item, "previous", expected_version=item.version - 1, actor=users["pm"]
        )
    db.session.rollback()
    assert order(Column.NEXT) == before and "changed by someone else" in refused.value.message


# Through HTTP ---------------------------------------------------------------------------


def build_column(size: int, product) -> list[int]:
    db.session.execute(
        sa.insert(RoadmapItem),
        [
            {
                "product_id": product.id,
                "title": f"Card {i}",
                "description": "",
                "column": Column.NOW,
                "rank": rank,
                "reach": 10,
                "impact": 1.0,
                "confidence": 80,
                "effort": 1.0,
                "hours_saved_per_month": 0,
                "cost_saved_per_year": 0,
                "version": 1,
            }
            for i, rank in enumerate(evenly_spaced_ranks(size))
        ],
    )
    db.session.commit()
    return order(Column.NOW)


@pytest.mark.parametrize("kind", ["drag", "keyboard"])
def test_a_move_costs_the_same_queries_in_10_and_5000_card_columns(
    pm_client, make, count_queries, kind
):
    def move_queries(size: int) -> tuple[int, int]:
        db.session.execute(sa.delete(Activity))
        db.session.execute(sa.delete(RoadmapItem))
        db.session.commit()
        ids = build_column(size, make.product())
        middle = ids[len(ids) // 2]
        rows_before = count_rows(RoadmapItem) + count_rows(Activity)
        with count_queries() as statements:
            if kind == "drag":
                response = pm_client.hx_post(
                    "/board/move",
                    data={
                        "item_id": middle,
                        "version": 1,
                        "column": "now",
                        "above_id": ids[1],
                        "below_id": "",
                    },
                )
            else:
                response = pm_client.hx_post(
                    f"/board/items/{middle}/move",
                    data={"direction": "up", "version": 1},
                )
        assert response.status_code == 200
        writes = [
            s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert count_rows(RoadmapItem) + count_rows(Activity) == rows_before + 1  # one activity row
        return len(statements), len(writes)

    assert move_queries(10) == move_queries(5000)


def test_drag_answers_the_card_and_the_headers_it_changed(pm_client, make):
    product = make.product()
    now = [make.item(product, column=Column.NOW) for _ in range(3)]
    later = make.item(product, column=Column.LATER)
    response = pm_client.hx_post(
        "/board/move",
        data={
            "item_id": later.id,
            "version": later.version,
            "column": "now",
            "above_id": now[0].id,
            "below_id": now[1].id,
        },
    )
    assert response.status_code == 200 and response.headers["HX-Retarget"] == f"#card-{later.id}"
    answer = parse_html(response.text)
    assert answer.by_id(f"card-{later.id}")["data-version"] == str(later.version + 1)
    assert answer.by_id("column-now-header")["hx-swap-oob"] == "true"
    assert order(Column.NOW) == [now[0].id, later.id, now[1].id, now[2].id]
    page = pm_client.get("/board").text
    assert cards_in(page, "cards-now") == [now[0].id, later.id, now[1].id, now[2].id]


def test_stale_drag_gets_409_with_who_moved_it(pm_client, admin_client, make, users):
    product = make.product()
    cards = [make.item(product, column=Column.NEXT) for _ in range(3)]
    stale_version = cards[2].version
    assert (
        admin_client.post(
            f"/board/items/{cards[2].id}/move", data={"direction": "up", "version": stale_version}
        ).status_code
        == 302
    )
    after_admin = order(Column.NEXT)
    response = pm_client.hx_post(
        "/board/move",
        data={
            "item_id": cards[2].id,
            "version": stale_version,
            "column": "next",
            "above_id": "",
            "below_id": cards[0].id,
        },
    )
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#board"
    assert (
        'data-testid="board-conflict"' in response.text
        and users["admin"].display_name in response.text
    )
    assert order(Column.NEXT) == after_admin


def test_dropping_into_shipped_asks_for_a_release_note(pm_client, make):
    item = make.item(make.product(), column=Column.NOW)
    response = pm_client.hx_post(
        "/board/move",
        data={
            "item_id": item.id,
            "version": item.version,
            "column": "shipped",
            "above_id": "",
            "below_id": "",
        },
    )
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#board-dialog"
    assert "Release note" in response.text and order(Column.NOW) == [item.id]


def test_shipping_marks_linked_open_requests_shipped(pm_client, make):
    product = make.product()
    open_request = make.request(product, status=RequestStatus.PLANNED)
    declined = make.request(product, status=RequestStatus.DECLINED, decline_reason="No")
    item = make.item(product, column=Column.NOW)
    item.requests = [open_request, declined]
    db.session.commit()
    empty = pm_client.post(
        f"/board/items/{item.id}/ship",
        data={"release_note": "", "version": item.version, "shipped_on": date.today().isoformat()},
    )
    assert empty.status_code == 422 and order(Column.SHIPPED) == []
    shipped = pm_client.post(
        f"/board/items/{item.id}/ship",
        data={"release_note": "Done", "version": item.version, "shipped_on": "2026-11-20"},
    )
    assert shipped.status_code == 302
    db.session.expire_all()
    item = db.session.get(RoadmapItem, item.id)
    assert (
        item.column is Column.SHIPPED
        and item.shipped_on == date(2026, 11, 20)
        and item.release_note == "Done"
    )
    assert (
        open_request.status is RequestStatus.SHIPPED and declined.status is RequestStatus.DECLINED
    )
    assert {a.verb for a in db.session.execute(sa.select(Activity)).scalars()} >= {
        "item_shipped",
        "request_status_changed",
    }


@pytest.mark.parametrize(
    "url, data",
    [
        ("/board/move", {"item_id": "{item}", "version": "1", "column": "next"}),
        ("/board/items/{item}/move", {"direction": "down", "version": "1"}),
        (
            "/board/items/{item}/ship",
            {"release_note": "x", "version": "1", "shipped_on": "2026-11-20"},
        ),
        ("/board/columns/now/order-by-score", {}),
        ("/board/limits", {"now": "3"}),
    ],
)
def test_board_writes_need_the_csrf_token(pm_client, make, url, data):
    item = make.item(make.product(), column=Column.NOW)
    before = (order(Column.NOW), order(Column.NEXT))
    response = pm_client.post(
        url.format(item=item.id),
        data={k: v.format(item=item.id) for k, v in data.items()},
        csrf=False,
    )
    assert response.status_code == 400
    assert (order(Column.NOW), order(Column.NEXT)) == before


@pytest.mark.skipif(
    postgres_url() is None, reason="concurrency is tested against PostgreSQL (TEST_DATABASE_URL)"
)
@pytest.mark.parametrize("reorders", [False, True], ids=["moves", "moves-and-order-by-score"])
def test_two_pms_moving_at_once_never_lose_a_move(app, make, users, client_for, reorders):
    """Two PMs move cards in one column at once; with `reorders` the second one
    also orders the column by score now and then, racing the first one's moves."""
    product = make.product()
    ids = [make.item(product, column=Column.NOW, reach=10 * n).id for n in range(12)]
    clients = [client_for(users["pm"]), client_for(users["admin"])]
    accepted, refused, errors, reordered = [], [], [], []
    barrier = threading.Barrier(2, timeout=30)

    def mover(client, seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            for step in range(20):
                if reorders and seed == 1 and step % 4 == 3:
                    reordered.append(
                        client.hx_post("/board/columns/now/order-by-score").status_code
                    )
                    continue
                with app.app_context():
                    current = db.session.execute(
                        sa.select(RoadmapItem.id, RoadmapItem.version)
                        .where(RoadmapItem.column == Column.NOW)
                        .order_by(RoadmapItem.rank)
                    ).all()
                    db.session.remove()
                card_id, version = rng.choice(current)
                others = [row[0] for row in current if row[0] != card_id]
                above = rng.choice(others)
                response = client.hx_post(
                    "/board/move",
                    data={
                        "item_id": card_id,
                        "version": version,
                        "column": "now",
                        "above_id": above,
                        "below_id": "",
                    },
                )
                (accepted if response.status_code == 200 else refused).append(response.status_code)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=mover, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    assert set(refused) <= {409}
    db.session.expire_all()
    moved = db.session.execute(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.verb == "card_moved")
    ).scalar_one()
    assert moved == len(accepted)
    assert set(reordered) <= {200, 409} and len(reordered) == (5 if reorders else 0)
    ordered = db.session.execute(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.verb == "column_ordered")
    ).scalar_one()
    assert ordered == reordered.count(200)
    final = order(Column.NOW)
    assert sorted(final) == sorted(ids)  # nothing lost, nothing duplicated
    column_ranks = ranks(Column.NOW)
    assert column_ranks == sorted(set(column_ranks))  # a strict total order


# Order by score, and the keyboard's way into Shipped -----------------------------------


def test_order_by_score_ranks_the_column_by_rice_and_records_it(pm_client, make, users):
    product = make.product()
    low, high, middle = (
        make.item(product, column=Column.NEXT, reach=reach) for reach in (10, 900, 300)
    )
    untouched = [make.item(product, column=Column.NOW, reach=reach).id for reach in (5, 500)]
    versions_before = {card.id: card.version for card in (low, high, middle)}
    response = pm_client.hx_post("/board/columns/next/order-by-score")
    assert response.status_code == 200 and "<html" not in response.text
    assert "Next ordered by RICE score (3 cards)." in response.text
    assert cards_in(response.text, "cards-next") == [high.id, middle.id, low.id]
    assert order(Column.NEXT) == [high.id, middle.id, low.id]
    assert order(Column.NOW) == untouched
    activity = db.session.execute(
        sa.select(Activity).where(Activity.verb == "column_ordered")
    ).scalar_one()
    assert activity.actor_id == users["pm"].id and "Next" in activity.subject
    # Every reordered card has a new version, so a board loaded before is stale.
    cards = db.session.execute(
        sa.select(RoadmapItem).where(RoadmapItem.column == Column.NEXT)
    ).scalars()
    assert {card.id: card.version for card in cards} == {
        id_: v + 1 for id_, v in versions_before.items()
    }


def test_a_move_on_a_board_loaded_before_order_by_score_is_refused(
    pm_client, admin_client, make, users
):
    product = make.product()
    cards = [make.item(product, column=Column.NEXT, reach=reach) for reach in (10, 900, 300)]
    loaded_versions = {card.id: card.version for card in cards}
    assert admin_client.post("/board/columns/next/order-by-score").status_code == 302
    after_admin = order(Column.NEXT)
    response = pm_client.hx_post(
        "/board/move",
        data={
            "item_id": cards[0].id,
            "version": loaded_versions[cards[0].id],
            "column": "next",
            "above_id": "",
            "below_id": cards[1].id,
        },
    )
    assert response.status_code == 409 and users["admin"].display_name in response.text
    assert order(Column.NEXT) == after_admin


def test_next_on_a_later_card_is_refused_and_points_to_ship(pm_client, make):
    """#15: → moves between open columns only; a card ships by its "Ship…"
    (this test pinned → on Later opening the ship dialog before)."""
    item = make.item(make.product(), column=Column.LATER)
    rows_before = count_rows(Activity)
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/move",
        data={"direction": "next", "version": item.version},
    )
    assert answer.status_code == 422 and answer.headers["HX-Retarget"] == "#board"
    assert "<dialog" not in answer.text and "use “Ship…” on the card" in answer.text
    assert parse_html(answer.text).by_id(f"ship-{item.id}").text == "Ship…"
    # Without JavaScript: back to the board, with why.
    page = pm_client.post(
        f"/board/items/{item.id}/move", data={"direction": "next", "version": item.version}
    )
    assert page.status_code == 302 and page.location.startswith("/board")
    assert "use “Ship…” on the card" in pm_client.get(page.location).text
    assert order(Column.LATER) == [item.id] and order(Column.SHIPPED) == []
    assert count_rows(Activity) == rows_before


def test_edge_move_buttons_stay_focusable(pm_client, make):
    """A card moved to an edge keeps its buttons focusable (aria-disabled, never
    disabled), so keyboard focus can stay on the button that was pressed. The
    edges are Now and Later (#15: → on Later no longer means "Ship…", and a
    shipped card's ← no longer means "Reopen…"; both are links on the card)."""
    product = make.product()
    now, later, shipped = (
        make.item(product, column=column) for column in (Column.NOW, Column.LATER, Column.SHIPPED)
    )
    page = pm_client.get("/board").text
    buttons = {button.id: button for button in parse_html(page).select("button[id^=move-]")}
    assert not any("disabled" in button.attrs for button in buttons.values())
    assert buttons[f"move-previous-{now.id}"].get("aria-disabled") == "true"
    assert buttons[f"move-next-{shipped.id}"].get("aria-disabled") == "true"
    assert buttons[f"move-previous-{shipped.id}"].get("aria-disabled") == "true"
    assert buttons[f"move-next-{later.id}"].get("aria-disabled") == "true"
    label = buttons[f"move-next-{later.id}"]["aria-label"]
    assert label == f"Move “{later.title}” to the next column"
    assert "aria-disabled" not in buttons[f"move-previous-{later.id}"].attrs


def test_shipping_from_the_dialog_answers_the_board_with_a_focused_notice(pm_client, make):
    item = make.item(make.product(), column=Column.LATER)
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/ship",
        data={
            "release_note": "Live for everyone",
            "version": item.version,
            "shipped_on": "2026-11-20",
        },
    )
    assert answer.status_code == 200 and "<html" not in answer.text
    notice = parse_html(answer.text).one('p[data-testid="board-notice"]')
    assert "autofocus" in notice.attrs and notice.get("tabindex") == "-1"
    assert cards_in(answer.text, "cards-shipped") == [item.id]
