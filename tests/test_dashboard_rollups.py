"""Dashboard arithmetic against hand-built fixtures, and the page itself."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.dashboard import benefits, measured, measured_cards, rollups
from portfolio.dashboard.tables import TABLES
from portfolio.extensions import db
from portfolio.models import (
    Column,
    Contract,
    Direction,
    Product,
    Request,
    RequestStatus,
    Sourcing,
    Stage,
    Stakeholder,
    StakeholderRole,
    Unit,
    Usage,
    Vote,
)

TODAY = date(2026, 11, 24)  # Q4 2026 began on 1 October


def shipped(make, product, on, hours, cost, **fields):
    return make.item(
        product,
        column=Column.SHIPPED,
        shipped_on=on,
        hours_saved_per_month=hours,
        cost_saved_per_year=Decimal(cost),
        **fields,
    )


def test_value_delivered(app, make):
    product = make.product()
    shipped(make, product, date(2026, 10, 5), 10, "1000.50")  # this quarter
    shipped(make, product, date(2026, 11, 20), 5, "250")  # this quarter
    shipped(make, product, date(2026, 3, 1), 40, "4000")  # this year
    shipped(make, product, date(2025, 12, 31), 99, "9999")  # last year: nowhere
    make.item(
        product, column=Column.NOW, hours_saved_per_month=7, cost_saved_per_year=Decimal("700")
    )
    make.item(
        product, column=Column.NEXT, hours_saved_per_month=70, cost_saved_per_year=Decimal("7000")
    )
    quarter, year, now = benefits.expected_value(db.session, TODAY)
    assert (quarter.hours_per_month, quarter.cost_per_year, len(quarter.items)) == (
        15,
        Decimal("1250.50"),
        2,
    )
    assert (year.hours_per_month, year.cost_per_year, len(year.items)) == (
        55,
        Decimal("5250.50"),
        3,
    )
    assert (now.hours_per_month, now.cost_per_year, len(now.items)) == (7, Decimal("700"), 1)


def test_benefits_check(app, make):
    # Issue #14 changed this check: "before" is the value AT the ship date
    # (interpolated), "after" waits for the card's observation window (60 days).
    product = make.product()
    measure = make.measure(
        product,
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        baseline=100,
        target=50,
        baseline_date=date(2026, 1, 1),
        target_date=date(2027, 1, 1),
        readings=[(date(2026, 3, 31), 90), (date(2026, 6, 30), 80), (date(2026, 9, 30), 70)],
    )
    cases = {
        "as promised": (date(2026, 3, 31), -20),  # reading on the day: 90 → 70
        "before any reading": (date(2026, 2, 1), -40),  # 100 - 10 × 31/89 → 70
        "no reading since": (date(2026, 10, 10), -10),  # due 9 Dec, after TODAY
        "overdue": (date(2026, 8, 15), -10),  # due 14 Oct, none since
        "little change": (date(2026, 7, 1), -40),  # 80 - 10 × 1/92 → 70: -9.89 of -40
        "wrong way": (date(2026, 4, 1), 20),  # 90 - 10 × 1/91 → 70: the wrong way
    }
    for title, (on, change) in cases.items():
        shipped(make, product, on, 0, "0", title=title, measure=measure, expected_change=change)
    checks = {
        check.item.title: check.outcome
        for check in measured_cards.measured_checks(db.session, TODAY)
    }
    promised = checks["as promised"]
    assert (promised.before.value, promised.after.value, promised.change) == (90, 70, -20)
    assert promised.share == 1 and promised.verdict is measured.Verdict.DELIVERED
    early = checks["before any reading"]
    assert early.before.value == pytest.approx(100 - 10 * 31 / 89)
    assert early.verdict is measured.Verdict.PARTLY
    assert checks["no reading since"].change is None
    assert checks["no reading since"].text == "too early — first reading due 09 Dec 2026"
    assert checks["overdue"].text == "reading overdue since 14 Oct 2026"
    assert checks["little change"].share == pytest.approx((70 - (80 - 10 / 92)) / -40)
    assert checks["little change"].verdict is measured.Verdict.LITTLE
    assert checks["wrong way"].verdict is measured.Verdict.REVERSED


def test_renewals_due(app, make):
    def bought(name, days, stage=Stage.LIVE, sourcing=Sourcing.BOUGHT):
        product = make.product(name=name, sourcing=sourcing, vendor="Acme", stage=stage)
        product.contract = Contract(
            vendor="Acme",
            annual_cost=Decimal("1200"),
            seats_bought=50,
            renewal_date=TODAY + timedelta(days=days),
        )
        db.session.commit()
        return product

    soon = bought("Soon", 10)
    make.usage(soon, users=30)
    make.usage(soon, users=5)
    bought("Edge", 90, sourcing=Sourcing.HYBRID)
    bought("Later", 91)
    bought("Past", -1)
    bought("Retired", 5, stage=Stage.RETIRED)
    bought("Built", 5, sourcing=Sourcing.BUILT)
    renewals = benefits.renewals_due(db.session, TODAY)
    assert [r.product.name for r in renewals] == ["Soon", "Edge"]
    assert (renewals[0].seats_used, renewals[0].unused_seats) == (35, 15)


def test_usage_matrix_and_glance(app, make):
    finance, sales = make.department(name="Finance"), make.department(name="Sales")
    erp = make.product(name="ERP", sourcing=Sourcing.BOUGHT, vendor="X")
    crm = make.product(name="CRM")
    make.product(name="Old", stage=Stage.RETIRED)
    make.usage(erp, finance, users=40)
    make.usage(erp, sales, users=10)
    make.usage(crm, sales, users=120)
    matrix = rollups.usage_matrix(db.session)
    assert [p.name for p in matrix.products] == ["CRM", "ERP"]
    assert matrix.users(finance.id, erp.id) == 40 and matrix.users(finance.id, crm.id) == 0
    assert matrix.row_totals == {finance.id: 40, sales.id: 130}
    assert matrix.column_totals == {erp.id: 50, crm.id: 120} and matrix.grand_total == 170
    assert (matrix.shade(0), matrix.shade(120), matrix.shade(10)) == (0, 5, 1)
    glance = rollups.portfolio_at_a_glance(db.session)
    assert dict(glance["stages"])[Stage.LIVE] == 2 and dict(glance["stages"])[Stage.RETIRED] == 1
    assert dict(glance["sourcing"]) == {Sourcing.BUILT: 2, Sourcing.BOUGHT: 1, Sourcing.HYBRID: 0}


def test_demand_counts_open_requests_and_their_votes(app, make):
    finance = make.department(name="Finance")
    erp = make.product(name="ERP")
    voters = [make.user() for _ in range(3)]
    open_one = make.request(erp, department=finance)
    open_two = make.request(erp)  # no department
    closed = make.request(erp, department=finance, status=RequestStatus.SHIPPED)
    for voter in voters:
        make.vote(open_one, voter)
        make.vote(closed, voter)
    make.vote(open_two, voters[0])
    by_department = {
        row.name: (row.open_requests, row.votes) for row in rollups.demand_by_department(db.session)
    }
    assert by_department == {"Finance": (1, 3), "No department": (1, 1)}
    by_product = {
        row.name: (row.open_requests, row.votes) for row in rollups.demand_by_product(db.session)
    }
    assert by_product == {"ERP": (2, 4)}
    assert [(r.id, votes) for r, votes in rollups.top_open_requests(db.session)] == [
        (open_one.id, 3),
        (open_two.id, 1),
    ]


def test_dashboard_page_and_csv(leader_client, stakeholder_client, make):
    product = make.product(name="Sponsorless")
    make.measure(product, readings=[(date(2025, 6, 1), 90)])
    page = leader_client.get("/dashboard")
    assert page.status_code == 200
    for marker in (
        'data-testid="usage-matrix"',
        '<svg class="sparkline"',
        'id="benefits"',
        'id="renewals"',
        'data-testid="demand-departments"',
        'data-testid="unsponsored"',
    ):
        assert marker in page.text, marker
    db.session.add(
        Stakeholder(product=product, name="CFO", role=StakeholderRole.SPONSOR, power=5, interest=5)
    )
    db.session.commit()
    assert 'data-testid="unsponsored"' not in leader_client.get("/dashboard").text
    assert stakeholder_client.get("/dashboard").status_code == 403
    for name in TABLES:
        response = leader_client.get(f"/dashboard/{name}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
    assert leader_client.get("/dashboard/nothing.csv").status_code == 404


def test_dashboard_query_count_is_constant(leader_client, make, count_queries):
    def populate(products: int, requests: int) -> None:
        departments = [make.department() for _ in range(4)]
        voters = [make.user() for _ in range(5)]
        rows = []
        for i in range(products):
            product = (
                make.product()
                if i < 3
                else Product(
                    slug=f"p-{products}-{i}",
                    name=f"P {i}",
                    category="crm",
                    summary="s",
                    stage="live",
                    sourcing="built",
                )
            )
            product.usages.append(Usage(department=departments[i % 4], users=i + 1))
            rows.append(product)
        db.session.add_all(rows)
        db.session.commit()
        for i in range(3):
            make.measure(rows[i], readings=[(date(2025, 6, 1), 90)])
        db.session.add_all(
            [
                Request(
                    product=rows[i % products],
                    title=f"R{i}",
                    description="d",
                    department=departments[i % 4],
                    votes=[Vote(user=voters[i % 5])],
                    vote_count=1,
                )
                for i in range(requests)
            ]
        )
        db.session.commit()

    def queries() -> int:
        with count_queries() as statements:
            assert leader_client.get("/dashboard").status_code == 200
        return len(statements)

    populate(10, 20)
    few = queries()
    populate(100, 2000)
    assert queries() == few


@pytest.mark.parametrize("role, status", [("pm", 200), ("stakeholder", 403)])
def test_stakeholder_map_routes(client_as, make, role, status):
    make.product(slug="mapped")
    response = client_as(role).hx_post(
        "/products/mapped/stakeholders",
        data={"name": "CFO", "department_id": "", "role": "sponsor", "power": "5", "interest": "4"},
    )
    assert response.status_code == status
    if status == 200:
        assert (
            response.text.lstrip().startswith('<section id="stakeholders"')
            and "CFO" in response.text
        )
        bad = client_as(role).post(
            "/products/mapped/stakeholders",
            data={
                "name": "",
                "department_id": "",
                "role": "sponsor",
                "power": "6",
                "interest": "4",
            },
        )
        assert bad.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(Stakeholder)).scalar_one() == (
        1 if status == 200 else 0
    )
