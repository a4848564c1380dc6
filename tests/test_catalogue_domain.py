"""The catalogue's domain operations, called without HTTP: each changes its rows
and records its event (verb, subject, before/after) in the caller's
transaction. Also the rules that used to be computed in templates (seat
usage, NPS bars, the stakeholder grid) and the limits the forms and the CSV
import share."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.catalogue import limits
from portfolio.catalogue.contracts import NoContractTerms, SeatUsage, save_contract, seat_usage
from portfolio.catalogue.csv_export import COLUMNS, export_catalogue
from portfolio.catalogue.csv_import import import_catalogue
from portfolio.catalogue.departments import create_department, edit_department
from portfolio.catalogue.forms import (
    DepartmentForm,
    ProductForm,
    StakeholderForm,
    SurveyForm,
    UsageForm,
    ValuePropositionForm,
)
from portfolio.catalogue.lifecycle import AlreadyRetired, retire_product
from portfolio.catalogue.measure_forms import MeasureForm, ReadingForm
from portfolio.catalogue.products import (
    ProductNotEmpty,
    UsageExists,
    add_usage,
    create_product,
    delete_product,
    edit_product,
    remove_usage,
    save_value_proposition,
)
from portfolio.catalogue.readings import (
    DuplicateReading,
    InvalidMeasure,
    create_measure,
    edit_measure,
    record_reading,
)
from portfolio.catalogue.satisfaction import NetPromoterScore, nps_chart
from portfolio.catalogue.stakeholders import add_stakeholder, remove_stakeholder, stakeholder_map
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Category,
    Contract,
    Department,
    Direction,
    Product,
    Reading,
    Sourcing,
    Stage,
    Stakeholder,
    StakeholderRole,
    SuccessMeasure,
    Tag,
    Unit,
    Usage,
    UsageLevel,
    ValueProposition,
    Verb,
)
from tests.helpers import count_rows


def trail() -> list[Activity]:
    """Every recorded event, oldest first, as the database holds them."""
    db.session.expire_all()
    return list(db.session.execute(sa.select(Activity).order_by(Activity.id)).scalars())


def only_event() -> Activity:
    events = trail()
    assert len(events) == 1, [(e.verb, e.subject) for e in events]
    return events[0]


NEW_PRODUCT = {
    "name": "People HRIS",
    "slug": "people-hris",
    "category": Category.HRIS,
    "summary": "Employee records",
    "stage": Stage.DISCOVERY,
    "owner_id": None,
    "sourcing": Sourcing.BUILT,
    "vendor": None,
    "docs_url": None,
    "source_url": None,
    "prd_url": None,
    "tags": ["hr", "onboarding"],
}


def edit_values(product: Product, **changes) -> dict:
    """The product's current values, as `edit_product` takes them, with `changes`."""
    values = {name: getattr(product, name) for name in NEW_PRODUCT if name != "tags"}
    values["tags"] = product.tag_names
    values.update(changes)
    return values


# Products ------------------------------------------------------------------------


def test_create_product_writes_the_row_its_tags_and_the_event(app, users):
    pm = users["pm"]
    product = create_product(db.session, pm, **{**NEW_PRODUCT, "owner_id": pm.id})
    db.session.commit()
    saved = db.session.execute(sa.select(Product).where(Product.slug == "people-hris")).scalar_one()
    assert saved.id == product.id and saved.owner_id == pm.id and saved.stage is Stage.DISCOVERY
    assert saved.tag_names == ["hr", "onboarding"]
    event = only_event()
    assert (event.verb, event.subject, event.product_id, event.actor_id) == (
        Verb.PRODUCT_CREATED,
        "People HRIS",
        product.id,
        pm.id,
    )
    assert (event.before, event.after) == (None, "Discovery")


def test_edit_product_records_only_the_fields_that_changed(app, make, users):
    product = make.product(name="Ledger", summary="Old summary", stage=Stage.LIVE)
    pm = users["pm"]
    edit_product(
        db.session,
        pm,
        product,
        **edit_values(product, summary="New summary", owner_id=pm.id, tags=["finance"]),
    )
    db.session.commit()
    assert product.summary == "New summary" and product.owner_id == pm.id
    assert product.tag_names == ["finance"]
    event = only_event()
    assert (event.verb, event.subject, event.product_id) == (
        Verb.PRODUCT_EDITED,
        "Ledger",
        product.id,
    )
    assert event.before == "summary: Old summary; owner: —; tags: —"
    assert event.after == f"summary: New summary; owner: {pm.display_name}; tags: finance"


def test_edit_product_records_a_stage_change_as_its_own_event(app, make, users):
    product = make.product(name="Ledger", stage=Stage.LIVE)
    edit_product(db.session, users["pm"], product, **edit_values(product, stage=Stage.SUNSETTING))
    db.session.commit()
    event = only_event()
    assert (event.verb, event.before, event.after) == (
        Verb.PRODUCT_STAGE_CHANGED,
        "Live",
        "Sunsetting",
    )

    edit_product(
        db.session,
        users["pm"],
        product,
        **edit_values(product, stage=Stage.RETIRED, name="Old ledger"),
    )
    db.session.commit()
    edited, staged = trail()[1:]
    assert (edited.verb, edited.before, edited.after) == (
        Verb.PRODUCT_EDITED,
        "name: Ledger",
        "name: Old ledger",
    )
    assert (staged.verb, staged.subject, staged.before, staged.after) == (
        Verb.PRODUCT_STAGE_CHANGED,
        "Old ledger",
        "Sunsetting",
        "Retired",
    )


def test_saving_a_product_unchanged_records_nothing(app, make, users):
    product = make.product(vendor=None, docs_url=None)
    edit_product(db.session, users["pm"], product, **edit_values(product, vendor="", docs_url=""))
    db.session.commit()
    assert trail() == []


def test_edit_product_refuses_unknown_fields(app, make, users):
    product = make.product()
    with pytest.raises(TypeError):
        edit_product(db.session, users["pm"], product, tags=[], colour="red")


def test_retire_product_records_the_retirement_once(app, make, users):
    # Retiring takes a reason, a date and a successor (issue #14) and records
    # `product_retired`; retiring again is refused rather than ignored.
    product = make.product(stage=Stage.LIVE)
    retire_product(
        db.session,
        users["pm"],
        product,
        reason="Unused",
        retired_on=date.today(),
        successor=None,
    )
    db.session.commit()
    with pytest.raises(AlreadyRetired):
        retire_product(
            db.session,
            users["pm"],
            product,
            reason="Again",
            retired_on=date.today(),
            successor=None,
        )
    db.session.rollback()
    assert product.is_retired
    event = only_event()
    assert (event.verb, event.before, event.after, event.product_id) == (
        Verb.PRODUCT_RETIRED,
        "Live",
        f"retired on {date.today():%d %b %Y}: Unused",
        product.id,
    )


def test_delete_product_refuses_while_anything_is_attached(app, make, users):
    product = make.product(name="Busy")
    make.usage(product)
    with pytest.raises(ProductNotEmpty, match="1 departments using it"):
        delete_product(db.session, users["admin"], product)
    db.session.rollback()
    assert db.session.get(Product, product.id) is not None
    assert trail() == []


def test_delete_product_keeps_its_event_without_the_product(app, make, users):
    product = make.product(name="Empty")
    product_id = product.id
    delete_product(db.session, users["admin"], product)
    db.session.commit()
    assert db.session.get(Product, product_id) is None
    event = only_event()
    assert (event.verb, event.subject, event.product_id, event.actor_id) == (
        Verb.PRODUCT_DELETED,
        "Empty",
        None,
        users["admin"].id,
    )


def test_value_proposition_records_the_parts_that_changed(app, make, users):
    product = make.product(name="Ledger")
    texts = {"problem": "Month-end takes 11 days", "for_whom": "", "value": "", "replaces": ""}
    save_value_proposition(db.session, users["pm"], product, **texts)
    db.session.commit()
    save_value_proposition(db.session, users["pm"], product, **texts)  # unchanged
    db.session.commit()
    save_value_proposition(
        db.session, users["pm"], product, **{**texts, "value": "Close in 5 days"}
    )
    db.session.commit()
    rows = db.session.execute(sa.select(ValueProposition)).scalars().all()
    assert len(rows) == 1 and rows[0].value == "Close in 5 days"
    created, changed = trail()
    assert (created.verb, created.before, created.after) == (
        Verb.VALUE_PROPOSITION_SAVED,
        "problem: —",
        "problem: Month-end takes 11 days",
    )
    assert (changed.before, changed.after) == ("value: —", "value: Close in 5 days")


def test_contract_is_saved_for_bought_products_only(app, make, users):
    bought = make.product(name="CRM", sourcing=Sourcing.BOUGHT, vendor="Acme")
    terms = {
        "vendor": "Acme",
        "annual_cost": Decimal("24000.00"),
        "seats_bought": 150,
        "renewal_date": date(2027, 1, 31),
    }
    save_contract(db.session, users["pm"], bought, **terms)
    db.session.commit()
    save_contract(db.session, users["pm"], bought, **{**terms, "seats_bought": 200})
    db.session.commit()
    contract = db.session.execute(sa.select(Contract)).scalar_one()
    assert (contract.product_id, contract.seats_bought) == (bought.id, 200)
    created, changed = trail()
    assert created.verb is Verb.CONTRACT_SAVED and created.before.startswith("vendor: —")
    # Every role reads the trail: the amount is masked, its change is not.
    assert "annual cost: a new amount (not shown)" in created.after
    assert "24000" not in created.after and "renewal date: 31 Jan 2027" in created.after
    assert (changed.before, changed.after) == ("seats bought: 150", "seats bought: 200")

    built = make.product(sourcing=Sourcing.BUILT)
    with pytest.raises(NoContractTerms):
        save_contract(db.session, users["pm"], built, **terms)


# Departments using a product -----------------------------------------------------


def test_add_and_remove_usage(app, make, users):
    product = make.product(name="Ledger")
    finance = make.department(name="Finance")
    usage = add_usage(
        db.session,
        users["pm"],
        product,
        department_id=finance.id,
        level=UsageLevel.OCCASIONAL,
        users=1200,
    )
    db.session.commit()
    row = db.session.execute(sa.select(Usage)).scalar_one()
    assert (row.product_id, row.department_id, row.level, row.users) == (
        product.id,
        finance.id,
        UsageLevel.OCCASIONAL,
        1200,
    )
    with pytest.raises(UsageExists):
        add_usage(
            db.session,
            users["pm"],
            product,
            department_id=finance.id,
            level=UsageLevel.PRIMARY,
            users=1,
        )
    db.session.rollback()

    remove_usage(db.session, users["pm"], usage)
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Usage)).scalar_one() == 0
    added, removed = trail()
    assert (added.verb, added.subject, added.product_id, added.after) == (
        Verb.USAGE_ADDED,
        "Ledger",
        product.id,
        "Finance (Occasional, 1,200 users)",
    )
    assert (removed.verb, removed.before, removed.after) == (
        Verb.USAGE_REMOVED,
        "Finance (Occasional, 1,200 users)",
        None,
    )


@pytest.mark.parametrize("department_id, users_count", [(999, 5), (None, -1)])
def test_add_usage_refuses_unknown_departments_and_bad_counts(
    app, make, users, department_id, users_count
):
    product = make.product()
    department_id = department_id or make.department().id
    with pytest.raises(ValueError):
        add_usage(
            db.session,
            users["pm"],
            product,
            department_id=department_id,
            level=UsageLevel.PRIMARY,
            users=users_count,
        )
    db.session.rollback()
    assert trail() == []


# Measures and readings -------------------------------------------------------------

MEASURE = {
    "name": "Days to close",
    "unit": Unit.DAYS,
    "direction": Direction.LOWER,
    "baseline": 11.0,
    "baseline_date": date(2026, 1, 1),
    "target": 5.0,
    "target_date": date(2026, 12, 31),
}


def test_create_and_edit_a_measure(app, make, users):
    product = make.product(name="Ledger")
    measure = create_measure(db.session, users["pm"], product, **MEASURE)
    db.session.commit()
    edit_measure(db.session, users["pm"], measure, **{**MEASURE, "target": 4.0})
    db.session.commit()
    edit_measure(db.session, users["pm"], measure, **{**MEASURE, "target": 4.0})  # unchanged
    db.session.commit()
    row = db.session.execute(sa.select(SuccessMeasure)).scalar_one()
    assert (row.product_id, row.name, row.target) == (product.id, "Days to close", 4.0)
    created, edited = trail()
    assert (created.verb, created.subject, created.product_id, created.after) == (
        Verb.MEASURE_CREATED,
        "Days to close",
        product.id,
        "from 11 days to 5 days by 31 Dec 2026",
    )
    assert (edited.verb, edited.before, edited.after) == (
        Verb.MEASURE_EDITED,
        "target: 5.0",
        "target: 4.0",
    )


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"target": 11.0}, "target"),
        ({"direction": Direction.HIGHER}, "target"),
        ({"target_date": date(2025, 6, 1)}, "target_date"),
    ],
)
def test_measures_the_status_rule_cannot_use_are_refused(app, make, users, changes, field):
    product = make.product()
    with pytest.raises(InvalidMeasure) as refused:
        create_measure(db.session, users["pm"], product, **{**MEASURE, **changes})
    assert field in refused.value.problems
    db.session.rollback()
    assert trail() == []


def test_record_reading_writes_it_and_refuses_a_second_on_the_same_day(app, make, users):
    product = make.product(name="Ledger")
    measure = make.measure(product, name="Days to close", unit=Unit.DAYS)
    record_reading(
        db.session, users["pm"], measure, taken_on=date(2026, 3, 31), value=7.5, note="Q1"
    )
    db.session.commit()
    with pytest.raises(DuplicateReading, match="31 Mar 2026"):
        record_reading(
            db.session, users["pm"], measure, taken_on=date(2026, 3, 31), value=7, note=None
        )
    db.session.rollback()
    reading = db.session.execute(sa.select(Reading)).scalar_one()
    assert (reading.value, reading.note, reading.recorded_by_id) == (7.5, "Q1", users["pm"].id)
    event = only_event()
    assert (event.verb, event.subject, event.product_id, event.after) == (
        Verb.READING_RECORDED,
        "Days to close",
        product.id,
        "7.5 days on 31 Mar 2026",
    )


# Stakeholders and departments ------------------------------------------------------


def test_add_and_remove_a_stakeholder(app, make, users):
    product = make.product(name="Ledger")
    entry = add_stakeholder(
        db.session,
        users["pm"],
        product,
        name="CFO",
        department_id=None,
        role=StakeholderRole.SPONSOR,
        power=5,
        interest=4,
    )
    db.session.commit()
    assert db.session.execute(sa.select(Stakeholder.product_id)).scalar_one() == product.id
    remove_stakeholder(db.session, users["pm"], entry)
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count(Stakeholder.id))).scalar_one() == 0
    added, removed = trail()
    assert (added.verb, added.subject, added.after) == (
        Verb.STAKEHOLDER_ADDED,
        "Ledger",
        "CFO (Sponsor, power 5, interest 4)",
    )
    assert (removed.verb, removed.before) == (
        Verb.STAKEHOLDER_REMOVED,
        "CFO (Sponsor, power 5, interest 4)",
    )


@pytest.mark.parametrize("power, interest", [(0, 3), (3, 6)])
def test_stakeholders_stay_on_the_grid(app, make, users, power, interest):
    with pytest.raises(ValueError):
        add_stakeholder(
            db.session,
            users["pm"],
            make.product(),
            name="Off the map",
            department_id=None,
            role=StakeholderRole.INFORMED,
            power=power,
            interest=interest,
        )
    assert trail() == []


def test_create_and_edit_a_department(app, users):
    department = create_department(db.session, users["pm"], name="Legal", head=None, headcount=4)
    db.session.commit()
    edit_department(db.session, users["pm"], department, name="Legal", head="Ana", headcount=6)
    db.session.commit()
    row = db.session.execute(sa.select(Department)).scalar_one()
    assert (row.name, row.head, row.headcount) == ("Legal", "Ana", 6)
    created, edited = trail()
    assert (created.verb, created.subject, created.product_id, created.after) == (
        Verb.DEPARTMENT_CREATED,
        "Legal",
        None,
        "4 people",
    )
    assert (edited.verb, edited.before, edited.after) == (
        Verb.DEPARTMENT_EDITED,
        "head: —; headcount: 4",
        "head: Ana; headcount: 6",
    )
    with pytest.raises(ValueError):
        create_department(db.session, users["pm"], name="Huge", head=None, headcount=-1)


# Rules moved out of the templates ------------------------------------------------


@pytest.mark.parametrize(
    "used, bought, over, unused",
    [
        (120, 150, 0, 0),  # 80 % used: fine
        (90, 150, 0, 0),  # exactly 60 %: not yet underused
        (89, 150, 0, 61),  # below 60 %: the unused seats show
        (0, 150, 0, 150),
        (160, 150, 10, 0),  # more people than seats
        (5, 0, 5, 0),  # no seats bought: everyone is over, nothing unused
        (0, 0, 0, 0),
    ],
)
def test_seat_usage_thresholds(used, bought, over, unused):
    seats = SeatUsage(used=used, bought=bought)
    assert (seats.over, seats.unused) == (over, unused)
    assert (seats.low, seats.optimum) == (bought * 0.6, bought * 0.9)


def test_seat_usage_of_a_contract_counts_the_departments_users(app, make):
    product = make.product(sourcing=Sourcing.BOUGHT, vendor="Acme")
    make.usage(product, users=40)
    make.usage(product, users=50)
    product.contract = Contract(
        vendor="Acme", annual_cost=Decimal(1), seats_bought=200, renewal_date=date(2027, 1, 1)
    )
    db.session.commit()
    assert seat_usage(product.contract) == SeatUsage(used=90, bought=200)
    assert seat_usage(product.contract).unused == 110


def nps(score_counts: tuple[int, int, int]) -> NetPromoterScore:
    promoters, passives, detractors = score_counts
    return NetPromoterScore(promoters + passives + detractors, promoters, passives, detractors)


def test_nps_chart_geometry():
    chart = nps_chart(
        [
            ("2026-Q1", nps((0, 0, 0))),  # no answers
            ("2026-Q2", nps((3, 0, 0))),  # +100
            ("2026-Q3", nps((0, 0, 1))),  # -100
            ("2026-Q4", nps((1, 1, 1))),  # 0
        ]
    )
    assert (chart.width, chart.zero_line_end, chart.zero_y) == (4 * 48 + 8, 4 * 48 + 4, 60)
    empty, best, worst, even = chart.bars
    assert [bar.x for bar in chart.bars] == [8, 56, 104, 152]
    assert [bar.middle for bar in chart.bars] == [24, 72, 120, 168]
    assert [bar.short_quarter for bar in chart.bars] == ["26-Q1", "26-Q2", "26-Q3", "26-Q4"]
    assert [bar.result.label for bar in chart.bars] == ["—", "+100", "-100", "+0"]
    # Positive bars grow up from the zero line, their label above them...
    assert (best.positive, best.top, best.height, best.value_y) == (True, 10.0, 50.0, 6.0)
    # ...negative ones down, their label below; a zero score is still a hairline.
    assert (worst.positive, worst.top, worst.height, worst.value_y) == (False, 60, 50.0, 121.0)
    assert (even.positive, even.top, even.height, even.value_y) == (True, 60.0, 1, 56.0)
    assert (empty.positive, empty.value_y) == (False, 56)


def test_stakeholder_map_positions(app, make):
    product = make.product()

    def entry(name, power, interest):
        return Stakeholder(
            product=product,
            name=name,
            role=StakeholderRole.KEY_USER,
            power=power,
            interest=interest,
        )

    points = stakeholder_map(
        [entry("a", 5, 5), entry("b", 5, 5), entry("c", 5, 5), entry("d", 1, 1)]
    ).markers
    # Power 5, interest 5: the middle of the top-right cell is (302, 56); three
    # numbered dots share it two a row, 20 apart, so they do not overlap (#15:
    # numbers with a legend replaced the names that fanned out and overlapped).
    assert [(p.x, p.y) for p in points[:3]] == [(292.0, 46.0), (312.0, 46.0), (292.0, 66.0)]
    assert [p.text for p in points] == ["1", "2", "3", "4"]
    # Power 1, interest 1 is the bottom-left cell, alone in it: its middle.
    assert (points[3].x, points[3].y) == (62.0, 296.0)


# One source for lengths and ranges -----------------------------------------------


@pytest.mark.parametrize(
    "column, limit",
    [
        (Product.name, limits.NAME),
        (Product.slug, limits.SLUG),
        (Product.summary, limits.SUMMARY),
        (Product.vendor, limits.NAME),
        (Product.docs_url, limits.URL),
        (Tag.name, limits.TAG),
        (Department.name, limits.NAME),
        (Department.head, limits.NAME),
        (SuccessMeasure.name, limits.NAME),
        (Reading.note, limits.NOTE),
        (Contract.vendor, limits.NAME),
        (Stakeholder.name, limits.NAME),
    ],
)
def test_limits_are_the_columns_lengths(column, limit):
    assert column.type.length == limit


@pytest.mark.parametrize(
    "form, field, limit",
    [
        (ProductForm, "name", limits.NAME),
        (ProductForm, "slug", limits.SLUG),
        (ProductForm, "summary", limits.SUMMARY),
        (ProductForm, "docs_url", limits.URL),
        (ProductForm, "tags", limits.TAGS_TEXT),
        (ValuePropositionForm, "problem", limits.STORY),
        (MeasureForm, "name", limits.NAME),
        (ReadingForm, "note", limits.NOTE),
        (DepartmentForm, "head", limits.NAME),
        (StakeholderForm, "name", limits.NAME),
        (SurveyForm, "comment", limits.SURVEY_COMMENT),
    ],
)
def test_forms_use_the_limits(form, field, limit):
    validators = getattr(form, field).kwargs["validators"]
    assert limit in [getattr(v, "max", None) for v in validators]


@pytest.mark.parametrize("form, field", [(UsageForm, "users"), (DepartmentForm, "headcount")])
def test_counts_in_forms_stop_where_the_import_stops(form, field):
    validators = getattr(form, field).kwargs["validators"]
    assert limits.COUNT in [getattr(v, "max", None) for v in validators]


def write_csv(path, name, rows):
    with (path / name).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS[name])
        writer.writerows(rows)


@pytest.mark.parametrize(
    "name, row, message",
    [
        ("departments.csv", ["Ops", "", str(limits.COUNT + 1)], "headcount must be at most"),
        ("departments.csv", ["x" * (limits.NAME + 1), "", "3"], "name is longer than 120"),
    ],
)
def test_the_import_uses_the_forms_limits(app, tmp_path, name, row, message):
    write_csv(tmp_path, name, [row])
    report = import_catalogue(db.session, tmp_path)
    assert any(message in error for error in report.errors), report.errors


def test_the_import_checks_value_proposition_lengths_like_the_form(app, tmp_path):
    values = {column: "" for column in COLUMNS["products.csv"]}
    values.update(
        slug="crm",
        name="CRM",
        category="crm",
        summary="A product",
        stage="live",
        sourcing="built",
        problem="p" * (limits.STORY + 1),
    )
    write_csv(tmp_path, "products.csv", [[values[c] for c in COLUMNS["products.csv"]]])
    report = import_catalogue(db.session, tmp_path)
    assert report.errors == [
        f"products.csv line 2: problem is longer than {limits.STORY} characters"
    ]


def test_formula_cells_are_escaped_on_export_and_read_back_as_they_were(app, make, tmp_path):
    make.department(name="=Ops", head="+Lars", headcount=3)
    export_catalogue(db.session, tmp_path / "out")
    with (tmp_path / "out" / "departments.csv").open() as handle:
        assert list(csv.reader(handle))[1] == ["'=Ops", "'+Lars", "3"]
    db.session.execute(sa.delete(Department))
    db.session.commit()
    report = import_catalogue(db.session, tmp_path / "out")
    assert report.ok, report.errors
    db.session.commit()
    department = db.session.execute(sa.select(Department)).scalar_one()
    assert (department.name, department.head) == ("=Ops", "+Lars")


def test_a_reading_that_turns_a_measure_off_track_records_that_it_slipped(app, make, users):
    """Owners and watchers hear of it (#13): the event is recorded with the reading."""
    product = make.product()
    measure = make.measure(
        product,
        baseline=100.0,
        target=50.0,
        baseline_date=date.today() - timedelta(days=300),
        target_date=date.today() + timedelta(days=60),
        readings=[(date.today() - timedelta(days=30), 55.0)],  # on track
    )
    record_reading(db.session, users["pm"], measure, taken_on=date.today(), value=99.0, note=None)
    db.session.commit()
    slipped = db.session.execute(
        sa.select(Activity).where(Activity.verb == Verb.MEASURE_SLIPPED)
    ).scalar_one()
    assert (slipped.subject, slipped.before, slipped.after) == (
        measure.name,
        "On track",
        "Off track",
    )
    # A reading that keeps it off track records no second slip.
    record_reading(
        db.session,
        users["pm"],
        measure,
        taken_on=date.today() - timedelta(days=1),
        value=98.0,
        note=None,
    )
    db.session.commit()
    assert count_rows(Activity, Activity.verb == Verb.MEASURE_SLIPPED) == 1
