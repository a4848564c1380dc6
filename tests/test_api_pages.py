"""The API's page arguments and page shape (shared `paginate`, not clamped)."""

from __future__ import annotations

import pytest

from portfolio.api.openapi import MAX_PAGE, MAX_PER_PAGE
from portfolio.auth.tokens import create_token
from portfolio.extensions import db


@pytest.fixture
def api(client, users):
    _, secret = create_token(db.session, users["leader"], "pages")
    db.session.commit()

    def get(url: str):
        return client.get(url, headers={"Authorization": f"Bearer {secret}"})

    return get


def test_a_page_past_the_end_is_empty_not_the_last_page(api, make):
    for _ in range(3):
        make.product()
    body = api("/api/products?per_page=2&page=5").json
    assert body["data"] == []
    assert body["meta"] == {"page": 5, "per_page": 2, "total": 3, "pages": 2}
    assert body["links"]["next"] is None
    assert "page=4" in body["links"]["prev"]
    first = api("/api/products?per_page=2").json
    assert len(first["data"]) == 2 and first["links"]["prev"] is None
    assert "page=2" in first["links"]["next"]


@pytest.mark.parametrize(
    "query, status",
    [
        (f"page={MAX_PAGE}", 200),
        (f"page={MAX_PAGE + 1}", 400),
        (f"per_page={MAX_PER_PAGE}", 200),
        (f"per_page={MAX_PER_PAGE + 1}", 400),
        ("page=0", 400),
        ("page=-1", 400),
        ("page=1.0", 400),
        ("page=%C2%B2", 400),  # a superscript two is a digit to str.isdigit, not a number
        ("page=", 400),
        ("per_page=x", 400),
    ],
)
def test_page_arguments(api, query, status):
    response = api(f"/api/products?{query}")
    assert response.status_code == status, query
    if status == 400:
        assert response.json["title"] == "Bad Request"
        assert "whole number" in response.json["detail"]


def test_request_votes_are_counted(api, make, users):
    wanted = make.request(title="Wanted")
    make.request(title="Unloved")
    for user in (users["pm"], users["leader"]):
        make.vote(wanted, user)
    rows = api("/api/requests").json["data"]
    assert {row["title"]: row["votes"] for row in rows} == {"Wanted": 2, "Unloved": 0}
