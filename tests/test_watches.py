"""Watching products, requests and cards: the domain rules and the routes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portfolio.comments.threads import post_comment
from portfolio.extensions import db
from portfolio.models import Watch
from portfolio.notifications.watches import followers, is_watching, unwatch, watch
from portfolio.requests.submissions import submit_request
from portfolio.requests.votes import cast_vote, withdraw_vote
from tests.helpers import count_rows, parse_html


def watch_rows(user) -> set[tuple[str, bool]]:
    return {
        (row.target_key, row.muted)
        for row in db.session.execute(sa.select(Watch).where(Watch.user_id == user.id)).scalars()
    }


# Taking part watches ---------------------------------------------------------------


def test_raising_voting_and_commenting_watch_the_request(make, users):
    product = make.product()
    raised = submit_request(
        db.session,
        users["stakeholder"],
        product_id=product.id,
        title="Dark mode",
        description="",
        department_id=None,
    )
    voted_on, commented_on = make.request(product), make.request(product)
    cast_vote(db.session, voted_on, users["leader"])
    post_comment(db.session, "request", commented_on, users["pm"], "Why?")
    post_comment(db.session, "product", product, users["pm"], "A product comment watches nothing")
    db.session.commit()

    assert watch_rows(users["stakeholder"]) == {(f"request:{raised.id}", False)}
    assert watch_rows(users["leader"]) == {(f"request:{voted_on.id}", False)}
    assert watch_rows(users["pm"]) == {(f"request:{commented_on.id}", False)}
    # Withdrawing the vote keeps the watch: unwatching is its own choice.
    withdraw_vote(db.session, voted_on, users["leader"])
    db.session.commit()
    assert is_watching(db.session, users["leader"], voted_on)


def test_unwatching_silences_a_participant_until_they_take_part_again(make, users):
    request = make.request(requester=users["stakeholder"])
    make.vote(request, users["leader"])  # a vote from before watches existed
    assert is_watching(db.session, users["stakeholder"], request)
    assert is_watching(db.session, users["leader"], request)
    assert not is_watching(db.session, users["pm"], request)

    unwatch(db.session, users["stakeholder"], request)
    unwatch(db.session, users["leader"], request)
    db.session.commit()
    assert not is_watching(db.session, users["stakeholder"], request)
    assert set(followers(db.session, "request", [request.id])) == set()

    post_comment(db.session, "request", request, users["stakeholder"], "Back again")
    db.session.commit()
    assert is_watching(db.session, users["stakeholder"], request)
    assert set(followers(db.session, "request", [request.id])) == {users["stakeholder"].id}


def test_owners_follow_their_product_and_card_until_they_unwatch(make, users):
    product = make.product(owner=users["pm"])
    card = make.item(product, owner=users["admin"])
    assert followers(db.session, "product", [product.id]) == {users["pm"].id: product.id}
    assert followers(db.session, "item", [card.id]) == {users["admin"].id: card.id}
    unwatch(db.session, users["pm"], product)
    watch(db.session, users["leader"], card)
    db.session.commit()
    assert followers(db.session, "product", [product.id]) == {}
    assert set(followers(db.session, "item", [card.id])) == {users["admin"].id, users["leader"].id}


def test_watching_twice_keeps_one_row(make, users):
    product = make.product()
    watch(db.session, users["leader"], product)
    watch(db.session, users["leader"], product)
    unwatch(db.session, users["leader"], product)
    watch(db.session, users["leader"], product)
    db.session.commit()
    assert watch_rows(users["leader"]) == {(f"product:{product.id}", False)}


# Routes ----------------------------------------------------------------------------


@pytest.fixture
def targets(make) -> dict:
    product = make.product(slug="watched")
    return {
        "product": product,
        "request": make.request(product),
        "item": make.item(product),
    }


PAGES = {
    "product": lambda target: f"/products/{target.slug}",
    "request": lambda target: f"/requests/{target.id}",
    "item": lambda target: f"/board/items/{target.id}",
}


@pytest.mark.parametrize("kind", ["product", "request", "item"])
def test_watch_and_unwatch_without_javascript(client_as, users, targets, kind):
    target = targets[kind]
    client = client_as("stakeholder")
    page = client.get(PAGES[kind](target))
    button = parse_html(page.text).one(f"#watch-{kind}-{target.id} button")
    assert button["aria-pressed"] == "false" and "Watch" in button.text

    answer = client.post(f"/watch/{kind}/{target.id}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == PAGES[kind](target)
    assert watch_rows(users["stakeholder"]) == {(f"{kind}:{target.id}", False)}
    page = client.get(PAGES[kind](target))
    form = parse_html(page.text).one(f"#watch-{kind}-{target.id}")
    assert form["action"] == f"/unwatch/{kind}/{target.id}"
    assert form.one("button")["aria-pressed"] == "true"

    assert client.post(f"/unwatch/{kind}/{target.id}").status_code == 302
    assert watch_rows(users["stakeholder"]) == {(f"{kind}:{target.id}", True)}


def test_the_watch_button_swaps_itself_with_htmx(client_as, users, targets):
    request = targets["request"]
    client = client_as("leader")
    answer = client.hx_post(f"/watch/request/{request.id}")
    assert answer.status_code == 200
    assert "<html" not in answer.text
    form = parse_html(answer.text).one(f"#watch-request-{request.id}")
    assert form["hx-post"] == f"/unwatch/request/{request.id}"
    assert form.one("button")["aria-pressed"] == "true"
    answer = client.hx_post(f"/unwatch/request/{request.id}")
    assert parse_html(answer.text).one("button")["aria-pressed"] == "false"
    assert not is_watching(db.session, users["leader"], request)


def test_a_watch_without_csrf_token_is_refused_and_writes_nothing(client_as, targets):
    response = client_as("stakeholder").post(f"/watch/product/{targets['product'].id}", csrf=False)
    assert response.status_code == 400
    assert count_rows(Watch) == 0


@pytest.mark.parametrize(
    "url",
    ["/watch/request/987654", "/unwatch/item/987654", "/watch/department/1", "/watch/product/x"],
)
def test_watching_something_unknown_is_a_404(client_as, url):
    assert client_as("stakeholder").post(url).status_code == 404
    assert count_rows(Watch) == 0


def test_a_request_page_shows_a_voter_as_watching(client_as, users, make):
    request = make.request()
    make.vote(request, users["stakeholder"])
    page = client_as("stakeholder").get(f"/requests/{request.id}")
    button = parse_html(page.text).one(f"#watch-request-{request.id} button")
    assert button["aria-pressed"] == "true"
