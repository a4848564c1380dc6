"""Reopening a shipped card is explicit and puts its requests back (#12, item 9)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portfolio.board.moves import (
    MoveDirection,
    MoveRefused,
    move_by_direction,
    move_item,
    reopen,
    ship,
)
from portfolio.extensions import db
from portfolio.models import Activity, Column, RequestStatus, RoadmapItem, Verb
from tests.helpers import cards_in, count_rows, parse_html


@pytest.fixture
def shipped(make, users):
    """A card that shipped two open requests (planned, in progress); a third,
    declined, stayed declined."""
    product = make.product()
    planned = make.request(product, status=RequestStatus.PLANNED)
    in_progress = make.request(product, status=RequestStatus.IN_PROGRESS)
    declined = make.request(product, status=RequestStatus.DECLINED)
    item = make.item(product, column=Column.LATER)
    item.requests = [planned, in_progress, declined]
    db.session.commit()
    ship(
        db.session,
        item,
        release_note="Live for everyone",
        shipped_on=date(2026, 11, 20),
        expected_version=item.version,
        actor=users["pm"],
    )
    db.session.commit()
    return item, planned, in_progress, declined


def test_reopening_puts_back_what_the_ship_marked_shipped(shipped, users):
    item, planned, in_progress, declined = shipped
    assert planned.status is in_progress.status is RequestStatus.SHIPPED

    reopened = reopen(
        db.session,
        item,
        column=Column.NOW,
        reason="Rolled back: it broke month-end",
        expected_version=item.version,
        actor=users["pm"],
    )
    db.session.commit()

    assert {r.id for r in reopened} == {planned.id, in_progress.id}
    assert planned.status is RequestStatus.PLANNED
    assert in_progress.status is RequestStatus.IN_PROGRESS
    assert declined.status is RequestStatus.DECLINED
    assert item.column is Column.NOW and item.shipped_on is None and item.release_note is None
    entry = db.session.execute(
        sa.select(Activity).where(Activity.verb == Verb.ITEM_REOPENED)
    ).scalar_one()
    assert entry.before == "Shipped 20 Nov 2026: Live for everyone"
    assert entry.after == "Now: Rolled back: it broke month-end"
    changes = db.session.execute(
        sa.select(Activity.before, Activity.after)
        .where(Activity.verb == Verb.REQUEST_STATUS_CHANGED, Activity.request_id == planned.id)
        .order_by(Activity.id)
    ).all()
    assert changes[-1] == ("Shipped", "Planned")


def test_a_request_shipped_before_it_was_remembered_goes_back_in_progress(shipped, users):
    item, planned, _, _ = shipped
    planned.status_before_ship = None  # as for rows shipped before migration 0010
    db.session.commit()
    reopen(
        db.session,
        item,
        column=Column.NEXT,
        reason="Not done",
        expected_version=item.version,
        actor=users["pm"],
    )
    assert planned.status is RequestStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("column", "reason", "message"),
    [
        (Column.SHIPPED, "x", "Now, Next or Later"),
        (Column.NOW, "   ", "Say why"),
    ],
)
def test_reopen_refusals_change_nothing(shipped, users, column, reason, message):
    item = shipped[0]
    with pytest.raises(MoveRefused, match=message):
        reopen(
            db.session,
            item,
            column=column,
            reason=reason,
            expected_version=item.version,
            actor=users["pm"],
        )
    db.session.rollback()
    assert db.session.get(RoadmapItem, item.id).column is Column.SHIPPED


def test_a_card_not_shipped_cannot_be_reopened(make, users):
    item = make.item(make.product(), column=Column.NOW)
    with pytest.raises(MoveRefused, match="Only a shipped card"):
        reopen(
            db.session,
            item,
            column=Column.NOW,
            reason="x",
            expected_version=item.version,
            actor=users["pm"],
        )


def test_plain_moves_out_of_shipped_are_refused(shipped, users):
    item = shipped[0]
    with pytest.raises(MoveRefused, match="use Reopen"):
        move_item(
            db.session,
            item,
            column=Column.NOW,
            above_id=None,
            below_id=None,
            expected_version=item.version,
            actor=users["pm"],
        )
    with pytest.raises(MoveRefused, match="use Reopen"):
        move_by_direction(
            db.session,
            item,
            MoveDirection.PREVIOUS,
            expected_version=item.version,
            actor=users["pm"],
        )


def test_dragging_out_of_shipped_opens_the_reopen_dialog(shipped, pm_client):
    item = shipped[0]
    before = count_rows(Activity)
    answer = pm_client.hx_post(
        "/board/move",
        data={"item_id": item.id, "version": item.version, "column": "next", "above_id": ""},
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == "#board-dialog"
    dialog = parse_html(answer.text)
    assert dialog.one("dialog h2").text == f"Reopen “{item.title}”"
    assert dialog.one("select[name=column] option[selected]").attrs["value"] == "next"
    assert count_rows(Activity) == before
    assert db.session.get(RoadmapItem, item.id).column is Column.SHIPPED


def test_left_on_a_shipped_card_is_refused_and_points_to_reopen(shipped, pm_client):
    """#15: arrows move between open columns only; a shipped card comes back by
    its "Reopen…" (this test pinned ← on a shipped card opening the dialog before)."""
    item = shipped[0]
    before = count_rows(Activity)
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/move", data={"direction": "previous", "version": item.version}
    )
    assert answer.status_code == 422 and "<dialog" not in answer.text
    assert f"“{item.title}” has shipped: use Reopen… to bring it back." in answer.text
    assert count_rows(Activity) == before
    assert db.session.get(RoadmapItem, item.id).column is Column.SHIPPED
    board = parse_html(pm_client.get("/board").text)
    assert board.by_id(f"move-previous-{item.id}").get("aria-disabled") == "true"
    assert board.by_id(f"reopen-{item.id}").text == "Reopen…"


def test_reopening_from_the_dialog_redraws_the_board(shipped, pm_client):
    item = shipped[0]
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/reopen",
        data={"column": "later", "reason": "Needs a second pass", "version": item.version},
    )
    assert answer.status_code == 200 and "<html" not in answer.text
    assert cards_in(answer.text, "cards-later")[0] == item.id
    assert "2 request(s) it had marked shipped are open again" in answer.text


def test_without_javascript_reopen_is_a_page_and_a_redirect(shipped, pm_client):
    item = shipped[0]
    page = pm_client.get(f"/board/items/{item.id}/reopen")
    assert page.status_code == 200 and "<h1>Reopen “" in page.text
    missing = pm_client.post(
        f"/board/items/{item.id}/reopen",
        data={"column": "now", "reason": "", "version": item.version},
    )
    assert missing.status_code == 422 and "Say why it is reopened" in missing.text
    done = pm_client.post(
        f"/board/items/{item.id}/reopen",
        data={"column": "now", "reason": "Back", "version": item.version},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoadmapItem, item.id).column is Column.NOW


def test_reopen_refuses_a_stale_version(shipped, pm_client):
    item = shipped[0]
    answer = pm_client.hx_post(
        f"/board/items/{item.id}/reopen",
        data={"column": "now", "reason": "x", "version": item.version - 1},
    )
    assert answer.status_code == 409
    assert db.session.get(RoadmapItem, item.id).column is Column.SHIPPED


def test_reopen_needs_the_roadmap_capability_and_csrf(shipped, client_as):
    item = shipped[0]
    for role in ("stakeholder", "leader"):
        assert client_as(role).post(f"/board/items/{item.id}/reopen").status_code == 403
    no_csrf = client_as("pm").post(
        f"/board/items/{item.id}/reopen", data={"column": "now", "reason": "x"}, csrf=False
    )
    assert no_csrf.status_code == 400
    assert db.session.get(RoadmapItem, item.id).column is Column.SHIPPED
    assert client_as("pm").get("/board/items/987654/reopen").status_code == 404
