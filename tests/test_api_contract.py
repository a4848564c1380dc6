"""The API: token authentication, the OpenAPI contract, pagination."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from portfolio.extensions import db
from portfolio.models import ApiToken, RoadmapItem, SuccessMeasure
from tests.helpers import parse_html


def issue_token(client) -> str:
    page = client.post("/account/tokens", data={"name": "BI"})
    assert page.status_code == 201
    return parse_html(page.text).one('[data-testid="new-token"]').text


@pytest.fixture
def token(leader_client) -> str:
    return issue_token(leader_client)


def get(client, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers, **kwargs)


def test_tokens_are_shown_once_and_stored_hashed(leader_client, token):
    stored = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert token not in (stored.token_hash, stored.prefix) and stored.token_hash != token
    assert token not in leader_client.get("/account").text  # never shown again


def test_authentication(client, leader_client, client_for, users, token, make):
    missing = get(client, "/api/products")
    assert missing.status_code == 401 and missing.json["title"] == "Unauthorized"
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    assert get(client, "/api/products", "pf_not-a-real-token").status_code == 401
    assert get(client, "/api/products", token).status_code == 200

    token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    other = client_for(make.user("pm"))
    assert other.post(f"/account/tokens/{token_id}/revoke").status_code == 404  # not theirs
    assert leader_client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    revoked = get(client, "/api/products", token)
    assert revoked.status_code == 403 and revoked.is_json


def test_a_deactivated_owner_disables_the_token(client, users, token):
    users["leader"].deactivate()
    db.session.commit()
    assert get(client, "/api/board", token).status_code == 403


@pytest.fixture
def openapi(client):
    document = client.get("/api/openapi.json")
    assert document.status_code == 200
    return document.json


def validate(document: dict, schema: str, instance) -> None:
    Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    ).validate(instance)


@pytest.mark.parametrize(
    "url, schema",
    [
        ("/api/products", "ProductPage"),
        ("/api/products/sales-crm", "ProductDetail"),
        ("/api/products/expense-legacy", "ProductDetail"),
        ("/api/products?stage=retired", "ProductPage"),
        ("/api/measures", "MeasurePage"),
        ("/api/requests", "RequestPage"),
        ("/api/requests?status=declined", "RequestPage"),
        ("/api/board", "BoardItemPage"),
        ("/api/board?column=shipped", "BoardItemPage"),
        ("/api/departments", "DepartmentPage"),
        ("/api/products/finance-erp/nps", "NpsPage"),
        ("/api/changelog", "ReleaseNotePage"),
        ("/api/changelog?product=finance-erp", "ReleaseNotePage"),
        ("/api/activity", "ActivityPage"),
        ("/api/activity?product=finance-erp", "ActivityPage"),
    ],
)
def test_responses_match_the_openapi_document(client, demo, token, openapi, url, schema):
    response = get(client, url, token)
    assert response.status_code == 200
    validate(openapi, schema, response.json)


def test_the_demo_retired_product_names_its_successor(client, demo, token):
    """#14: the product fields retired_on, retirement_reason and successor
    (added to the contract, none removed)."""
    legacy = get(client, "/api/products/expense-legacy", token).json
    assert legacy["stage"] == "retired" and legacy["successor"] == "finance-erp"
    assert legacy["retired_on"] and legacy["retirement_reason"]
    listed = get(client, "/api/products?stage=retired", token).json["data"]
    assert {row["slug"]: row["successor"] for row in listed}["expense-legacy"] == "finance-erp"


def test_every_documented_path_answers(client, demo, token, openapi):
    for path, item in openapi["paths"].items():
        if "get" not in item:
            continue  # the write, in test_the_write_matches_the_openapi_document
        response = get(client, path.replace("{slug}", "finance-erp"), token)
        assert response.status_code == 200, path


def test_the_write_matches_the_openapi_document(client, pm_client, demo, openapi):
    """PUT's answers, its refusals and its request body, against the document."""
    page = pm_client.post("/account/tokens", data={"name": "Job", "write_readings": "y"})
    writer = parse_html(page.text).one('[data-testid="new-token"]').text
    reader = issue_token(pm_client)
    measure_id = db.session.execute(sa.select(SuccessMeasure.id).limit(1)).scalar_one()
    url = f"/api/measures/{measure_id}/readings/{date.today().isoformat()}"
    body = {"value": 42.0, "note": "nightly"}
    validate(openapi, "ReadingInput", body)
    operation = openapi["paths"]["/api/measures/{measure_id}/readings/{date}"]["put"]
    assert operation["security"] == [{"token": ["readings:write"]}]

    def put(token, sent):
        return client.put(url, json=sent, headers={"Authorization": f"Bearer {token}"})

    answers = [
        (put(writer, body), "201"),
        (put(writer, body), "200"),
        (put(writer, {"value": "x"}), "422"),
        (put(reader, body), "403"),
    ]
    for response, status in answers:
        assert str(response.status_code) == status
        content = operation["responses"][status]["content"]
        ((media_type, schema),) = content.items()
        assert response.mimetype == media_type
        validate(openapi, schema["schema"]["$ref"].rsplit("/", 1)[1], response.json)


@pytest.mark.parametrize(
    "url",
    [
        "/api/products/nope",
        "/api/requests?status=lost",
        "/api/board?column=x",
        "/api/products?page=0",
        "/api/products?per_page=201",
        "/api/products?page=x",
        "/api/measures?page=200000000000000000",
    ],
)
def test_errors_are_documented_problems(client, demo, token, openapi, url):
    response = get(client, url, token)
    assert response.status_code in (400, 404)
    validate(openapi, "Problem", response.json)


@pytest.mark.parametrize(
    "url, key",
    [
        ("/api/products", "slug"),
        ("/api/requests", "id"),
        ("/api/measures", "id"),
        ("/api/board", "id"),
        ("/api/departments", "id"),
        ("/api/products/finance-erp/nps", "quarter"),
        ("/api/changelog", "id"),
        ("/api/activity", "id"),
    ],
)
def test_pagination_walks_each_list_exactly_once(client, demo, token, url, key):
    seen, pages = [], 0
    next_url = f"{url}?per_page=7"
    while next_url:
        body = get(client, next_url, token).json
        seen += [row[key] for row in body["data"]]
        next_url = body["links"]["next"]
        pages += 1
        assert pages < 100
    assert len(seen) == len(set(seen)) == body["meta"]["total"]


def test_board_positions_follow_the_board_order(client, demo, token):
    rows = get(client, "/api/board?column=now&per_page=200", token).json["data"]
    ids = (
        db.session.execute(
            sa.select(RoadmapItem.id).where(RoadmapItem.column == "now").order_by(RoadmapItem.rank)
        )
        .scalars()
        .all()
    )
    assert [row["id"] for row in rows] == ids
    assert [row["position"] for row in rows] == list(range(1, len(ids) + 1))


@pytest.mark.parametrize("url", ["/api/products", "/api/board", "/api/requests"])
def test_api_query_counts_do_not_grow_with_the_page(client, demo, token, count_queries, url):
    def queries(per_page: int) -> int:
        with count_queries() as statements:
            assert get(client, f"{url}?per_page={per_page}", token).status_code == 200
        return len(statements)

    get(
        client, url, token
    )  # the first call records the token's last use; later ones within minutes do not
    assert queries(3) == queries(100)
