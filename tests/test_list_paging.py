"""Lists a big organisation makes long are paged or capped (#12, item 19):
the catalogue, the accounts, the board's tag filter."""

from __future__ import annotations

import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import Category, Product, Role, Sourcing, Stage, Tag, User
from tests.helpers import parse_html


def bulk_products(count: int) -> None:
    db.session.execute(
        sa.insert(Product),
        [
            {
                "slug": f"product-{n:04d}",
                "name": f"Product {n:04d}",
                "category": Category.OTHER,
                "summary": "Bulk",
                "stage": Stage.LIVE,
                "sourcing": Sourcing.BUILT,
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_the_catalogue_shows_fifty_products_a_page_with_the_total(
    stakeholder_client, count_queries
):
    bulk_products(120)
    first = stakeholder_client.get("/products")
    assert first.status_code == 200
    listed = parse_html(first.text)
    assert listed.one("[data-testid=result-count]").text == "120 products"
    rows = listed.select("table.catalogue-table tbody tr")
    assert len(rows) == 50
    third = stakeholder_client.get("/products?page=3&q=Product")
    assert len(parse_html(third.text).select("table.catalogue-table tbody tr")) == 20
    next_link = [a for a in listed.select("nav.pagination a") if a.get("rel") == "next"][0]
    assert next_link.attrs["href"].endswith("/products?page=2")
    # The CSV download keeps every row.
    assert len(stakeholder_client.get("/products.csv").text.strip().splitlines()) == 121
    with count_queries() as small:
        stakeholder_client.get("/products?page=2")
    db.session.execute(
        sa.insert(Product),
        [
            {
                "slug": f"more-{n:04d}",
                "name": f"More {n:04d}",
                "category": Category.OTHER,
                "summary": "Bulk",
                "stage": Stage.LIVE,
                "sourcing": Sourcing.BUILT,
            }
            for n in range(400)
        ],
    )
    db.session.commit()
    with count_queries() as big:
        stakeholder_client.get("/products?page=2")
    assert len(big) == len(small)


def test_the_accounts_page_is_paged_and_searchable(admin_client):
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"person{n:03d}@example.test",
                "display_name": f"Person {n:03d}",
                "role": Role.STAKEHOLDER,
                "password_hash": "x",
                "session_nonce": f"nonce-{n}",
            }
            for n in range(130)
        ],
    )
    db.session.commit()
    page = parse_html(admin_client.get("/admin/users").text)
    assert len(page.select("#users tbody tr")) == 50
    assert "page 1 of 3" in page.one("p.results-meta").text
    found = parse_html(admin_client.get("/admin/users?q=person042").text)
    rows = found.select("#users tbody tr")
    assert len(rows) == 1 and "person042@example.test" in rows[0].text


def test_the_board_lists_two_hundred_tags_and_the_one_filtered_on(pm_client, make):
    product = make.product()
    db.session.execute(sa.insert(Tag), [{"name": f"tag-{n:03d}"} for n in range(250)])
    db.session.commit()
    product.tags = [db.session.execute(sa.select(Tag).where(Tag.name == "tag-240")).scalar_one()]
    db.session.commit()
    page = parse_html(pm_client.get("/board?tag=tag-240").text)
    options = [option.get("value") for option in page.select("select[name=tag] option")]
    assert "tag-240" in options and len(options) <= 202
    assert "tag ignored" not in page.text
