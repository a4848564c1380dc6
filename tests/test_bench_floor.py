"""The benchmark's board floor draws the same card bytes as GET /board.

bench/floors.py builds the cards with one SQL query and f-strings; if
templates/board/_card.html changes, this test fails until the floor follows.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import url_for

from bench import floors
from portfolio.board.views import PLACEHOLDER_ID
from portfolio.extensions import db
from portfolio.models import Column
from tests.helpers import postgres_url

CARD = re.compile(r'<article class="card card-.*?</article>', re.DOTALL)


def card_urls(app) -> dict[str, str]:
    with app.test_request_context():
        return {
            name: url_for(f"board.{name}", item_id=PLACEHOLDER_ID).replace(
                str(PLACEHOLDER_ID), "{}"
            )
            for name in ("show", "move_step", "ship_item", "reopen_item")
        }


@pytest.fixture
def small_board(make, users):
    payroll = make.product(name="Payroll & <Pay>")
    intranet = make.product(name="Intranet")
    hr, finance = make.department(name="HR"), make.department(name="Finance")
    asked = make.request(payroll, department=hr)
    also = make.request(payroll, department=finance)
    for role in ("pm", "leader", "stakeholder"):
        make.vote(asked, users[role])
    make.vote(also, users["pm"])
    first = make.item(payroll, title="Faster “payslips” <b>", owner=users["pm"], reach=900)
    first.requests.extend([asked, also])
    make.item(intranet, column=Column.NEXT, title="Search", effort=40.0)
    make.item(intranet, column=Column.LATER, title="Later", confidence=50)
    make.item(payroll, column=Column.SHIPPED, title="Shipped one", shipped_on=date(2026, 3, 4))
    db.session.commit()


@pytest.mark.skipif(
    postgres_url() is not None, reason="the benchmark and its SQL floor run on SQLite"
)
@pytest.mark.parametrize("role", ["pm", "leader"])
def test_the_floor_draws_the_cards_of_the_board_byte_for_byte(app, client_as, small_board, role):
    page = client_as(role).get("/board").text
    cards = CARD.findall(page)
    assert len(cards) == 4
    assert "csrf_token" not in "".join(cards)  # the board's one form holds it
    with db.engine.connect() as connection:
        floor = floors.board_cards(connection, card_urls(app), can_move=role == "pm")
    assert CARD.findall(floor) == cards
