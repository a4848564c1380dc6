"""Deleting a product counts everything the delete would remove (#12, item 10)."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.catalogue.products import ProductNotEmpty, attachments, delete_product
from portfolio.extensions import db
from portfolio.models import Column, Product, Stage, Stakeholder, StakeholderRole
from tests.helpers import count_rows, parse_html


def test_cards_their_comments_and_the_stakeholder_map_are_counted(make, users):
    """Today's gap: these cascaded away while the page said 'Nothing is attached'."""
    product = make.product()
    item = make.item(product, column=Column.NOW)
    make.comment(body="On the card", item=item)
    db.session.add(
        Stakeholder(
            product_id=product.id,
            name="Finance",
            role=StakeholderRole.SPONSOR,
            power=4,
            interest=4,
        )
    )
    db.session.commit()

    assert attachments(db.session, product) == {
        "roadmap items": 1,
        "comments": 1,
        "people on its stakeholder map": 1,
    }
    with pytest.raises(ProductNotEmpty, match="1 roadmap items"):
        delete_product(db.session, users["admin"], product)


def test_requests_votes_and_their_comments_are_counted(make, users):
    product = make.product()
    request = make.request(product)
    make.vote(request, users["stakeholder"])
    make.comment(body="On the request", request=request)
    make.measure(product)
    counted = attachments(db.session, product)
    assert counted["requests"] == 1 and counted["votes"] == 1 and counted["comments"] == 1
    assert counted["success measures"] == 1


def test_the_delete_page_lists_what_would_go_and_offers_retire(make, admin_client):
    product = make.product(stage=Stage.LIVE)
    make.item(product)
    page = admin_client.get(f"/products/{product.slug}/delete")
    assert page.status_code == 200
    text = parse_html(page.text).one("main").text
    assert "cannot be deleted" in text and "1 roadmap items" in text
    # Retiring asks for a reason and a date (issue #14): a link to its page.
    (link,) = [
        link
        for link in parse_html(page.text).select("a")
        if link.attrs.get("href", "").endswith(f"/products/{product.slug}/retire")
    ]
    assert link.text == f"Retire {product.name}…"

    refused = admin_client.post(f"/products/{product.slug}/delete")
    assert refused.status_code == 302
    assert db.session.get(Product, product.id) is not None

    admin_client.post(
        f"/products/{product.slug}/retire",
        # It has a card on the board: retiring asks to confirm what it affects (#18).
        data={"reason": "Unused", "retired_on": date.today().isoformat(), "confirm_impact": "y"},
    )
    db.session.expire_all()
    assert db.session.get(Product, product.id).stage is Stage.RETIRED


def test_a_bare_product_is_deleted_with_its_history_said_aloud(make, admin_client, pm_client):
    created = pm_client.post(
        "/products/new",
        data={
            "name": "Short-lived",
            "slug": "short-lived",
            "category": "other",
            "summary": "Created by mistake",
            "stage": "idea",
            "sourcing": "built",
        },
    )
    assert created.status_code == 302
    page = admin_client.get("/products/short-lived/delete").text
    assert "Nothing is attached to Short-lived but its history (1 entry" in page
    before = count_rows(Product)
    assert admin_client.post("/products/short-lived/delete").status_code == 302
    assert count_rows(Product) == before - 1
