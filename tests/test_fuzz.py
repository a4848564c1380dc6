"""Hostile and random input against every form and the API: answers are
200/201/302 (with errors), 400, 404, 409 or 422 — never a 500 — and nothing
invalid is stored."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.board.ranking import validate_rank
from portfolio.extensions import db
from portfolio.models import ApiToken, Product, Reading, RoadmapItem, SuccessMeasure, User

ACCEPTABLE = {200, 201, 302, 400, 404, 409, 422}

# Text people paste: unicode, control characters, very long strings, numbers
# that are not quite numbers, markup.
nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "NaN",
            "inf",
            "-0",
            "99999999999999999999",
            "12,5",
            "2026-02-30",
            "2026-13-01",
            "9999-12-31",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "é" * 300,
            "x" * 5000,
            "javascript:alert(1)",
        ]
    ),
)

FORMS = {
    "/login": ["email", "password", "next", "remember"],
    "/products/new": [
        "name",
        "slug",
        "category",
        "summary",
        "stage",
        "owner_id",
        "sourcing",
        "vendor",
        "docs_url",
        "source_url",
        "prd_url",
        "tags",
    ],
    "/products/{slug}/edit": [
        "name",
        "slug",
        "category",
        "summary",
        "stage",
        "owner_id",
        "sourcing",
        "vendor",
        "docs_url",
        "tags",
    ],
    "/products/{slug}/value": ["problem", "for_whom", "value", "replaces"],
    "/products/{slug}/contract": [
        "vendor",
        "annual_cost",
        "seats_bought",
        "renewal_date",
        "notice_days",
        "auto_renew",
    ],
    "/products/{slug}/usage": ["department_id", "level", "users"],
    "/products/{slug}/measures/new": [
        "name",
        "unit",
        "direction",
        "baseline",
        "baseline_date",
        "target",
        "target_date",
    ],
    "/products/{slug}/measures/{measure}/readings": [
        "reading-{measure}-taken_on",
        "reading-{measure}-value",
        "reading-{measure}-note",
    ],
    "/products/{slug}/survey": ["score", "comment"],
    "/products/{slug}/stakeholders": ["name", "department_id", "role", "power", "interest"],
    "/departments/new": ["name", "head", "headcount"],
    "/requests/new": ["product_id", "title", "description", "department_id"],
    "/requests/{request}/vote": ["state"],
    "/requests/{request}/status": ["status", "reason", "duplicate_of"],
    "/comments/request/{request}": ["body"],
    "/board/items/new": [
        "product_id",
        "title",
        "description",
        "column",
        "owner_id",
        "reach",
        "impact",
        "confidence",
        "effort",
        "hours_saved_per_month",
        "cost_saved_per_year",
        "measure_id",
        "expected_change",
        "observation_days",
        "request_ids",
    ],
    "/board/move": ["item_id", "version", "column", "above_id", "below_id"],
    "/board/items/{item}/move": ["direction", "version"],
    "/board/items/{item}/ship": ["release_note", "shipped_on", "version"],
    "/board/limits": ["now", "next", "later"],
    "/admin/users": ["email", "display_name", "role", "department_id", "new_password"],
    "/account": ["current_password", "new_password", "confirm_password"],
    "/account/tokens": ["name"],
}


@pytest.fixture
def world(make, users):
    product = make.product(slug="fuzz-product")
    measure = make.measure(product)
    request = make.request(product)
    item = make.item(product)
    return {"slug": product.slug, "measure": measure.id, "request": request.id, "item": item.id}


def assert_nothing_invalid_stored() -> None:
    db.session.expire_all()
    for product in db.session.execute(sa.select(Product)).scalars():
        assert product.name.strip() and product.slug and len(product.summary) <= 280
    for measure in db.session.execute(sa.select(SuccessMeasure)).scalars():
        assert math.isfinite(measure.baseline) and math.isfinite(measure.target)
        assert measure.baseline != measure.target and measure.target_date > measure.baseline_date
    for reading in db.session.execute(sa.select(Reading)).scalars():
        assert math.isfinite(reading.value)
    for item in db.session.execute(sa.select(RoadmapItem)).scalars():
        validate_rank(item.rank)
        assert item.effort > 0 and math.isfinite(item.effort)
    for user in db.session.execute(sa.select(User)).scalars():
        assert "@" in user.email


@pytest.mark.parametrize("path, fields", list(FORMS.items()), ids=list(FORMS))
def test_forms_never_answer_500(app, admin_client, world, path, fields):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["COMMENT_RATE_LIMIT"] = "100000 per minute"  # the fuzzer outpaces any person
    url = path.format(**world)
    names = [name.format(**world) for name in fields]

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(values=st.fixed_dictionaries({name: nasty_text for name in names}), htmx=st.booleans())
    def post(values, htmx):
        send = admin_client.hx_post if htmx else admin_client.post
        response = send(url, data=values)
        assert response.status_code in ACCEPTABLE, (url, values, response.status_code)
        assert "Traceback" not in response.text

    post()
    assert_nothing_invalid_stored()


@pytest.fixture
def api_token(users):
    token, secret = ApiToken.issue(users["leader"], "fuzz")
    db.session.add(token)
    db.session.commit()
    return secret


@pytest.mark.parametrize("path", ["/api/products", "/api/measures", "/api/requests", "/api/board"])
def test_api_query_strings_never_answer_500(app, client, api_token, path):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @settings(
        max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        params=st.dictionaries(
            st.sampled_from(["page", "per_page", "status", "column", "stage", "product"]),
            nasty_text,
            max_size=4,
        )
    )
    def get(params):
        response = client.get(
            path, query_string=params, headers={"Authorization": f"Bearer {api_token}"}
        )
        assert response.status_code in {200, 400, 404}, (path, params, response.status_code)
        assert response.is_json

    get()


@given(slug=nasty_text)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_unknown_addresses_are_404_not_500(app, stakeholder_client, slug):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    for pattern in ("/products/{}", "/requests/{}", "/board/items/{}", "/departments/{}"):
        response = stakeholder_client.get(
            pattern.format(slug.replace("/", "").replace("?", "").replace("#", "") or "x")
        )
        assert response.status_code in {200, 302, 308, 404}, (pattern, slug, response.status_code)
