"""The read operations added with #17: departments, a product's NPS per
quarter, the changelog and the activity trail — shapes, pagination and who
sees what. (Each is also validated against the OpenAPI document in
tests/test_api_contract.py and fuzzed in tests/test_api_schemathesis.py.)"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portfolio.activity.trail import ADMINISTRATION_VERBS
from portfolio.api import views
from portfolio.catalogue.satisfaction import last_quarters
from portfolio.extensions import db
from portfolio.models import Activity, Column, RoadmapItem, SatisfactionResponse, Verb
from tests.helpers import parse_html


def issue_token(client) -> str:
    page = client.post("/account/tokens", data={"name": "BI"})
    assert page.status_code == 201
    return parse_html(page.text).one('[data-testid="new-token"]').text


def get(client, url, token):
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json


@pytest.fixture
def token(stakeholder_client) -> str:
    return issue_token(stakeholder_client)


def walk(client, url, token) -> list[dict]:
    rows, next_url = [], url
    while next_url:
        body = get(client, next_url, token)
        rows += body["data"]
        next_url = body["links"]["next"]
        assert len(rows) <= body["meta"]["total"]
    assert len(rows) == body["meta"]["total"]
    return rows


# Departments ---------------------------------------------------------------------


def test_departments_list_head_headcount_and_products(client, make, token):
    finance = make.department(name="Finance", head="Ada", headcount=40)
    make.department(name="Arts", headcount=3)
    crm, erp = make.product(slug="crm", name="CRM"), make.product(slug="erp", name="ERP")
    make.usage(erp, finance, users=30)
    make.usage(crm, finance, users=5, level="occasional")
    body = get(client, "/api/departments", token)
    assert [row["name"] for row in body["data"]] == ["Arts", "Finance"]
    assert body["data"][1] == {
        "id": finance.id,
        "name": "Finance",
        "head": "Ada",
        "headcount": 40,
        "products": [
            {"slug": "crm", "name": "CRM", "level": "occasional", "users": 5},
            {"slug": "erp", "name": "ERP", "level": "primary", "users": 30},
        ],
        "products_total": 2,
    }
    assert body["data"][0]["products"] == [] and body["data"][0]["products_total"] == 0


def test_a_departments_products_are_bounded(client, make, token, monkeypatch):
    monkeypatch.setattr(views, "PRODUCTS_PER_DEPARTMENT", 2)
    department = make.department(name="Everyone")
    for slug in ("d", "b", "a", "c"):
        make.usage(make.product(slug=slug), department)
    row = get(client, "/api/departments", token)["data"][0]
    assert [product["slug"] for product in row["products"]] == ["a", "b"]
    assert row["products_total"] == 4


def test_departments_page_through_all(client, demo, token):
    rows = walk(client, "/api/departments?per_page=3", token)
    assert len({row["id"] for row in rows}) == len(rows) >= 8


# NPS -----------------------------------------------------------------------------


def test_nps_matches_the_product_page(client, stakeholder_client, demo, token):
    body = get(client, "/api/products/finance-erp/nps?per_page=8", token)
    page = stakeholder_client.get("/products/finance-erp").text
    shown = dict(re.findall(r'data-testid="nps-(\d{4}-Q\d)">([^<]*)<', page))
    assert len(shown) == 8
    assert [row["quarter"] for row in body["data"]] == sorted(shown, reverse=True)
    for row in body["data"]:
        label = "—" if row["nps"] is None else f"{row['nps']:+d}"
        assert label == shown[row["quarter"]]
        assert row["responses"] == row["promoters"] + row["passives"] + row["detractors"]


def test_nps_goes_back_to_the_first_answer(client, make, users, token):
    product = make.product(slug="rated")
    today = date.today()
    old = last_quarters(12, today)[0]  # eleven quarters before this one
    db.session.add(SatisfactionResponse(user=users["pm"], product=product, quarter=old, score=10))
    db.session.commit()
    rows = walk(client, "/api/products/rated/nps?per_page=5", token)
    assert len(rows) == 12
    assert rows[0]["quarter"] == last_quarters(1, today)[0]
    assert rows[-1] == {
        "quarter": old,
        "nps": 100,
        "responses": 1,
        "promoters": 1,
        "passives": 0,
        "detractors": 0,
    }
    # Without answers: the eight quarters the product page shows, none scored.
    make.product(slug="quiet")
    quiet = get(client, "/api/products/quiet/nps", token)
    assert quiet["meta"]["total"] == 8 and all(row["nps"] is None for row in quiet["data"])
    past_the_end = get(client, "/api/products/quiet/nps?page=3", token)
    assert past_the_end["data"] == [] and past_the_end["links"]["next"] is None


def test_nps_of_an_unknown_product_is_404(client, token):
    response = client.get("/api/products/nope/nps", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


# Changelog -----------------------------------------------------------------------


def test_the_changelog_lists_what_the_page_shows(client, stakeholder_client, demo, token):
    rows = walk(client, "/api/changelog?per_page=4", token)
    shipped = db.session.execute(
        sa.select(sa.func.count())
        .select_from(RoadmapItem)
        .where(RoadmapItem.column == Column.SHIPPED, RoadmapItem.shipped_on.is_not(None))
    ).scalar_one()
    assert len(rows) == shipped > 0
    dates = [row["shipped_on"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    page = stakeholder_client.get("/changelog").text
    assert rows[0]["title"] in page and f'id="release-{rows[0]["id"]}"' in page
    answered = next(row for row in rows if row["requests"])
    departments = {r["department"] for r in answered["requests"] if r["department"]}
    assert sorted(departments) == answered["departments"]
    slug = rows[0]["product"]
    mine = get(client, f"/api/changelog?product={slug}&per_page=200", token)["data"]
    assert mine and {row["product"] for row in mine} == {slug}
    links = get(client, f"/api/changelog?product={slug}", token)["links"]
    assert "product=" + slug in links["self"]


# Activity ------------------------------------------------------------------------


def test_the_trail_hides_administration_from_all_but_admins(
    client, stakeholder_client, admin_client, make, token
):
    product = make.product(slug="crm", name="CRM")
    db.session.add(Activity(verb=Verb.PRODUCT_CREATED, subject="CRM", product=product))
    db.session.commit()
    admin_token = issue_token(admin_client)  # both token creations are on the trail
    seen = get(client, "/api/activity", token)["data"]
    assert [row["verb"] for row in seen] == ["product_created"]
    assert seen[0]["product"] == "crm" and seen[0]["phrase"] == Verb.PRODUCT_CREATED.label
    admin_sees = {row["verb"] for row in get(client, "/api/activity", admin_token)["data"]}
    assert admin_sees == {"product_created", "token_created"}
    # The same rule as the web page.
    token_event = Verb.TOKEN_CREATED.label
    assert token_event not in stakeholder_client.get("/activity").text
    assert token_event in admin_client.get("/activity").text
    filtered = get(client, "/api/activity?product=crm", admin_token)["data"]
    assert [row["verb"] for row in filtered] == ["product_created"]
    assert get(client, "/api/activity?product=nope", admin_token)["data"] == []


def test_the_trail_pages_newest_first(client, demo, token):
    rows = walk(client, "/api/activity?per_page=200", token)
    visible = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.verb.not_in(ADMINISTRATION_VERBS))
    ).scalar_one()
    assert len(rows) == visible > 0
    stamps = [row["at"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert len({row["id"] for row in rows}) == len(rows)


# Query counts --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/departments", "/api/products/finance-erp/nps", "/api/changelog", "/api/activity"],
)
def test_query_counts_do_not_grow_with_the_page(client, demo, token, count_queries, url):
    def queries(per_page: int) -> int:
        with count_queries() as statements:
            get(client, f"{url}?per_page={per_page}", token)
        return len(statements)

    get(client, url, token)  # the first call records the token's last use
    assert queries(2) == queries(150)
