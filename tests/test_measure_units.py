"""Units of success measures (issue #14): minutes, counts and an "other" unit
named by a label, shown wherever a value is; and the rule that asks to
confirm a value far outside a measure's range."""

from __future__ import annotations

import csv
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portfolio.api.openapi import SCHEMAS
from portfolio.api.serializers import measure_json
from portfolio.catalogue.charts import chart_for
from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.catalogue.measures import (
    format_measure_value,
    format_value,
    is_far_outside,
    outlier_warning,
)
from portfolio.catalogue.readings import InvalidMeasure, create_measure, edit_measure
from portfolio.extensions import db
from portfolio.forms import MAX_MAGNITUDE
from portfolio.models import UNIT_LABEL_LENGTH, Direction, SuccessMeasure, Unit
from tests.helpers import parse_html

# The range rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers, value, far",
    [
        ((10, 5), 0, False),  # width 5: [0, 15] is accepted without question
        ((10, 5), 15, False),
        ((10, 5), 7.5, False),
        ((10, 5), -0.01, True),
        ((10, 5), 15.01, True),
        ((10, 5), 35, True),
        ((5, 10), 35, True),  # the direction does not matter
        ((5, 10), 0, False),
        ((0, 100), -100, False),
        ((0, 100), -100.5, True),
        ((0, 100), 200, False),
        ((-3, -1), -5, False),
        ((-3, -1), -5.5, True),
        ((10, 5), float("nan"), False),  # not a number: the forms' problem, not this rule's
        ((10, 5), float("inf"), False),
        ((-MAX_MAGNITUDE, MAX_MAGNITUDE), MAX_MAGNITUDE, False),  # no overflow at the bounds
        ((0, 1e-6), 1e-5, True),
    ],
)
def test_far_outside_is_more_than_the_range_width_beyond_either_end(numbers, value, far):
    assert is_far_outside(numbers, value) is far


def test_far_outside_takes_a_measure_as_well():
    measure = SimpleNamespace(baseline=10.0, target=5.0, unit=Unit.DAYS, unit_label=None)
    assert is_far_outside(measure, 35.0) and not is_far_outside(measure, 3.5)
    assert outlier_warning(measure, 35.0) == "35 days is far outside 5–10 days: is it right?"


# Showing values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, unit, label, text",
    [
        (12, Unit.MINUTES, None, "12 minutes"),
        (0.9, Unit.DAYS, None, "0.9 days"),
        (1200, Unit.COUNT, None, "1,200"),  # a count is the number alone, like money
        (1200, Unit.CURRENCY, None, "1,200"),
        (42, Unit.OTHER, "tickets", "42 tickets"),
        (42, Unit.OTHER, None, "42"),
        (42, Unit.PERCENT, None, "42 %"),
        (42, Unit.HOURS, "ignored", "42 hours"),  # a label only names an "other" unit
        (None, Unit.OTHER, "tickets", "—"),
    ],
)
def test_format_value(value, unit, label, text):
    assert format_value(value, unit, label) == text


def test_the_chart_labels_use_the_units_label():
    measure = SimpleNamespace(
        baseline=40.0,
        target=10.0,
        baseline_date=date(2026, 1, 1),
        target_date=date(2026, 12, 31),
        readings=[SimpleNamespace(taken_on=date(2026, 3, 1), value=30.0)],
        unit=Unit.OTHER,
        unit_label="tickets",
    )
    chart = chart_for(measure)
    assert chart.baseline_label == "Baseline 40 tickets"
    assert chart.target_label == "Target 10 tickets"
    assert [point.label for point in chart.points] == ["30 tickets"]


# The domain ----------------------------------------------------------------------------


def definition(**changes):
    values = dict(
        name="Open tickets",
        unit=Unit.OTHER,
        unit_label="tickets",
        direction=Direction.LOWER,
        baseline=40.0,
        baseline_date=date(2026, 1, 1),
        target=10.0,
        target_date=date(2026, 12, 31),
    )
    values.update(changes)
    return values


def test_an_other_unit_needs_its_label(make, users):
    product = make.product()
    with pytest.raises(InvalidMeasure) as refused:
        create_measure(db.session, users["pm"], product, **definition(unit_label=None))
    assert "unit_label" in refused.value.problems


def test_the_label_is_dropped_for_the_other_units(make, users):
    product = make.product()
    measure = create_measure(db.session, users["pm"], product, **definition())
    db.session.commit()
    assert measure.unit_label == "tickets"
    edit_measure(db.session, users["pm"], measure, unit=Unit.COUNT, unit_label="tickets")
    db.session.commit()
    assert db.session.get(SuccessMeasure, measure.id).unit_label is None


# The measure form ----------------------------------------------------------------------


def form_data(**changes):
    data = {
        "name": "Open tickets",
        "unit": "other",
        "unit_label": "tickets",
        "direction": "lower",
        "baseline": "40",
        "baseline_date": "2026-01-01",
        "target": "10",
        "target_date": "2026-12-31",
    }
    data.update(changes)
    return data


def test_the_form_offers_minutes_count_and_other(pm_client, make):
    product = make.product(slug="desk")
    page = parse_html(pm_client.get("/products/desk/measures/new").text)
    values = [option["value"] for option in page.by_id("unit").select("option")]
    assert {"minutes", "count", "other"} <= set(values)
    assert page.by_id("unit_label")["name"] == "unit_label"
    assert product.id


def test_an_other_unit_with_its_label_is_saved_and_shown(pm_client, make):
    product = make.product(slug="desk")
    response = pm_client.post("/products/desk/measures/new", data=form_data())
    assert response.status_code == 302
    measure = db.session.execute(
        sa.select(SuccessMeasure).where(SuccessMeasure.product_id == product.id)
    ).scalar_one()
    assert (measure.unit, measure.unit_label) == (Unit.OTHER, "tickets")
    page = parse_html(pm_client.get("/products/desk").text)
    assert "from 40 tickets to 10 tickets" in page.by_id(f"measure-{measure.id}").text


@pytest.mark.parametrize(
    "label, message",
    [
        ("", "Name the unit, e.g. tickets."),
        ("   ", "Name the unit, e.g. tickets."),
        ("x" * (UNIT_LABEL_LENGTH + 1), f"{UNIT_LABEL_LENGTH}"),
    ],
)
def test_an_other_unit_without_a_good_label_shows_the_error_beside_it(
    pm_client, make, label, message
):
    make.product(slug="desk")
    response = pm_client.post("/products/desk/measures/new", data=form_data(unit_label=label))
    assert response.status_code == 422
    error = parse_html(response.text).by_id("unit_label-error")
    assert message in error.text
    assert db.session.execute(sa.select(sa.func.count(SuccessMeasure.id))).scalar_one() == 0


def test_the_label_is_cleared_for_another_unit(pm_client, make):
    product = make.product(slug="desk")
    measure = make.measure(product, unit=Unit.OTHER, unit_label="tickets")
    edit = pm_client.get(f"/products/desk/measures/{measure.id}/edit")
    assert parse_html(edit.text).by_id("unit_label")["value"] == "tickets"
    response = pm_client.post(
        f"/products/desk/measures/{measure.id}/edit",
        data=form_data(name=measure.name, unit="minutes", unit_label="tickets"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(SuccessMeasure, measure.id)
    assert (changed.unit, changed.unit_label) == (Unit.MINUTES, None)


def test_minutes_and_counts_show_sensibly_on_the_product_page(client_as, make):
    product = make.product(slug="desk")
    minutes = make.measure(
        product, unit=Unit.MINUTES, baseline=30, target=12, readings=[(date(2026, 2, 1), 20)]
    )
    counts = make.measure(
        product,
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        baseline=100,
        target=1200,
        readings=[(date(2026, 2, 1), 900)],
    )
    page = parse_html(client_as("stakeholder").get("/products/desk").text)
    assert page.by_id(f"measure-{minutes.id}").one('[data-testid="latest-value"]').text == (
        "20 minutes"
    )
    assert page.by_id(f"measure-{counts.id}").one('[data-testid="latest-value"]').text == "900"
    assert "from 100 to 1,200" in page.by_id(f"measure-{counts.id}").text


def test_the_dashboard_shows_the_label(client_as, make):
    product = make.product(slug="desk")
    make.measure(
        product,
        name="Open tickets",
        unit=Unit.OTHER,
        unit_label="tickets",
        baseline=40,
        target=10,
        readings=[(date(2026, 2, 1), 33)],
    )
    page = client_as("leader").get("/dashboard").text
    assert "33 tickets" in page


# CSV and the API ---------------------------------------------------------------------------


def test_the_label_goes_out_and_back_in_with_the_csv(app, make, tmp_path):
    product = make.product(slug="desk")
    make.measure(product, name="Open tickets", unit=Unit.OTHER, unit_label="tickets")
    export_catalogue(db.session, tmp_path)
    with (tmp_path / "measures.csv").open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["unit"], row["unit_label"]) == ("other", "tickets")
    rows = list(csv.reader((tmp_path / "measures.csv").open(newline="")))
    rows[1][rows[0].index("unit_label")] = "calls"
    with (tmp_path / "measures.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors
    db.session.commit()
    db.session.expire_all()
    assert db.session.execute(sa.select(SuccessMeasure.unit_label)).scalar_one() == "calls"


def write_measures(path, header, row):
    with (path / "measures.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([header, row])


def test_an_old_measures_file_without_the_label_still_imports(app, make, tmp_path):
    make.product(slug="desk")
    header = COLUMNS["measures.csv"]
    assert "unit_label" not in header
    write_measures(
        tmp_path,
        header,
        ["desk", "Pick time", "minutes", "lower", "5", "2026-01-01", "2", "2026-12-31"],
    )
    report = import_catalogue(db.session, tmp_path)
    assert report.ok, report.errors


def test_an_imported_other_unit_needs_its_label(app, make, tmp_path):
    make.product(slug="desk")
    header = [*COLUMNS["measures.csv"], "unit_label"]
    row = ["desk", "Tickets", "other", "lower", "40", "2026-01-01", "10", "2026-12-31", ""]
    write_measures(tmp_path, header, row)
    report = import_catalogue(db.session, tmp_path)
    assert any("unit_label: Name the unit" in error for error in report.errors), report.errors


def test_the_api_exposes_the_label(app, make):
    product = make.product(slug="desk")
    measure = make.measure(product, unit=Unit.OTHER, unit_label="tickets")
    data = measure_json(measure, date(2026, 6, 1))
    assert data["unit_label"] == "tickets"
    schema = SCHEMAS["Measure"]
    assert "unit_label" in schema["required"]
    assert schema["properties"]["unit_label"] == {"type": ["string", "null"]}
    assert "other" in schema["properties"]["unit"]["enum"]


def test_format_measure_value_reads_the_measure():
    measure = SimpleNamespace(unit=Unit.OTHER, unit_label="tickets")
    assert format_measure_value(7, measure) == "7 tickets"
