"""Total cost of ownership over HTTP: the run-cost form on a product page and
the showback page /architecture/costs with its CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from portfolio.architecture.showback import NO_CAPABILITY, UNALLOCATED
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Capability,
    Contract,
    Product,
    Sourcing,
    Verb,
    product_capability,
)
from tests.helpers import count_rows, parse_html

RATE = Decimal("100000")


@pytest.fixture
def app_settings() -> dict:
    return {"FTE_YEARLY_RATE": RATE}


@pytest.fixture
def built(make):
    product = make.product(slug="assistant", name="Close Assistant", sourcing=Sourcing.BUILT)
    make.usage(product, make.department(name="Finance"), users=30)
    make.usage(product, make.department(name="Sales"), users=10)
    return product


@pytest.fixture
def priced(make, built):
    """The built product at 2 FTE + 12,000 (212,000 a year); a bought one at
    48,000 used by nobody; a hybrid one serving two capabilities."""
    built.team_fte, built.infrastructure_cost = Decimal("2"), Decimal("12000")
    bought = make.product(slug="crm", name="Bought CRM", sourcing=Sourcing.BOUGHT)
    db.session.add(
        Contract(
            product=bought,
            vendor="Acme",
            annual_cost=Decimal("48000"),
            seats_bought=10,
            renewal_date=date(2030, 1, 1),
        )
    )
    hybrid = make.product(
        slug="bi", name="Insights BI", sourcing=Sourcing.HYBRID, team_fte=Decimal("0.25")
    )
    for name in ("Reporting", "Planning"):
        capability = Capability(name=name)
        db.session.add(capability)
        db.session.flush()
        db.session.execute(
            product_capability.insert().values(product_id=hybrid.id, capability_id=capability.id)
        )
    db.session.commit()
    return {"built": built, "bought": bought, "hybrid": hybrid}


# The run-cost form -------------------------------------------------------------------


def test_the_team_sees_the_run_cost_and_its_form(pm_client, built):
    page = parse_html(pm_client.get("/products/assistant").text)
    section = page.one("#run-cost")
    assert section.one("h2").text == "Run cost"
    assert "— (not recorded)" in section.one('[data-testid="team-fte"]').text
    assert "— (no cost recorded)" in section.one('[data-testid="total-cost"]').text
    form = section.one("form")
    assert form["action"] == "/products/assistant/run-cost"
    assert form["hx-post"] == "/products/assistant/run-cost"
    assert section.select('input[name="team_fte"]') and section.select('input[name="csrf_token"]')


def test_saving_the_run_cost_without_javascript(pm_client, built):
    answer = pm_client.post(
        "/products/assistant/run-cost", data={"team_fte": "2.5", "infrastructure_cost": "12000"}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/products/assistant#run-cost"
    db.session.refresh(built)
    assert (built.team_fte, built.infrastructure_cost) == (Decimal("2.50"), Decimal("12000.00"))
    section = parse_html(pm_client.get("/products/assistant").text).one("#run-cost")
    assert "2.50 full-time equivalents × EUR 100,000 a year" in section.text
    assert section.one('[data-testid="run-cost"]').text == "EUR 262,000.00 a year"
    assert section.one('[data-testid="total-cost"]').text == "EUR 262,000.00 a year"
    assert "EUR 6,550.00 a year (40 users)" in section.one('[data-testid="total-per-user"]').text
    assert count_rows(Activity, Activity.verb == Verb.RUN_COST_SAVED) == 1


def test_saving_the_run_cost_with_htmx_answers_the_section(pm_client, built):
    answer = pm_client.hx_post(
        "/products/assistant/run-cost", data={"team_fte": "1", "infrastructure_cost": ""}
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text
    section = parse_html(answer.text).one("#run-cost")
    assert section.one('[data-testid="total-cost"]').text == "EUR 100,000.00 a year"
    assert section.one('input[name="team_fte"]')["value"] == "1.00"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("team_fte", "-1", "Enter a team of 0 to 1,000 full-time equivalents."),
        ("team_fte", "1000.01", "Enter a team of 0 to 1,000 full-time equivalents."),
        ("team_fte", "nan", "Enter an ordinary number."),
        ("team_fte", "sNaN", "Enter an ordinary number."),
        ("team_fte", "inf", "Enter an ordinary number."),
        ("team_fte", "1e400", "Enter a team of 0 to 1,000 full-time equivalents."),
        ("team_fte", "two", "Not a valid decimal value."),
        ("infrastructure_cost", "-0.01", "Enter an amount of 0 to 100,000,000,000."),
        ("infrastructure_cost", "1e12", "Enter an amount of 0 to 100,000,000,000."),
        ("infrastructure_cost", "-Infinity", "Enter an ordinary number."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_numbers_come_back_next_to_their_field(pm_client, built, field, value, error, htmx):
    data = {"team_fte": "1", "infrastructure_cost": "10", field: value}
    post = pm_client.hx_post if htmx else pm_client.post
    answer = post("/products/assistant/run-cost", data=data)
    assert answer.status_code == 422
    assert ("<html" in answer.text) is not htmx
    section = parse_html(answer.text).one("#run-cost")
    assert section.one(f"#{field}-error").text == error
    assert section.one(f'input[name="{field}"]')["aria-invalid"] == "true"
    db.session.refresh(built)
    assert built.team_fte is None and built.infrastructure_cost is None
    assert count_rows(Activity, Activity.verb == Verb.RUN_COST_SAVED) == 0


def test_the_run_cost_needs_a_csrf_token(pm_client, built):
    answer = pm_client.post("/products/assistant/run-cost", data={"team_fte": "1"}, csrf=False)
    assert answer.status_code == 400
    db.session.refresh(built)
    assert built.team_fte is None


def test_an_unknown_product_is_404_and_a_bought_one_409(pm_client, priced):
    assert pm_client.post("/products/nothing/run-cost", data={"team_fte": "1"}).status_code == 404
    answer = pm_client.post("/products/crm/run-cost", data={"team_fte": "1"})
    assert answer.status_code == 409
    db.session.refresh(priced["bought"])
    assert priced["bought"].team_fte is None


@pytest.mark.parametrize("role", ["leader", "stakeholder"])
def test_only_the_product_team_saves_a_run_cost(client_as, built, role):
    answer = client_as(role).post("/products/assistant/run-cost", data={"team_fte": "1"})
    assert answer.status_code == 403
    db.session.refresh(built)
    assert built.team_fte is None


def test_a_leader_sees_the_figures_without_the_form(leader_client, priced):
    section = parse_html(leader_client.get("/products/assistant").text).one("#run-cost")
    assert section.one('[data-testid="total-cost"]').text == "EUR 212,000.00 a year"
    assert not section.select("form")


def test_a_bought_product_shows_its_cost_of_ownership_without_a_form(pm_client, priced):
    section = parse_html(pm_client.get("/products/crm").text).one("#run-cost")
    assert section.one("h2").text == "Cost of ownership"
    assert section.one('[data-testid="total-cost"]').text == "EUR 48,000.00 a year"
    assert section.one('[data-testid="total-per-user"]').text == "— (no users recorded)"
    assert not section.select("form") and not section.select('[data-testid="team-fte"]')


def test_cost_per_hour_saved_on_the_product_page(pm_client, priced, make):
    make.measure(
        priced["built"],
        name="Hours of manual close work per month",
        baseline=120.0,
        target=20.0,
        readings=[(date(2025, 6, 1), 50.0)],
    )
    text = parse_html(pm_client.get("/products/assistant").text).one(
        '[data-testid="per-hour-saved"]'
    )
    assert text.text == "EUR 252.38 (840 hours saved a year)"  # 212,000 ÷ (70 × 12)


# The showback page ------------------------------------------------------------------


def rows_of(table) -> list[list[str]]:
    """Each body row's heading cell, then its data cells."""
    return [
        [cell.text for cell in row.select("th") + row.select("td")]
        for row in table.select("tbody tr")
    ]


def test_the_showback_lists_products_departments_and_capabilities(leader_client, priced):
    page = parse_html(leader_client.get("/architecture/costs").text)
    products = page.one('[data-testid="cost-products"]')
    assert rows_of(products) == [
        ["Close Assistant Built in-house", "—", "212,000.00", "212,000.00", "5,300.00", "—"],
        ["Bought CRM Bought", "48,000.00", "—", "48,000.00", "—", "—"],
        ["Insights BI Hybrid", "—", "25,000.00", "25,000.00", "—", "—"],
    ]
    total = page.one('[data-testid="products-total"]').text
    assert "48,000.00" in total and "237,000.00" in total and "285,000.00" in total
    departments = rows_of(page.one('[data-testid="cost-departments"]'))
    assert departments == [
        ["Finance", "1", "159,000.00"],
        ["Sales", "1", "53,000.00"],
        [UNALLOCATED, "2", "73,000.00"],
    ]
    assert "285,000.00" in page.one('[data-testid="departments-total"]').text
    capabilities = rows_of(page.one('[data-testid="cost-capabilities"]'))
    assert capabilities == [
        ["Planning", "1", "12,500.00"],
        ["Reporting", "1", "12,500.00"],
        [NO_CAPABILITY, "2", "260,000.00"],
    ]
    links = [a["href"] for a in page.select(".csv-link a")]
    assert links == [
        f"/architecture/costs/{table}.{format}"
        for table in ("products", "departments", "capabilities")
        for format in ("csv", "xlsx")
    ]


def test_the_showback_sorts_by_a_column(leader_client, priced):
    page = parse_html(leader_client.get("/architecture/costs?sort=total&dir=asc").text)
    names = [row.one("th a").text for row in page.select('[data-testid="cost-products"] tbody tr')]
    assert names == ["Insights BI", "Bought CRM", "Close Assistant"]
    heading = page.one('th[aria-sort="ascending"] a')
    assert heading.text == "Total a year" and "dir=desc" in heading["href"]


def test_the_showback_pages_its_products(leader_client, make):
    for n in range(55):
        make.product(name=f"P{n:02}", team_fte=Decimal(n))
    first = parse_html(leader_client.get("/architecture/costs").text)
    assert len(first.select('[data-testid="cost-products"] tbody tr')) == 50
    second = parse_html(leader_client.get("/architecture/costs?page=2").text)
    names = [
        row.one("th a").text for row in second.select('[data-testid="cost-products"] tbody tr')
    ]
    assert names == ["P04", "P03", "P02", "P01", "P00"]  # highest total first
    assert "Page 2 of 2" in second.one("nav.pagination").text


def test_the_showback_of_an_empty_portfolio(leader_client):
    page = parse_html(leader_client.get("/architecture/costs").text)
    assert page.one("#products .empty").text == "No products yet."
    assert page.one("#departments .empty").text == "No cost recorded yet."


def test_the_showback_costs_the_same_queries_with_few_and_many_products(
    leader_client, make, count_queries
):
    def queries_for_page() -> int:
        with count_queries() as queries:
            assert leader_client.get("/architecture/costs").status_code == 200
        return len(queries)

    department = make.department()
    for n in range(3):
        product = make.product(team_fte=Decimal(1))
        make.usage(product, department, users=n + 1)
    few = queries_for_page()
    departments = [make.department() for _ in range(10)]
    for n in range(60):
        product = make.product(team_fte=Decimal(n), infrastructure_cost=Decimal(100))
        make.usage(product, departments[n % 10], users=n + 1)
        make.measure(product, readings=[(date(2025, 5, 1), 50.0)])
    many = queries_for_page()
    assert many == few
    # And once per revision: a second look costs fewer.
    assert queries_for_page() < many


# The downloads ----------------------------------------------------------------------


def test_the_csv_downloads_hold_real_numbers_and_a_total(leader_client, priced):
    answer = leader_client.get("/architecture/costs/products.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["product"] for row in rows] == [
        "Bought CRM",
        "Close Assistant",
        "Insights BI",
        "Total",
    ]
    assert rows[1]["total_a_year"] == "212000.00"
    assert rows[1]["cost_per_active_user"] == "5300.00"
    assert rows[1]["team_fte"] == "2.00"
    assert rows[-1]["total_a_year"] == "285000.00"
    departments = list(
        csv.reader(io.StringIO(leader_client.get("/architecture/costs/departments.csv").text))
    )
    assert departments[0] == ["department", "products", "cost_a_year"]
    shares = [Decimal(row[2]) for row in departments[1:-1]]
    assert sum(shares) == Decimal(departments[-1][2]) == Decimal("285000.00")


def test_the_xlsx_downloads_open_with_numbers(leader_client, priced):
    for table in ("products", "departments", "capabilities"):
        answer = leader_client.get(f"/architecture/costs/{table}.xlsx")
        assert answer.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(answer.data))
        sheet = book[table]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        total_column = rows[0].index("total_a_year" if table == "products" else "cost_a_year")
        values = [row[total_column] for row in rows[1:-1] if row[total_column] is not None]
        assert all(isinstance(value, int | float) for value in values)
        assert rows[-1][0] == "Total" and rows[-1][total_column] == 285000
        assert sum(values) == pytest.approx(285000)


def test_an_unknown_table_is_404(leader_client):
    assert leader_client.get("/architecture/costs/secrets.csv").status_code == 404


def test_the_run_cost_trail_names_no_amount(pm_client, built, client_as):
    pm_client.post(
        "/products/assistant/run-cost", data={"team_fte": "2", "infrastructure_cost": "31337"}
    )
    page = client_as("stakeholder").get("/products/assistant").text
    assert "updated the run cost of" in page
    assert "31337" not in page and "31,337" not in page
    assert db.session.scalar(sa.select(Product.infrastructure_cost)) == Decimal("31337.00")
