"""The dashboard's long lists: the first rows on the dashboard, all of them a
page at a time on their "see all" pages, and demand summed from the
maintained vote counts."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.dashboard import lists, rollups
from portfolio.extensions import db
from portfolio.models import Column, RequestStatus
from tests.helpers import assert_vote_counts_match, parse_html


def ship(make, product, count: int) -> list[int]:
    return [
        make.item(product, column=Column.SHIPPED, shipped_on=date.today(), title=f"Shipped {n}").id
        for n in range(count)
    ]


def test_demand_sums_the_vote_counts_of_open_requests(app, make, users):
    north, south = make.department(name="North"), make.department(name="South")
    product = make.product()
    voters = [make.user() for _ in range(3)]
    first = make.request(product, department=north)
    second = make.request(product, department=north)
    make.request(product, department=south)
    closed = make.request(product, department=south, status=RequestStatus.DECLINED)
    make.request(product)  # no department
    for voter in voters:
        make.vote(first, voter)
    make.vote(second, voters[0])
    make.vote(closed, voters[0])  # closed: not demand
    assert_vote_counts_match()

    found = rollups.demand_by_department(db.session, limit=2)
    assert [(row.name, row.open_requests, row.votes) for row in found] == [
        ("North", 2, 4),
        ("No department", 1, 0),
    ]
    assert (found.total, found.more) == (3, 1)
    every = rollups.demand_by_department(db.session)
    assert [row.name for row in every] == ["North", "No department", "South"]
    assert [(row.open_requests, row.votes) for row in rollups.demand_by_product(db.session)] == [
        (4, 4)
    ]


def test_the_dashboard_shows_ten_shipped_and_links_to_all(leader_client, make):
    shipped = ship(make, make.product(), 12)

    page = leader_client.get("/dashboard")
    assert page.status_code == 200
    section = parse_html(page.text).one("#shipped")
    assert len(section.select("article.release")) == 10
    more = section.one('[data-testid="more-shipped-items"]')
    assert "2 more shipped items" in more.text
    assert more.one("a").attrs["href"] == "/dashboard/shipped"

    full = leader_client.get("/dashboard/shipped")
    assert full.status_code == 200
    links = parse_html(full.text).one('[data-testid="see-all"]').select("li a")
    assert [link.attrs["href"] for link in links] == [
        f"/board/items/{item_id}" for item_id in sorted(shipped, reverse=True)
    ]


def test_see_all_pages_through_the_list(leader_client, make, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    shipped = sorted(ship(make, make.product(), 12), reverse=True)

    seen = []
    for number in (1, 2, 3):
        page = leader_client.get(f"/dashboard/shipped?page={number}")
        assert page.status_code == 200
        seen += [
            int(link.attrs["href"].rsplit("/", 1)[1])
            for link in parse_html(page.text).select('[data-testid="see-all"] li a')
        ]
    assert seen == shipped
    assert "page 3 of 3" in page.text

    # Past the end: the last page; a fragment for htmx.
    last = leader_client.get("/dashboard/shipped?page=99")
    assert "page 3 of 3" in last.text
    fragment = leader_client.get("/dashboard/shipped?page=2", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="results"')


def test_demand_see_all_lists_every_group(leader_client, make):
    product = make.product()
    for n in range(3):
        department = make.department(name=f"Dept {n}")
        for _ in range(n + 1):
            make.request(product, department=department)

    page = leader_client.get("/dashboard/demand-departments")
    assert page.status_code == 200
    rows = parse_html(page.text).select('[data-testid="demand-departments"] tbody tr')
    assert [[cell.text for cell in row.select("td")] for row in rows] == [
        ["Dept 2", "3", "0"],
        ["Dept 1", "2", "0"],
        ["Dept 0", "1", "0"],
    ]
    empty = leader_client.get("/dashboard/demand-products?page=1")
    assert empty.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/dashboard/nothing", "/dashboard/demand", "/dashboard/shipped/1", "/dashboard/Shipped"],
)
def test_unknown_lists_are_not_found(leader_client, url):
    assert leader_client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999999999999", ""])
def test_bad_page_numbers_show_a_page(leader_client, make, page):
    ship(make, make.product(), 2)
    response = leader_client.get(f"/dashboard/shipped?page={page}")
    assert response.status_code == 200
    assert "Shipped 1" in response.text


def test_see_all_query_count_is_constant(leader_client, make, count_queries):
    product = make.product()

    def queries() -> int:
        with count_queries() as statements:
            assert leader_client.get("/dashboard/shipped").status_code == 200
        return len(statements)

    ship(make, product, 2)
    few = queries()
    ship(make, product, 60)
    assert queries() == few


def test_the_dashboard_leads_to_every_architecture_and_cost_page(leader_client):
    page = parse_html(leader_client.get("/dashboard").text)
    links = page.one('[data-testid="architecture-links"]').select("a")
    hrefs = [link["href"] for link in links]
    assert hrefs == [
        "/architecture/capabilities",
        "/architecture/integrations",
        "/architecture/timeline",
        "/architecture/costs",
        "/reviews?scope=all",
    ]
    for href in hrefs:
        assert leader_client.get(href).status_code == 200, href
