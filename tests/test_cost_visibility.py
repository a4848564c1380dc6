"""Contract costs and cost per user are for PMs, leaders and admins only (the
`view_costs` capability), on every surface that shows them (issue #14)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from portfolio.architecture.costs import save_run_cost
from portfolio.catalogue.contracts import save_contract
from portfolio.extensions import db
from portfolio.models import CAPABILITIES, Contract, Role, Sourcing, role_can
from tests.helpers import parse_html

# role → sees costs. One row per role: the role matrix of costs.
COST_MATRIX = [("admin", True), ("pm", True), ("leader", True), ("stakeholder", False)]
ROLES_WITH_COSTS = {role for role, sees in COST_MATRIX if sees}
AMOUNT = "123,456"  # the annual cost as pages write it
PER_USER = "2,469.12"  # 123,456 / 50 users


def issue_token(client) -> str:
    page = client.post("/account/tokens", data={"name": "BI"})
    assert page.status_code == 201
    return parse_html(page.text).one('[data-testid="new-token"]').text


@pytest.fixture
def contracted(make):
    product = make.product(
        slug="crm", name="Bought CRM", sourcing=Sourcing.BOUGHT, vendor="Acme Corp"
    )
    make.usage(product, users=50)
    db.session.add(
        Contract(
            product=product,
            vendor="Acme Corp",
            annual_cost=Decimal("123456.00"),
            seats_bought=80,
            renewal_date=date.today() + timedelta(days=30),
        )
    )
    db.session.commit()
    return product


def test_the_capability_follows_the_spec():
    assert {role.value for role in Role if role_can(role, "view_costs")} == ROLES_WITH_COSTS


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_product_page_shows_costs_only_to_those_who_may_see_them(
    client_as, contracted, role, sees
):
    section = parse_html(client_as(role).get("/products/crm").text).one("#contract")
    text = section.text
    # What every stakeholder may know about the contract.
    assert "Acme Corp" in text and "50 used of 80 bought" in text
    assert f"{date.today() + timedelta(days=30):%d %b %Y}" in text
    assert ("Annual cost" in text) is sees
    assert (AMOUNT in text) is sees
    assert ("Cost per active user" in text) is sees
    assert (PER_USER in text) is sees
    assert bool(section.select('[data-testid="cost-per-user"]')) is sees


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_product_list_csv_has_no_cost_for_anyone(client_as, contracted, role, sees):
    """The catalogue's download lists products, not contracts: no cost column
    for any role (the full export with `contract_annual_cost` is the
    operator's `flask export-csv`, outside any role)."""
    response = client_as(role).get("/products.csv?stage=all")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert not [column for column in rows[0] if "cost" in column]
    assert rows[1][0] == "Bought CRM"
    assert not [cell for row in rows for cell in row if cell.startswith("123456")]


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_api_gives_the_cost_only_to_a_token_whose_owner_may_see_it(
    client_as, contracted, role, sees
):
    client = client_as(role)
    token = issue_token(client)
    answer = client.get("/api/products/crm", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    contract = answer.get_json()["contract"]
    assert contract["vendor"] == "Acme Corp" and contract["seats_bought"] == 80
    assert contract["seats_used"] == 50
    assert contract["annual_cost"] == (123456.0 if sees else None)
    listed = client.get("/api/products", headers={"Authorization": f"Bearer {token}"})
    assert "123456" not in listed.get_data(as_text=True)  # the list has no contracts


def test_the_openapi_document_says_when_the_cost_is_null(client):
    document = client.get("/api/openapi.json").get_json()
    product = document["components"]["schemas"]["ProductDetail"]
    contract = next(
        option for option in product["properties"]["contract"]["oneOf"] if "properties" in option
    )
    cost = contract["properties"]["annual_cost"]
    assert cost["type"] == ["number", "null"]
    assert "null unless" in cost["description"]


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_dashboard_renewals_show_costs_to_those_who_may_see_them(
    client_as, contracted, role, sees
):
    response = client_as(role).get("/dashboard")
    if not role_can(Role(role), "view_dashboard"):
        assert response.status_code == 403
        return
    renewals = parse_html(response.text).one("#renewals").text
    assert "Bought CRM" in renewals
    assert ("Annual cost" in renewals) is sees and (AMOUNT in renewals) is sees


def test_the_dashboard_cost_column_follows_the_capability(client_as, contracted, monkeypatch):
    """Guarded on `view_costs` itself, not on who may see the dashboard: a
    dashboard role without it sees the renewals without their cost."""
    monkeypatch.setitem(CAPABILITIES, "view_costs", frozenset({Role.ADMIN, Role.PM}))
    renewals = parse_html(client_as("leader").get("/dashboard").text).one("#renewals")
    assert "Bought CRM" in renewals.text and AMOUNT not in renewals.text
    headings = [cell.text for cell in renewals.select("th")]
    assert headings == ["Product", "Renews", "Seats used / bought"]
    cells = renewals.select("tbody tr")[0].select("td")
    assert len(cells) == len(headings)


def test_the_surfaces_only_for_dashboard_roles_stay_within_view_costs():
    """The dashboard's renewals CSV and the leaders' digest list contract
    costs without a check of their own: everyone who reaches them may see costs."""
    for role in Role:
        if role_can(role, "view_dashboard") or role is Role.LEADER:
            assert role_can(role, "view_costs"), role


def test_department_pages_show_no_cost(client_as, contracted):
    department_id = contracted.usages[0].department_id
    for role, _ in COST_MATRIX:
        page = client_as(role).get(f"/departments/{department_id}").text
        assert AMOUNT not in page and PER_USER not in page


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_catalogue_export_with_its_costs_is_for_those_who_may_see_them(
    client_as, contracted, role, sees
):
    """/export/catalogue.xlsx and .zip hold every contract's annual cost."""
    client = client_as(role)
    for path in ("/export/catalogue.xlsx", "/export/catalogue.zip"):
        response = client.get(path)
        assert response.status_code == (200 if sees else 403), (role, path)
    if sees:
        with zipfile.ZipFile(io.BytesIO(client.get("/export/catalogue.zip").data)) as archive:
            products = list(csv.DictReader(io.StringIO(archive.read("products.csv").decode())))
        assert products[0]["contract_annual_cost"] == "123456.00"
        book = openpyxl.load_workbook(io.BytesIO(client.get("/export/catalogue.xlsx").data))
        header = [cell.value for cell in book["products"][1]]
        row = [cell.value for cell in book["products"][2]]
        assert row[header.index("contract_annual_cost")] == 123456


# Total cost of ownership (#18): the run cost and the showback ------------------------

RUN_AMOUNT = "262,000.00"  # 2.5 FTE × 100,000 + 12,000
RUN_PER_USER = "8,733.33"  # ÷ 30 users


@pytest.fixture
def run_costed(make):
    product = make.product(
        slug="assistant",
        name="Close Assistant",
        sourcing=Sourcing.BUILT,
        team_fte=Decimal("2.5"),
        infrastructure_cost=Decimal("12000"),
    )
    make.usage(product, users=30)
    make.measure(
        product, name="Hours of manual work per month", readings=[(date(2025, 6, 1), 60.0)]
    )
    return product


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_run_cost_and_total_show_only_to_those_who_may_see_costs(
    client_as, run_costed, contracted, role, sees
):
    client = client_as(role)
    for slug in ("assistant", "crm"):
        page = parse_html(client.get(f"/products/{slug}").text)
        assert bool(page.select("#run-cost")) is sees, (role, slug)
        for testid in ("total-cost", "total-per-user", "per-hour-saved"):
            assert bool(page.select(f'[data-testid="{testid}"]')) is sees
    text = client.get("/products/assistant").text
    assert (RUN_AMOUNT in text) is sees and (RUN_PER_USER in text) is sees
    assert ("12,000" in text) is sees  # the infrastructure a year
    bought = parse_html(client.get("/products/crm").text)
    if sees:
        assert f"{AMOUNT}.00 a year" in bought.one('[data-testid="total-cost"]').text


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_the_showback_and_its_downloads_are_for_those_who_may_see_costs(
    client_as, run_costed, contracted, role, sees
):
    client = client_as(role)
    paths = ["/architecture/costs"] + [
        f"/architecture/costs/{table}.{format}"
        for table in ("products", "departments", "capabilities")
        for format in ("csv", "xlsx")
    ]
    for path in paths:
        assert client.get(path).status_code == (200 if sees else 403), (role, path)
    if sees:
        page = client.get("/architecture/costs").text
        assert RUN_AMOUNT in page and f"{AMOUNT}.00" in page


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_no_run_cost_leaves_through_the_api_or_the_trail(client_as, users, run_costed, role, sees):
    save_run_cost(db.session, users["pm"], run_costed, Decimal("3"), Decimal("31337"))
    db.session.commit()
    client = client_as(role)
    token = issue_token(client)
    detail = client.get("/api/products/assistant", headers={"Authorization": f"Bearer {token}"})
    assert "31337" not in detail.get_data(as_text=True)
    assert "infrastructure" not in detail.get_data(as_text=True)
    trail = client.get("/activity").text
    assert "updated the run cost of" in trail and "team FTE: 3" in trail
    on_the_page = parse_html(client.get("/products/assistant").text).one("#activity").text
    for text in (trail, on_the_page):
        assert "31337" not in text and "31,337" not in text


@pytest.mark.parametrize("role, sees", COST_MATRIX)
def test_no_contract_amount_leaves_through_the_trail(client_as, users, contracted, role, sees):
    """Every role reads the trail (and the API's /activity): a contract's
    change says the amount changed, never what it is."""
    save_contract(
        db.session,
        users["pm"],
        contracted,
        vendor="Acme Corp",
        annual_cost=Decimal("98765.00"),
        seats_bought=90,
        renewal_date=contracted.contract.renewal_date,
    )
    db.session.commit()
    client = client_as(role)
    token = issue_token(client)
    trail = client.get("/activity").text
    assert "updated the contract of" in trail and "a new amount (not shown)" in trail
    on_the_page = parse_html(client.get("/products/crm").text).one("#activity").text
    api = client.get("/api/activity", headers={"Authorization": f"Bearer {token}"}).text
    for text in (trail, on_the_page, api):
        for amount in ("98765", "98,765", "123456", "123,456"):
            assert amount not in text, (amount, text[:200])
    assert "90" in trail  # the seats, which are not money, still show
