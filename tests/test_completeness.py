"""Completeness (#18): six things a trustworthy product entry has."""

from __future__ import annotations

import pytest

from portfolio.architecture.completeness import (
    CRITERIA,
    average_completeness,
    completeness_of,
)
from portfolio.extensions import db
from portfolio.models import (
    Capability,
    Product,
    Stage,
    Stakeholder,
    StakeholderRole,
    ValueProposition,
    product_capability,
)
from tests.helpers import parse_html

KEYS = [criterion.key for criterion in CRITERIA]


def give(make, product: Product, key: str) -> None:
    """Give `product` what criterion `key` asks for."""
    if key == "value_proposition":
        product.value_proposition = ValueProposition(problem="Slow month-end close")
    elif key == "measures":
        make.measure(product)
    elif key == "owner":
        product.owner = make.user("pm")
    elif key == "usage":
        make.usage(product)
    elif key == "capabilities":
        capability = Capability(name=f"Invoice {product.id}")
        db.session.add(capability)
        db.session.flush()
        db.session.execute(
            product_capability.insert().values(product_id=product.id, capability_id=capability.id)
        )
    elif key == "sponsor":
        db.session.add(
            Stakeholder(
                product=product, name="CFO", role=StakeholderRole.SPONSOR, power=5, interest=4
            )
        )
    db.session.commit()


def test_an_empty_entry_misses_everything(app, make):
    product = make.product()
    found = completeness_of(db.session, [product.id])[product.id]
    assert (found.score, found.out_of, found.percent) == (0, 6, 0)
    assert [criterion.key for criterion in found.missing] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_each_criterion_counts_on_its_own(app, make, key):
    product = make.product()
    give(make, product, key)
    found = completeness_of(db.session, [product.id])[product.id]
    assert [criterion.key for criterion in found.present] == [key]
    assert found.score == 1 and key not in [criterion.key for criterion in found.missing]


def test_a_complete_entry_misses_nothing(app, make):
    product = make.product()
    for key in KEYS:
        give(make, product, key)
    found = completeness_of(db.session, [product.id])[product.id]
    assert found.complete and (found.score, found.percent) == (6, 100)


def test_what_does_not_count(app, make):
    """An empty value proposition, an inactive owner, a stakeholder who is not a sponsor."""
    product = make.product(owner=make.user("pm", active=False))
    product.value_proposition = ValueProposition(problem="", for_whom="", value="", replaces="")
    db.session.add(
        Stakeholder(product=product, name="Key", role=StakeholderRole.KEY_USER, power=2, interest=5)
    )
    db.session.commit()
    assert completeness_of(db.session, [product.id])[product.id].score == 0


def test_many_products_are_scored_in_one_statement(app, make, count_queries):
    products = [make.product() for _ in range(12)]
    for index, product in enumerate(products):
        for key in KEYS[: index % 7]:
            give(make, product, key)
    ids = [product.id for product in products]
    with count_queries() as queries:
        found = completeness_of(db.session, ids)
    assert len(queries) == 1
    assert [found[id_].score for id_ in ids] == [i % 7 for i in range(12)]
    assert completeness_of(db.session, []) == {}


def test_the_average_leaves_retired_products_out(app, make, count_queries):
    assert average_completeness(db.session) is None
    full, empty = make.product(), make.product()
    for key in KEYS:
        give(make, full, key)
    make.product(stage=Stage.RETIRED)
    with count_queries() as queries:
        assert average_completeness(db.session) == 50  # (6 + 0) / 2 of 6
    assert len(queries) == 1
    give(make, empty, "owner")
    assert average_completeness(db.session) == 58  # 7 / 12


def test_the_product_page_lists_what_is_missing_with_links(pm_client, stakeholder_client, make):
    product = make.product(slug="ledger")
    for key in ("value_proposition", "measures", "owner", "usage"):
        give(make, product, key)
    page = parse_html(pm_client.get("/products/ledger").text)
    line = page.one('[data-testid="completeness"]')
    assert line.text == "Completeness 4/6 — missing: capabilities, sponsor"
    links = {link.text: link["href"] for link in line.select("a")}
    assert links == {
        "capabilities": "/products/ledger#capabilities",
        "sponsor": "/products/ledger#stakeholders",
    }


def test_forms_are_linked_only_for_who_may_fill_them(pm_client, stakeholder_client, make):
    make.product(slug="ledger")
    editor = parse_html(pm_client.get("/products/ledger").text)
    hrefs = [link["href"] for link in editor.one('[data-testid="completeness"]').select("a")]
    assert "/products/ledger/value" in hrefs and "/products/ledger/measures/new" in hrefs
    reader = parse_html(stakeholder_client.get("/products/ledger").text)
    line = reader.one('[data-testid="completeness"]')
    assert "value proposition" in line.text
    assert [link.text for link in line.select("a")] == ["usage", "capabilities", "sponsor"]


def test_the_dashboard_shows_the_average(leader_client, make):
    full = make.product()
    for key in KEYS:
        give(make, full, key)
    make.product()
    page = parse_html(leader_client.get("/dashboard").text)
    assert (
        "Entries 50 % complete on average" in page.one('[data-testid="average-completeness"]').text
    )
