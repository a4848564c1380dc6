"""The site revision moves with every write a page can show, and pages answer
304 Not Modified to a conditional GET while it stands."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import (
    Channel,
    Column,
    OutboxMessage,
    Request,
    RequestStatus,
    RoadmapItem,
    SuccessMeasure,
)
from portfolio.revisions import current_revision, per_revision
from tests.helpers import parse_html


def revision() -> int:
    db.session.rollback()
    return current_revision(db.session)


@pytest.fixture
def board(make, users):
    product = make.product(name="Ledger", slug="ledger")
    request = make.request(product, title="Export to CSV")
    other = make.request(product, title="CSV export please")
    item = make.item(product, column=Column.NEXT, title="CSV export")
    item.requests.append(request)
    measure = make.measure(product, name="Hours saved", readings=[(date(2026, 1, 1), 5)])
    db.session.commit()
    return {
        "product": product,
        "request": request,
        "other": other,
        "item": item,
        "measure": measure,
    }


# The counter ------------------------------------------------------------------------


def test_reading_pages_never_moves_it(board, pm_client):
    before = revision()
    for path in ("/board", "/dashboard", f"/products/{board['product'].slug}", "/requests"):
        assert pm_client.get(path).status_code == 200
    assert revision() == before


def test_every_kind_of_write_moves_it(board, pm_client, stakeholder_client):
    item, request, other = board["item"], board["request"], board["other"]
    writes = [
        lambda: stakeholder_client.post(f"/requests/{request.id}/vote", data={"state": "on"}),
        lambda: pm_client.post(
            f"/comments/request/{request.id}", data={"body": "We will look at it."}
        ),
        lambda: pm_client.post(
            f"/board/items/{item.id}/move", data={"direction": "next", "version": item.version}
        ),
        lambda: pm_client.post(
            f"/products/{board['product'].slug}/measures/{board['measure'].id}/readings",
            data={
                f"reading-{board['measure'].id}-taken_on": "2026-02-01",
                f"reading-{board['measure'].id}-value": "70",
            },
        ),
        # A duplicate merge moves the votes of one request onto another.
        lambda: pm_client.post(
            f"/requests/{other.id}/status",
            data={"status": "duplicate", "duplicate_of": str(request.id)},
        ),
    ]
    seen = [revision()]
    for write in writes:
        answer = write()
        assert answer.status_code in (200, 302), answer.request.path
        seen.append(revision())
    assert seen == sorted(set(seen)), f"a write left the revision where it was: {seen}"
    assert db.session.get(Request, other.id).status is RequestStatus.DUPLICATE
    assert db.session.get(RoadmapItem, item.id).column is Column.LATER


def test_a_bulk_update_moves_it(board):
    before = revision()
    db.session.execute(sa.update(SuccessMeasure).values(name="Hours saved a month"))
    db.session.commit()
    assert revision() == before + 1


def test_a_rolled_back_write_does_not(board):
    before = revision()
    board["item"].title = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert revision() == before


def test_delivery_bookkeeping_does_not_move_it(board):
    before = revision()
    db.session.add(
        OutboxMessage(channel=Channel.EMAIL, idempotency_key="k-1", recipient="a@example.com")
    )
    db.session.commit()
    assert revision() == before


# Conditional pages --------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/board", "/dashboard", "/products/ledger"])
def test_an_unchanged_page_answers_304_and_a_change_redraws_it(board, pm_client, page):
    first = pm_client.get(page)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = pm_client.get(page, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag

    board["request"].title = "Export to CSV and XLSX"
    db.session.commit()
    changed = pm_client.get(page, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_the_etag_differs_by_viewer_filters_and_htmx(board, pm_client, stakeholder_client):
    def etag(client, path, **headers):
        return client.get(path, headers=headers).headers["ETag"]

    pm_board = etag(pm_client, "/board")
    assert etag(stakeholder_client, "/board") != pm_board
    assert etag(pm_client, f"/board?product={board['product'].id}") != pm_board
    assert etag(pm_client, "/board", **{"HX-Request": "true"}) != pm_board
    # Another viewer's tag never earns a 304.
    assert stakeholder_client.get("/board", headers={"If-None-Match": pm_board}).status_code == 200


def test_a_changed_setting_redraws_pages_it_shows_in(app, board, pm_client):
    """A new FTE rate changes every run cost shown: the old tag must not earn a 304."""
    etag = pm_client.get("/products/ledger").headers["ETag"]
    assert pm_client.get("/products/ledger", headers={"If-None-Match": etag}).status_code == 304
    app.config["FTE_YEARLY_RATE"] = app.config["FTE_YEARLY_RATE"] + 1
    again = pm_client.get("/products/ledger", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_a_page_with_a_message_to_show_is_drawn_afresh(board, pm_client):
    etag = pm_client.get("/board").headers["ETag"]
    with pm_client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved.")]
    answer = pm_client.get("/board", headers={"If-None-Match": etag})
    assert answer.status_code == 200
    assert "Saved." in answer.get_data(as_text=True)


def test_signed_out_gets_the_login_redirect_not_a_304(board, pm_client, client):
    etag = pm_client.get("/board").headers["ETag"]
    answer = client.get("/board", headers={"If-None-Match": etag})
    assert answer.status_code == 302


def test_a_rollup_is_computed_once_per_revision(board):
    calls = []

    def rollup() -> int:
        calls.append(1)
        return len(calls)

    assert per_revision(db.session, "demand", rollup) == 1
    assert per_revision(db.session, "demand", rollup) == 1  # nothing changed: kept
    board["request"].title = "Export to CSV, please"
    db.session.commit()
    assert per_revision(db.session, "demand", rollup) == 2  # a write: computed afresh


def test_the_dashboard_demand_follows_a_vote(board, leader_client, stakeholder_client):
    def ledger_votes() -> str:
        page = parse_html(leader_client.get("/dashboard").text)
        return [row for row in page.select("tr") if "Ledger" in row.text][0].text

    before = ledger_votes()
    assert stakeholder_client.post(
        f"/requests/{board['request'].id}/vote", data={"state": "on"}
    ).status_code in (200, 302)
    assert ledger_votes() != before


# The live board's poll ------------------------------------------------------------------


def poll_of(page: str) -> tuple[str, dict[str, str]]:
    poll = parse_html(page).by_id("board-poll")
    assert poll["hx-trigger"] == "every 15s" and poll["hx-target"] == "#board"
    return poll["hx-get"], json.loads(poll["hx-headers"])


@pytest.mark.parametrize("args", ["", "?product={product}&view=lanes"])
def test_the_board_poll_gets_304_until_someone_moves_a_card(board, pm_client, admin_client, args):
    url = "/board" + args.format(product=board["product"].id)
    poll_url, headers = poll_of(pm_client.get(url).text)
    assert poll_url == url
    as_htmx = {"HX-Request": "true", "HX-Target": "board", "HX-Trigger": "board-poll", **headers}

    unchanged = pm_client.get(poll_url, headers=as_htmx)
    assert unchanged.status_code == 304 and unchanged.get_data() == b""

    item = board["item"]
    moved = admin_client.post(
        f"/board/items/{item.id}/move", data={"direction": "next", "version": item.version}
    )
    assert moved.status_code == 302
    changed = pm_client.get(poll_url, headers=as_htmx)
    assert changed.status_code == 200
    assert changed.text.lstrip().startswith('<section id="board"') and "<html" not in changed.text
    assert parse_html(changed.text).by_id(f"card-{item.id}")["class"] == "card card-later"
    # The new board polls with the new tag, which is answered 304 again.
    _, new_headers = poll_of(changed.text)
    assert new_headers != headers
    again = pm_client.get(poll_url, headers={**as_htmx, **new_headers})
    assert again.status_code == 304


def test_a_new_session_gets_its_304_from_its_first_page(board, client_for, users):
    fresh = client_for(users["leader"])  # no CSRF secret in its session yet
    etag = fresh.get("/board").headers["ETag"]
    assert fresh.get("/board", headers={"If-None-Match": etag}).status_code == 304
