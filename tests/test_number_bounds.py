"""Every number a user types is bounded and finite (#12, item 3)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portfolio.extensions import db
from portfolio.forms import MAX_MAGNITUDE, money_field, number_field
from portfolio.models import Column, Reading
from tests.helpers import parse_html


class Probe(FlaskForm):
    class Meta:
        csrf = False

    plain = number_field("Plain")
    divisor = number_field("Divisor", divisor=True)


class MoneyProbe(FlaskForm):
    class Meta:
        csrf = False

    amount = money_field("Amount")


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12.50", None),
        ("sNaN", "Enter an ordinary number."),  # Decimal reads it; no comparison survives it
        ("-sNaN", "Enter an ordinary number."),
        ("NaN", "Enter an ordinary number."),
        ("Infinity", "Enter an ordinary number."),
        ("-1", "Enter an amount of 0 or more."),
        ("1e400", "Enter an amount of 0 or more."),
    ],
)
def test_an_amount_is_finite_and_in_range_with_one_message(app, typed, error):
    with app.test_request_context():
        form = MoneyProbe(formdata=MultiDict({"amount": typed}))
        assert form.validate() is (error is None)
        assert form.amount.errors == ([error] if error else [])


@pytest.mark.parametrize(
    ("plain", "divisor", "errors"),
    [
        ("12.5", "2", set()),
        ("-1e12", "-0.000001", set()),
        ("1.0000001e12", "1", {"plain"}),
        ("-1e13", "1", {"plain"}),
        ("nan", "1", {"plain"}),
        ("inf", "1", {"plain"}),
        ("1", "1e-306", {"divisor"}),
        ("1", "0", {"divisor"}),
        ("1", "1e300", {"divisor"}),
    ],
)
def test_numbers_stay_within_what_a_unit_can_mean(app, plain, divisor, errors):
    with app.test_request_context(method="POST"):
        form = Probe(formdata=MultiDict({"plain": plain, "divisor": divisor}))
        form.validate()
        assert set(form.errors) == errors
    assert MAX_MAGNITUDE == 1e12


def test_a_tiny_promise_already_stored_does_not_break_the_dashboard(make, client_as):
    """A promise of 1e-306 (stored before the bound) used to be int(inf) in the page."""
    product = make.product()
    measure = make.measure(product, readings=[(date(2025, 1, 1), 100.0)])
    item = make.item(
        product,
        column=Column.SHIPPED,
        measure_id=measure.id,
        expected_change=1e-306,
        shipped_on=date(2025, 6, 1),
        release_note="Shipped",
    )
    measure.readings.append(Reading(taken_on=date(2025, 9, 1), value=40.0))
    db.session.commit()

    for role in ("leader", "pm"):
        response = client_as(role).get("/dashboard")
        assert response.status_code == 200, role
        # Delivered −60 against a promise of 1e-306: clamped to −10,000 %.
        assert "(-10,000 %)" in response.text or "(−10,000 %)" in response.text
    assert item.id is not None


@pytest.mark.parametrize("extreme", [1.7e308, -1.7e308, 1e-300])
def test_extreme_stored_values_draw_charts_without_nan(make, client_as, extreme):
    product = make.product()
    make.measure(
        product,
        baseline=0.0,
        target=extreme,
        readings=[(date(2025, 3, 1), extreme), (date(2025, 6, 1), -extreme)],
    )
    for url in (f"/products/{product.slug}", "/dashboard"):
        page = client_as("pm").get(url)
        assert page.status_code == 200, url
        svg = " ".join(element.html for element in parse_html(page.text).select("svg"))
        coordinates = re.findall(r'\b(?:x|y|cx|cy|x1|x2|y1|y2|d|r)="([^"]*)"', svg)
        assert coordinates, url
        assert not [c for c in coordinates if re.search(r"nan|inf", c, re.I)], url
