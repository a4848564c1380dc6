"""The API and a product's end of life (#14): a product (in the list and in
detail) says since when it is retired, why, and the slug of what replaces it;
a live one answers null for all three. The fields are in the OpenAPI
document, and the list makes the same queries however many products name a
successor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from jsonschema import Draft202012Validator

from portfolio.extensions import db
from portfolio.models import Stage
from tests.test_api_contract import issue_token

RETIRED_ON = date.today() - timedelta(days=30)
REASON = "Replaced by the ERP's expense module"
FIELDS = ("retired_on", "retirement_reason", "successor")


@pytest.fixture
def token(leader_client) -> str:
    return issue_token(leader_client)


@pytest.fixture
def products(make):
    new = make.product(slug="new-tool", name="New Tool")
    old = make.product(slug="old-tool", name="Old Tool", stage=Stage.RETIRED)
    old.retired_on, old.retirement_reason, old.successor = RETIRED_ON, REASON, new
    db.session.commit()
    return old, new


def get(client, url: str, token: str):
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json


def validate(client, schema: str, instance) -> None:
    document = client.get("/api/openapi.json").json
    Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    ).validate(instance)


def test_a_retired_product_says_when_why_and_what_replaces_it(client, products, token):
    detail = get(client, "/api/products/old-tool", token)
    assert detail["stage"] == "retired"
    assert detail["retired_on"] == RETIRED_ON.isoformat()
    assert detail["retirement_reason"] == REASON
    assert detail["successor"] == "new-tool"
    validate(client, "ProductDetail", detail)
    listed = get(client, "/api/products?stage=retired", token)
    assert [row["slug"] for row in listed["data"]] == ["old-tool"]
    assert {field: listed["data"][0][field] for field in FIELDS} == {
        field: detail[field] for field in FIELDS
    }
    validate(client, "ProductPage", listed)


def test_a_live_product_answers_null(client, products, token):
    detail = get(client, "/api/products/new-tool", token)
    assert detail["stage"] == "live"
    assert [detail[field] for field in FIELDS] == [None, None, None]
    validate(client, "ProductDetail", detail)
    listed = get(client, "/api/products?stage=live", token)
    assert [[row[field] for field in FIELDS] for row in listed["data"]] == [[None, None, None]]


def test_a_sunsetting_product_names_its_planned_successor(client, products, make, token):
    make.product(slug="fading", stage=Stage.SUNSETTING, successor=products[1])
    detail = get(client, "/api/products/fading", token)
    assert (detail["retired_on"], detail["retirement_reason"]) == (None, None)
    assert detail["successor"] == "new-tool"


def test_the_fields_are_documented(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    product = schemas["Product"]
    assert set(FIELDS) <= set(product["required"])
    assert product["properties"]["retired_on"]["format"] == "date"
    for field in FIELDS:
        assert "null" in product["properties"][field]["type"]
        assert product["properties"][field]["description"]
    # ProductDetail extends Product, so the detail carries them too.
    assert schemas["ProductDetail"]["allOf"] == [{"$ref": "#/components/schemas/Product"}]


def test_the_list_makes_the_same_queries_for_more_successors(
    client, products, make, token, count_queries
):
    def queries() -> int:
        with count_queries() as statements:
            get(client, "/api/products?per_page=200", token)
        return len(statements)

    get(client, "/api/products", token)  # the first call records the token's last use
    few = queries()
    for _ in range(5):
        make.product(stage=Stage.RETIRED, successor=make.product(), retired_on=RETIRED_ON)
    assert queries() == few
