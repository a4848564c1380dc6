"""Total cost of ownership, the rules without HTTP (portfolio/architecture/
costs.py and showback.py): run cost, yearly cost, saving the run cost, cost
per user and per hour saved, and splits that add up to the cent."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portfolio.architecture import costs
from portfolio.architecture.costs import (
    CostFigures,
    HoursMeasure,
    NoRunCost,
    YearlyCost,
    allocate,
    cost_per,
    hours_saved_a_year,
    periods_a_year,
    run_cost,
    save_run_cost,
    yearly_costs,
)
from portfolio.architecture.showback import (
    NO_CAPABILITY,
    UNALLOCATED,
    CostSort,
    compute_showback,
    showback,
)
from portfolio.extensions import db
from portfolio.models import (
    Activity,
    Capability,
    Contract,
    Direction,
    Sourcing,
    Stage,
    Unit,
    Verb,
    product_capability,
)
from portfolio.models.catalogue import MAX_TEAM_FTE, MAX_YEARLY_COST

RATE = Decimal("100000")


def contract(product, annual: str) -> Contract:
    row = Contract(
        product=product,
        vendor="Acme",
        annual_cost=Decimal(annual),
        seats_bought=10,
        renewal_date=date(2030, 1, 1),
    )
    db.session.add(row)
    db.session.commit()
    return row


def map_capabilities(product, *names: str) -> list[Capability]:
    found = []
    for name in names:
        capability = db.session.scalar(sa.select(Capability).where(Capability.name == name))
        if capability is None:
            capability = Capability(name=name)
            db.session.add(capability)
            db.session.flush()
        db.session.execute(
            product_capability.insert().values(product_id=product.id, capability_id=capability.id)
        )
        found.append(capability)
    db.session.commit()
    return found


# Run cost and yearly cost -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sourcing", "fte", "infrastructure", "expected"),
    [
        (Sourcing.BUILT, "2.5", "12000", "262000.00"),
        (Sourcing.HYBRID, "0.5", None, "50000.00"),
        (Sourcing.BUILT, None, "999.999", "1000.00"),
        (Sourcing.BUILT, "0", "0", "0.00"),  # known to be free is zero, not unknown
        (Sourcing.BUILT, None, None, None),
        (Sourcing.BOUGHT, "3", "5000", None),  # bought: the contract is its cost
    ],
)
def test_the_run_cost_is_the_team_at_the_rate_plus_infrastructure(
    sourcing, fte, infrastructure, expected
):
    result = run_cost(
        sourcing,
        Decimal(fte) if fte else None,
        Decimal(infrastructure) if infrastructure else None,
        RATE,
    )
    assert result == (Decimal(expected) if expected else None)


def test_the_total_is_unknown_only_when_nothing_is_known():
    assert YearlyCost(None, None).total is None
    assert YearlyCost(Decimal("10"), None).total == Decimal("10")
    assert YearlyCost(None, Decimal("0.00")).total == Decimal("0.00")
    assert YearlyCost(Decimal("10.50"), Decimal("4.25")).total == Decimal("14.75")


def test_yearly_costs_in_one_query_for_every_sourcing(make, count_queries):
    built = make.product(sourcing=Sourcing.BUILT, team_fte=Decimal("2"))
    hybrid = make.product(
        sourcing=Sourcing.HYBRID, team_fte=Decimal("1"), infrastructure_cost=Decimal("500")
    )
    bought = make.product(sourcing=Sourcing.BOUGHT, team_fte=Decimal("4"))
    stray = make.product(sourcing=Sourcing.BUILT)  # a contract from when it was bought
    contract(hybrid, "30000")
    contract(bought, "1234.56")
    contract(stray, "999")
    ids = [built.id, hybrid.id, bought.id, stray.id]
    with count_queries() as queries:
        result = yearly_costs(db.session, ids, RATE)
    assert len(queries) == 1
    assert result[built.id] == YearlyCost(None, Decimal("200000.00"))
    assert result[hybrid.id] == YearlyCost(Decimal("30000.00"), Decimal("100500.00"))
    assert result[hybrid.id].total == Decimal("130500.00")
    assert result[bought.id] == YearlyCost(Decimal("1234.56"), None)
    assert result[stray.id].total is None
    assert yearly_costs(db.session, [], RATE) == {}


# Saving the run cost --------------------------------------------------------------


def test_saving_the_run_cost_records_the_change_without_the_amount(make, users):
    product = make.product(name="Close Assistant", sourcing=Sourcing.BUILT)
    assert save_run_cost(db.session, users["pm"], product, Decimal("2.5"), Decimal("12000"))
    db.session.commit()
    assert (product.team_fte, product.infrastructure_cost) == (Decimal("2.50"), Decimal("12000"))
    assert save_run_cost(db.session, users["pm"], product, Decimal("3"), Decimal("15000.004"))
    db.session.commit()
    assert product.infrastructure_cost == Decimal("15000.00")
    entries = db.session.scalars(
        sa.select(Activity).where(Activity.verb == Verb.RUN_COST_SAVED).order_by(Activity.id)
    ).all()
    assert [(entry.before, entry.after) for entry in entries] == [
        ("team FTE: —; infrastructure a year: —", "team FTE: 2.5; infrastructure a year: recorded"),
        (
            "team FTE: 2.5; infrastructure a year: recorded",
            "team FTE: 3; infrastructure a year: changed",
        ),
    ]
    assert entries[0].product_id == product.id and entries[0].subject == "Close Assistant"
    # The trail is for every role; costs are not.
    assert not any("12000" in (entry.before or "") + entry.after for entry in entries)


def test_saving_the_same_run_cost_records_nothing(make, users):
    product = make.product(sourcing=Sourcing.HYBRID, team_fte=Decimal("1.00"))
    assert not save_run_cost(db.session, users["pm"], product, Decimal("1"), None)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_clearing_the_run_cost_makes_it_unknown(make, users):
    product = make.product(team_fte=Decimal("1"), infrastructure_cost=Decimal("5"))
    save_run_cost(db.session, users["pm"], product, None, None)
    db.session.commit()
    assert costs.product_yearly_cost(product, RATE).total is None


def test_a_bought_product_has_no_run_cost(make, users):
    product = make.product(sourcing=Sourcing.BOUGHT)
    with pytest.raises(NoRunCost):
        save_run_cost(db.session, users["pm"], product, Decimal("1"), None)


@pytest.mark.parametrize(
    ("fte", "infrastructure"),
    [
        ("-0.01", None),
        (str(MAX_TEAM_FTE + 1), None),
        ("NaN", None),
        ("sNaN", None),
        ("Infinity", None),
        (None, "-1"),
        (None, str(MAX_YEARLY_COST + 1)),
        (None, "-Infinity"),
        ("abc", None),
    ],
)
def test_run_cost_numbers_are_bounded_and_finite(make, users, fte, infrastructure):
    product = make.product()
    with pytest.raises(NoRunCost):
        save_run_cost(
            db.session,
            users["pm"],
            product,
            fte if fte is None or fte == "abc" else Decimal(fte),
            None if infrastructure is None else Decimal(infrastructure),
        )
    assert product.team_fte is None and product.infrastructure_cost is None


def test_the_bounds_themselves_are_accepted(make, users):
    product = make.product()
    save_run_cost(db.session, users["pm"], product, Decimal(MAX_TEAM_FTE), Decimal(MAX_YEARLY_COST))
    db.session.commit()
    db.session.refresh(product)
    assert product.team_fte == MAX_TEAM_FTE and product.infrastructure_cost == MAX_YEARLY_COST


# Per user, per hour saved --------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "quantity", "expected"),
    [
        ("100", 3, "33.33"),
        ("100", 0, None),  # no users: no cost per user, not a division error
        ("100", None, None),
        (None, 5, None),
        ("100", -4, None),
        ("100", 0.5, "200.00"),
        ("100", float("nan"), None),
        ("0.01", 2, "0.01"),  # half a cent rounds up
    ],
)
def test_cost_per_divides_only_by_something(total, quantity, expected):
    amount = Decimal(total) if total is not None else None
    assert cost_per(amount, quantity) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("name", "times"),
    [
        ("Hours of overtime per month", 12),
        ("Hours spent on reconciliations", 12),
        ("Hours to build the weekly forecast", 52),
        ("Support hours per week", 52),
        ("IT hours per quarterly access review", 4),
        ("Hours per quarter on audits", 4),
        ("Annual hours of manual entry", 1),
        ("Hours a year on audits", 1),
        ("Hours to close the month", 12),
    ],
)
def test_a_measure_in_hours_counts_per_month_unless_its_name_says(name, times):
    assert periods_a_year(name) == times


def test_hours_saved_a_year_follow_each_measures_direction_and_period():
    measures = [
        HoursMeasure("Hours of overtime per month", Direction.LOWER, 620.0, 300.0),  # 320 × 12
        HoursMeasure("Hours to build the weekly forecast", Direction.LOWER, 9.0, 1.0),  # 8 × 52
        HoursMeasure("Hours saved by self-service", Direction.HIGHER, 0.0, 10.0),  # 10 × 12
        HoursMeasure("Hours not read yet", Direction.LOWER, 100.0, None),  # ignored
    ]
    assert hours_saved_a_year(measures) == Decimal(320 * 12 + 8 * 52 + 10 * 12)


def test_hours_lost_count_against_hours_saved():
    worse = HoursMeasure("Hours per month", Direction.LOWER, 10.0, 15.0)
    assert hours_saved_a_year([worse]) == Decimal("-60.00")
    figures = CostFigures(YearlyCost(None, Decimal("1000")), 10, hours_saved_a_year([worse]))
    assert figures.per_hour_saved is None  # nothing saved: no cost per hour saved
    assert figures.per_active_user == Decimal("100.00")


def test_no_reading_means_no_hours_saved():
    assert hours_saved_a_year([]) is None
    assert hours_saved_a_year([HoursMeasure("Hours", Direction.LOWER, 5.0, None)]) is None
    assert CostFigures(YearlyCost(Decimal("5"), None), 0, None).per_hour_saved is None


def test_the_product_page_figures_come_from_the_loaded_product(make):
    product = make.product(sourcing=Sourcing.HYBRID, team_fte=Decimal("1"))
    contract(product, "20000")
    make.usage(product, users=40)
    make.usage(product, users=10)
    make.measure(
        product,
        name="Hours of manual work per month",
        unit=Unit.HOURS,
        baseline=100.0,
        readings=[(date(2025, 3, 1), 80.0), (date(2025, 6, 1), 50.0)],
    )
    make.measure(product, name="Minutes", unit=Unit.MINUTES, readings=[(date(2025, 3, 1), 1.0)])
    db.session.expire_all()
    figures = costs.product_cost_figures(product, RATE)
    assert figures.total == Decimal("120000.00")
    assert figures.active_users == 50
    assert figures.per_active_user == Decimal("2400.00")
    assert figures.hours_saved == Decimal("600.00")  # (100 − 50) × 12
    assert figures.per_hour_saved == Decimal("200.00")


# Allocation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("100.00", [1, 1, 1], ["33.34", "33.33", "33.33"]),
        ("0.02", [1, 1, 1], ["0.01", "0.01", "0.00"]),
        ("10.00", [1, 3], ["2.50", "7.50"]),
        ("10.00", [0, 0], ["5.00", "5.00"]),  # nobody weighs anything: an even split
        ("10.00", [2, 0], ["10.00", "0.00"]),
        ("0.00", [5, 7], ["0.00", "0.00"]),
        ("1.00", [1, 2, 3], ["0.17", "0.33", "0.50"]),
        ("100.00", [], []),
    ],
)
def test_allocate_splits_to_the_cent(total, weights, expected):
    assert allocate(Decimal(total), weights) == [Decimal(value) for value in expected]


@pytest.mark.parametrize("seed", range(20))
def test_allocated_shares_always_add_up_to_the_total(seed):
    rng = random.Random(seed)
    total = Decimal(rng.randint(0, 10**9)) / 100
    weights = [rng.choice([0, 1, 7, 13, 999, 10**6]) for _ in range(rng.randint(1, 30))]
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    assert all(share == share.quantize(Decimal("0.01")) for share in shares)


# The showback ----------------------------------------------------------------------------


@pytest.fixture
def portfolio(make):
    """Three departments share a hybrid product 1:1:1; a built one is used by
    one of them; a bought one by nobody; an idea has no cost; a retired one is
    left out."""
    sales, finance, people = (make.department(name=name) for name in ("Sales", "Finance", "People"))
    hybrid = make.product(name="Hybrid", sourcing=Sourcing.HYBRID, team_fte=Decimal("1"))
    contract(hybrid, "0.01")  # 100,000.01 in all: a cent no split can share evenly
    for department in (sales, finance, people):
        make.usage(hybrid, department, users=10)
    built = make.product(
        name="Built",
        sourcing=Sourcing.BUILT,
        team_fte=Decimal("0.5"),
        infrastructure_cost=Decimal("7"),
    )
    make.usage(built, finance, users=3)
    bought = make.product(name="Bought", sourcing=Sourcing.BOUGHT)
    contract(bought, "900")
    make.product(name="Idea", sourcing=Sourcing.BUILT, stage=Stage.IDEA)
    retired = make.product(
        name="Retired", sourcing=Sourcing.BUILT, stage=Stage.RETIRED, team_fte=Decimal("9")
    )
    make.usage(retired, sales, users=50)
    map_capabilities(hybrid, "Invoice", "Order", "Report")
    map_capabilities(built, "Invoice")
    return {"sales": sales, "finance": finance, "people": people, "hybrid": hybrid}


def test_the_showback_splits_add_up_to_the_total_to_the_cent(portfolio, count_queries):
    with count_queries() as queries:
        result = compute_showback(db.session, RATE)
    assert len(queries) == 4
    assert [row.name for row in result.products] == ["Bought", "Built", "Hybrid", "Idea"]
    assert result.total == Decimal("100000.01") + Decimal("50007.00") + Decimal("900.00")
    assert result.contract_total == Decimal("900.01")
    assert result.run_total == Decimal("150007.00")
    assert result.unknown == 1  # the idea: nothing recorded, not zero
    departments = {share.name: share for share in result.departments}
    assert departments["Finance"].total == Decimal("33333.34") + Decimal("50007.00")
    assert departments["Finance"].products == 2
    # The two cents left over go to the first departments by name on a tie.
    assert departments["People"].total == Decimal("33333.34")
    assert departments["Sales"].total == Decimal("33333.33")  # not the retired product's
    assert departments[UNALLOCATED].total == Decimal("900.00")
    assert result.departments[-1].name == UNALLOCATED
    assert sum(share.total for share in result.departments) == result.total
    capabilities = {share.name: share.total for share in result.capabilities}
    assert capabilities == {
        "Invoice": Decimal("33333.34") + Decimal("50007.00"),
        "Order": Decimal("33333.34"),
        "Report": Decimal("33333.33"),
        NO_CAPABILITY: Decimal("900.00"),
    }
    assert sum(capabilities.values()) == result.total


def test_the_showback_counts_hours_saved_per_product(portfolio, make):
    make.measure(
        portfolio["hybrid"],
        name="Hours of rework per month",
        baseline=100.0,
        readings=[(date(2025, 2, 1), 90.0), (date(2025, 5, 1), 60.0)],
    )
    result = compute_showback(db.session, RATE)
    hybrid = next(row for row in result.products if row.name == "Hybrid")
    assert hybrid.figures.hours_saved == Decimal("480.00")  # (100 − 60) × 12
    assert hybrid.figures.per_hour_saved == Decimal("208.33")
    assert hybrid.figures.per_active_user == Decimal("3333.33")
    idea = next(row for row in result.products if row.name == "Idea")
    assert idea.figures.per_active_user is None and idea.figures.per_hour_saved is None


def test_the_showback_is_computed_once_per_revision(portfolio, count_queries, users):
    first = showback(db.session, RATE)
    with count_queries() as queries:
        again = showback(db.session, RATE)
    assert again is first and len(queries) == 1  # the revision only
    save_run_cost(db.session, users["pm"], portfolio["hybrid"], Decimal("2"), None)
    db.session.commit()
    assert showback(db.session, RATE).total == first.total + RATE


def test_the_products_sort_with_unknown_figures_last(portfolio):
    result = compute_showback(db.session, RATE)
    by_total = CostSort.from_args({"sort": "total"}).apply(result.products)
    assert [row.name for row in by_total] == ["Hybrid", "Built", "Bought", "Idea"]
    ascending = CostSort.from_args({"sort": "total", "dir": "asc"}).apply(result.products)
    assert [row.name for row in ascending] == ["Bought", "Built", "Hybrid", "Idea"]
    assert CostSort.from_args({"sort": "nonsense"}) == CostSort()
    per_user = CostSort.from_args({"sort": "per_user"}).apply(result.products)
    assert [row.name for row in per_user] == ["Built", "Hybrid", "Bought", "Idea"]
