"""The board never answers 500 when cards move while it is drawn (#12, item 4)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portfolio.board import answers
from portfolio.board.queries import Board
from portfolio.dashboard import views as dashboard_views
from portfolio.extensions import db
from portfolio.models import Column
from tests.helpers import parse_html, postgres_url


def test_show_more_survives_a_card_arriving_between_its_queries(make, client_as, monkeypatch):
    """A card moved in after the cards were read but before the counts were:
    the page must still draw (it once built a link with `all` twice: a 500).
    An old shared `?all=1` link draws the board's first page."""
    product = make.product()
    for _ in range(3):
        make.item(product, column=Column.NOW)
    monkeypatch.setattr(Board, "hidden", lambda self, column: 1 if column is Column.NOW else 0)

    response = client_as("leader").get("/board?all=1")

    assert response.status_code == 200
    link = parse_html(response.text).select("p.column-more a")[0]
    assert link.attrs["href"] == "/board/columns/now?page=2"


@pytest.mark.skipif(postgres_url() is None, reason="PostgreSQL's isolation levels")
@pytest.mark.parametrize("url", ["/board", "/dashboard"])
def test_pages_read_one_snapshot_on_postgresql(make, client_as, monkeypatch, url):
    seen = []

    def isolation(*args, **kwargs):
        seen.append(db.session.execute(sa.text("SHOW transaction_isolation")).scalar())
        return real(*args, **kwargs)

    module, name = (
        (answers, "load_board") if url == "/board" else (dashboard_views, "recent_activity")
    )
    real = getattr(module, name)
    monkeypatch.setattr(module, name, isolation)
    make.product()

    assert client_as("pm").get(url).status_code == 200
    assert seen == ["repeatable read"]


@pytest.mark.skipif(postgres_url() is None, reason="PostgreSQL's isolation levels")
def test_other_pages_keep_read_committed(client_as, monkeypatch):
    seen = []
    real = answers.load_board

    def isolation(*args, **kwargs):
        seen.append(db.session.execute(sa.text("SHOW transaction_isolation")).scalar())
        return real(*args, **kwargs)

    monkeypatch.setattr(answers, "load_board", isolation)
    # A POST that redraws the board (order by score) is a write: read committed.
    assert client_as("pm").hx_post("/board/columns/now/order-by-score").status_code == 200
    assert seen == ["read committed"]
