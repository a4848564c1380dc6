"""The catalogue: list, search and filters, product pages, PM forms, query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portfolio.extensions import db
from portfolio.models import (
    Category,
    Department,
    Direction,
    Product,
    Reading,
    Stage,
    SuccessMeasure,
    Tag,
    Unit,
    Usage,
)
from tests.helpers import count_rows, parse_html


def build_products(count: int, departments: list[Department], owner, batch: str = "a") -> None:
    """`count` products, each used by 2 departments, with 2 tags and 2 measures of 8 readings."""
    tags = [Tag(name=f"tag-{batch}-{i}") for i in range(4)]
    products = []
    for i in range(count):
        product = Product(
            slug=f"bulk-{i}",
            name=f"Bulk product {i}",
            category=Category.ERP,
            summary="A bulk product",
            stage=Stage.LIVE,
            owner=owner,
            tags=tags[i % 2 : i % 2 + 2],
        )
        product.usages = [
            Usage(department=departments[(i + k) % len(departments)], users=5 + k) for k in range(2)
        ]
        for m in range(2):
            measure = SuccessMeasure(
                name=f"Measure {m}",
                unit=Unit.HOURS,
                direction=Direction.LOWER,
                baseline=100,
                baseline_date=date(2025, 1, 1),
                target=50,
                target_date=date(2027, 1, 1),
            )
            measure.readings = [
                Reading(taken_on=date(2025, 1, 1) + timedelta(days=91 * q), value=100 - 5 * q)
                for q in range(1, 9)
            ]
            product.measures.append(measure)
        products.append(product)
    db.session.add_all(tags + products)
    db.session.commit()


@pytest.mark.parametrize(
    "url", ["/products", "/products/bulk-0", "/departments", "/departments/{department}"]
)
def test_catalogue_pages_cost_the_same_queries_for_5_and_200_products(
    pm_client, make, users, count_queries, url
):
    departments = [make.department(name=f"Dept {i}") for i in range(4)]
    build_products(5, departments, users["pm"])
    url = url.format(department=departments[0].id)

    def queries() -> int:
        with count_queries() as statements:
            assert pm_client.get(url).status_code == 200
        return len(statements)

    few = queries()
    db.session.execute(sa.delete(Product).where(Product.slug.like("bulk-%")))
    db.session.commit()
    build_products(200, departments, users["pm"], batch="b")
    assert queries() == few


@pytest.fixture
def catalogue(make, users):
    finance, sales = make.department(name="Finance"), make.department(name="Sales")
    erp = make.product(
        slug="finance-erp",
        name="Finance ERP",
        category=Category.ERP,
        summary="Ledger and month-end close",
        owner=users["pm"],
    )
    crm = make.product(
        slug="sales-crm", name="Sales CRM", category=Category.CRM, summary="Pipeline and accounts"
    )
    old = make.product(slug="old-tool", name="Old 100% tool", stage=Stage.RETIRED, summary="Gone")
    make.usage(erp, finance, users=40)
    make.usage(crm, sales, users=120)
    erp.tags = [Tag(name="month-end")]
    db.session.commit()
    return {"finance": finance, "sales": sales, "erp": erp, "crm": crm, "old": old}


def listed(response) -> list[str]:
    return [name.text for name in parse_html(response.text).select(".product-name > strong")]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["Finance ERP", "Sales CRM"]),
        ({"q": "pipeline"}, ["Sales CRM"]),  # summary
        ({"q": "month-end"}, ["Finance ERP"]),  # tag
        ({"q": "erp"}, ["Finance ERP"]),  # name
        ({"q": "%"}, []),  # wildcards are literal...
        ({"q": "100%", "stage": "all"}, ["Old 100% tool"]),  # ...and still match themselves
        ({"category": "crm"}, ["Sales CRM"]),
        ({"stage": "retired"}, ["Old 100% tool"]),
        ({"stage": "all"}, ["Finance ERP", "Old 100% tool", "Sales CRM"]),
        ({"department": "{finance}"}, ["Finance ERP"]),
    ],
)
def test_search_and_filters(stakeholder_client, catalogue, query, expected):
    query = {k: v.format(finance=catalogue["finance"].id) for k, v in query.items()}
    assert listed(stakeholder_client.get("/products", query_string=query)) == expected


def test_htmx_search_answers_the_results_fragment(stakeholder_client, catalogue):
    response = stakeholder_client.hx_get("/products?q=pipeline")
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith(
        '<section id="results"'
    )
    assert listed(response) == ["Sales CRM"] and "HX-Request" in response.headers["Vary"]


def test_unknown_filters_warn_instead_of_failing(stakeholder_client, catalogue):
    response = stakeholder_client.get("/products?category=spaceships&stage=frozen&department=x")
    assert response.status_code == 200
    assert "Unknown category" in response.text and "Unknown stage" in response.text
    assert listed(response) == ["Finance ERP", "Sales CRM"]


def test_csv_download_follows_the_filters_and_defuses_formulas(stakeholder_client, catalogue, make):
    make.product(slug="formula", name="=HYPERLINK(1)", summary="pipeline trap")
    response = stakeholder_client.get("/products.csv?q=pipeline")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("name,slug,category")
    assert len(lines) == 3 and any(line.startswith("'=HYPERLINK(1)") for line in lines)


VALID_PRODUCT = {
    "name": "People HRIS",
    "slug": "",
    "category": "hris",
    "summary": "Employee records",
    "stage": "live",
    "owner_id": "",
    "sourcing": "built",
    "vendor": "",
    "docs_url": "",
    "source_url": "",
    "prd_url": "",
    "tags": "HR, onboarding, hr",
}


def test_pm_creates_a_product(pm_client):
    response = pm_client.post("/products/new", data=VALID_PRODUCT)
    assert response.status_code == 302 and response.headers["Location"] == "/products/people-hris"
    product = db.session.execute(
        sa.select(Product).where(Product.slug == "people-hris")
    ).scalar_one()
    assert product.tag_names == ["hr", "onboarding"] and product.category is Category.HRIS


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"slug": "finance-erp"}, "slug", "already uses the slug"),
        ({"slug": "Not A Slug!"}, "slug", "lower-case letters"),
        (
            {"name": "Finance ERP", "slug": ""},
            "slug",
            "already uses the slug",
        ),  # derived from the name
        ({"name": ""}, "name", "This field is required"),
        ({"docs_url": "javascript:alert(1)"}, "docs_url", "https://"),
        ({"sourcing": "bought"}, "vendor", "Name the vendor"),
        ({"tags": "x" * 50}, "tags", "under 40 characters"),
    ],
)
def test_product_form_errors_keep_the_input_and_write_nothing(
    pm_client, catalogue, changes, field, message
):
    before = count_rows(Product)
    response = pm_client.post("/products/new", data={**VALID_PRODUCT, **changes})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    assert 'value="Employee records"' in response.text
    assert count_rows(Product) == before


VALID_MEASURE = {
    "name": "Days to close",
    "unit": "days",
    "direction": "lower",
    "baseline": "11",
    "baseline_date": "2026-01-01",
    "target": "5",
    "target_date": "2026-12-31",
}


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"target": "11"}, "target", "equals the baseline"),
        ({"direction": "higher"}, "target", "above the baseline"),
        ({"target_date": "2025-06-01"}, "target_date", "after the baseline date"),
        ({"baseline": "nan"}, "baseline", "ordinary number"),
        ({"name": "Existing"}, "name", "already has a measure"),
    ],
)
def test_measure_validation(pm_client, catalogue, make, changes, field, message):
    make.measure(catalogue["erp"], name="Existing")
    before = count_rows(SuccessMeasure)
    response = pm_client.post(
        "/products/finance-erp/measures/new", data={**VALID_MEASURE, **changes}
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    assert count_rows(SuccessMeasure) == before


def test_recording_a_reading_inline(pm_client, catalogue, make, users):
    measure = make.measure(catalogue["erp"], unit=Unit.DAYS)
    prefix = f"reading-{measure.id}-"
    today = date.today().isoformat()
    response = pm_client.hx_post(
        f"/products/finance-erp/measures/{measure.id}/readings",
        data={prefix + "taken_on": today, prefix + "value": "7.5", prefix + "note": "Q4"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="measure-{measure.id}"' in response.text and "7.5 days" in response.text
    reading = db.session.execute(
        sa.select(Reading).where(Reading.measure_id == measure.id)
    ).scalar_one()
    assert reading.value == 7.5 and reading.recorded_by_id == users["pm"].id

    again = pm_client.hx_post(
        f"/products/finance-erp/measures/{measure.id}/readings",
        data={prefix + "taken_on": today, prefix + "value": "7"},
    )
    assert again.status_code == 422 and "already a reading" in again.text
    future = (date.today() + timedelta(days=3)).isoformat()
    later = pm_client.hx_post(
        f"/products/finance-erp/measures/{measure.id}/readings",
        data={prefix + "taken_on": future, prefix + "value": "7"},
    )
    assert later.status_code == 422 and "in the future" in later.text
    assert count_rows(Reading, Reading.measure_id == measure.id) == 1


def test_reading_of_another_products_measure_is_404(pm_client, catalogue, make):
    measure = make.measure(catalogue["crm"])
    response = pm_client.post(f"/products/finance-erp/measures/{measure.id}/readings", data={})
    assert response.status_code == 404


def test_usage_is_added_and_removed_inline(pm_client, catalogue):
    erp, sales = catalogue["erp"], catalogue["sales"]
    response = pm_client.hx_post(
        "/products/finance-erp/usage",
        data={"department_id": str(sales.id), "level": "occasional", "users": "12"},
    )
    assert (
        response.status_code == 200
        and 'id="departments"' in response.text
        and "<html" not in response.text
    )
    usage = db.session.execute(
        sa.select(Usage).where(Usage.product_id == erp.id, Usage.department_id == sales.id)
    ).scalar_one()
    assert usage.users == 12

    legal = Department(name="Legal", headcount=4)
    db.session.add(legal)
    db.session.commit()
    negative = pm_client.hx_post(
        "/products/finance-erp/usage",
        data={"department_id": str(legal.id), "level": "primary", "users": "-3"},
    )
    assert negative.status_code == 422 and 'id="users-error"' in negative.text
    remove = pm_client.hx_post(f"/products/finance-erp/usage/{usage.id}/delete")
    assert remove.status_code == 200
    assert count_rows(Usage, Usage.product_id == erp.id) == 1


def test_contract_shows_seats_and_cost_per_active_user(pm_client, catalogue):
    crm = catalogue["crm"]
    crm.sourcing, crm.vendor = "bought", "Acme"
    db.session.commit()
    response = pm_client.post(
        "/products/sales-crm/contract",
        data={
            "vendor": "Acme",
            "annual_cost": "24000",
            "seats_bought": "150",
            "renewal_date": "2027-01-31",
        },
    )
    assert response.status_code == 302
    page = pm_client.get("/products/sales-crm").text
    assert "120 used of 150 bought" in page
    assert "EUR 200.00" in page  # 24,000 / 120 users


def test_retire_then_delete_only_when_nothing_is_attached(admin_client, pm_client, catalogue, make):
    retired = pm_client.post(
        "/products/sales-crm/retire",
        # It has departments: retiring asks to confirm what it affects (#18).
        data={"reason": "Replaced", "retired_on": date.today().isoformat(), "confirm_impact": "y"},
    )
    assert retired.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, catalogue["crm"].id).stage is Stage.RETIRED
    assert "Sales CRM" not in listed(pm_client.get("/products"))

    assert pm_client.post("/products/old-tool/delete").status_code == 403
    refused = admin_client.post("/products/sales-crm/delete")  # it still has usage
    assert refused.status_code == 302 and count_rows(Product, Product.slug == "sales-crm") == 1
    assert "cannot be deleted" in admin_client.get("/products/sales-crm/delete").text
    assert admin_client.post("/products/old-tool/delete").status_code == 302
    assert count_rows(Product, Product.slug == "old-tool") == 0


@pytest.mark.parametrize(
    "role, sees_controls",
    [("pm", True), ("admin", True), ("leader", False), ("stakeholder", False)],
)
def test_only_the_product_team_sees_edit_controls(client_as, catalogue, make, role, sees_controls):
    make.measure(catalogue["erp"])
    page = client_as(role).get("/products/finance-erp").text
    for control in ("Edit product", "Record a reading", "Add department"):
        assert (control in page) is sees_controls, (role, control)


def test_department_validation(pm_client, catalogue):
    before = count_rows(Department)
    duplicate = pm_client.post(
        "/departments/new", data={"name": "FINANCE", "head": "", "headcount": "3"}
    )
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    negative = pm_client.post(
        "/departments/new", data={"name": "Legal", "head": "", "headcount": "-1"}
    )
    assert negative.status_code == 422 and 'id="headcount-error"' in negative.text
    assert count_rows(Department) == before
