"""The dashboard's CSV downloads: numbers stay numbers (a negative one is not
turned into text), amounts keep their cents, every text cell is made safe."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from portfolio.extensions import db
from portfolio.models import Column, Contract, Sourcing


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.text)))


def test_a_negative_change_stays_a_number(leader_client, make):
    product = make.product()
    measure = make.measure(
        product,
        baseline=100,
        baseline_date=date(2025, 1, 1),
        readings=[(date(2025, 3, 1), 90), (date(2025, 6, 1), 70)],
    )
    make.item(
        product,
        column=Column.SHIPPED,
        title="Faster close",
        shipped_on=date(2025, 4, 1),
        measure=measure,
        expected_change=-10,
    )
    header, row = rows_of(leader_client.get("/dashboard/benefits.csv"))
    cells = dict(zip(header, row, strict=True))
    # Issue #14: the value at ship is interpolated between 1 Mar and 1 Jun
    # (90 - 20 × 31/92), and the change is measured from it.
    assert (cells["promised_change"], cells["value_at_ship"], cells["latest_since"]) == (
        "-10.0",
        "83.2609",
        "70.0",
    )
    assert cells["before_method"] == "interpolated"
    assert cells["measured_change"] == "-13.2609"


def test_amounts_keep_their_cents(leader_client, make):
    product = make.product(sourcing=Sourcing.BOUGHT, vendor="Acme")
    make.item(
        product,
        column=Column.SHIPPED,
        title="Shipped today",
        shipped_on=date.today(),
        hours_saved_per_month=2.5,
        cost_saved_per_year=Decimal("1000.5"),
    )
    product.contract = Contract(
        vendor="Acme",
        annual_cost=Decimal("1200"),
        seats_bought=10,
        renewal_date=date.today() + timedelta(days=10),
    )
    db.session.commit()

    value = rows_of(leader_client.get("/dashboard/value.csv"))
    assert ["Shipped this quarter", product.name, "Shipped today"] == value[1][:3]
    assert value[1][4:] == ["2.5", "1000.50"]
    assert value[2][2:] == ["TOTAL", "", "2.5", "1000.50"]
    renewals = rows_of(leader_client.get("/dashboard/renewals.csv"))
    assert renewals[1][3] == "1200.00"


def test_text_cells_and_headers_cannot_start_a_formula(leader_client, make):
    product = make.product(name="=HYPERLINK(1)")
    make.usage(product, department=make.department(name="+Sales"), users=3)
    header, sales, total = rows_of(leader_client.get("/dashboard/usage.csv"))
    # #14: the department's headcount and products used replace the sum of users.
    assert header == ["department", "'=HYPERLINK(1)", "headcount", "products_used"]
    assert sales == ["'+Sales", "3", "10", "1"]
    assert total == ["people using the product", "3", "", ""]
