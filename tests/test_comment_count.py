"""A thread's heading counts its comments, and the count follows a comment
posted or removed with htmx (#15): the answer carries the new count as an
out-of-band element that replaces the heading's, so "Comments (0)" becomes
"Comments (1)" without a reload. Without JavaScript the page is drawn again."""

from __future__ import annotations

import pytest

from tests.helpers import parse_html

HX = {"HX-Request": "true"}


@pytest.fixture
def threads(make, users):
    """kind → (the page showing the thread, the target's id)."""
    product = make.product()
    request = make.request(product=product)
    item = make.item(product=product)
    return {
        "product": (f"/products/{product.slug}", product.id),
        "request": (f"/requests/{request.id}", request.id),
        "item": (f"/board/items/{item.id}", item.id),
    }


def heading_count(client, url: str, kind: str, target_id: int) -> str:
    page = parse_html(client.get(url).get_data(as_text=True))
    return page.by_id(f"comment-count-{kind}-{target_id}").text


def out_of_band_count(html: str, kind: str, target_id: int):
    answer = parse_html(html)
    count = answer.by_id(f"comment-count-{kind}-{target_id}")
    assert count["hx-swap-oob"] == "true"
    return count.text


@pytest.mark.parametrize("kind", ["product", "request", "item"])
def test_posting_and_removing_with_htmx_update_the_count(client_as, threads, kind):
    client = client_as("stakeholder")
    url, target_id = threads[kind]
    assert heading_count(client, url, kind, target_id) == "(0)"

    first = client.post(f"/comments/{kind}/{target_id}", headers=HX, data={"body": "First"})
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "<html" not in html and "First" in html
    assert out_of_band_count(html, kind, target_id) == "(1)"

    second = client.post(f"/comments/{kind}/{target_id}", headers=HX, data={"body": "Second"})
    assert out_of_band_count(second.get_data(as_text=True), kind, target_id) == "(2)"
    # What the page says after a reload agrees with what htmx swapped in.
    assert heading_count(client, url, kind, target_id) == "(2)"

    page = parse_html(client.get(url).get_data(as_text=True))
    comment_id = int(page.select(".comment-list article.comment")[0].id.removeprefix("comment-"))
    removed = client.post(f"/comments/{comment_id}/delete", headers=HX)
    assert removed.status_code == 200
    answer = parse_html(removed.get_data(as_text=True))
    # Nothing but the count: the comment itself is swapped for nothing.
    assert [element.id for element in answer.elements()] == [f"comment-count-{kind}-{target_id}"]
    assert out_of_band_count(removed.get_data(as_text=True), kind, target_id) == "(1)"
    assert heading_count(client, url, kind, target_id) == "(1)"


def test_a_moderator_removing_someone_elses_comment_updates_the_count(
    client_as, make, users, threads
):
    url, product_id = threads["product"]
    make.comment(users["stakeholder"], "One", product_id=product_id)
    doomed = make.comment(users["stakeholder"], "Two", product_id=product_id)
    removed = client_as("admin").post(f"/comments/{doomed.id}/delete", headers=HX)
    assert out_of_band_count(removed.get_data(as_text=True), "product", product_id) == "(1)"


def test_a_failed_post_leaves_the_count_alone(client_as, threads):
    url, product_id = threads["product"]
    failed = client_as("stakeholder").post(
        f"/comments/product/{product_id}", headers=HX, data={"body": "   "}
    )
    assert failed.status_code == 422
    assert "comment-count-" not in failed.get_data(as_text=True)


def test_without_javascript_the_page_is_drawn_again_with_the_count(client_as, threads):
    client = client_as("stakeholder")
    url, request_id = threads["request"]
    posted = client.post(f"/comments/request/{request_id}", data={"body": "Plain"})
    assert posted.status_code == 302
    assert heading_count(client, url, "request", request_id) == "(1)"
    page = parse_html(client.get(url).get_data(as_text=True))
    count = page.by_id(f"comment-count-request-{request_id}")
    assert count.get("hx-swap-oob") is None  # on the page it is an ordinary element
