"""The measured-benefits rules (portfolio/dashboard/measured.py) against a table
of hand-computed cases, without a database; then the queries that feed them."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portfolio.dashboard.measured import (
    MAX_SHARE,
    BeforeMethod,
    Point,
    Verdict,
    outcome,
    share_of_promise,
    summary_line,
    value_at,
)
from portfolio.dashboard.measured_cards import measured_checks, measured_summary, shipped_value
from portfolio.extensions import db
from portfolio.models import Column, Direction, Product, Unit

D = date
BASELINE = Point(D(2026, 1, 1), 100.0)


def points(*pairs) -> list[Point]:
    return [Point(day, value) for day, value in pairs]


# The value at the ship date ("before") ----------------------------------------------

BEFORE_CASES = [
    # id, readings, baseline, ship date, value, method, how
    (
        "reading on the ship date is used as is",
        points((D(2026, 3, 1), 90), (D(2026, 6, 1), 70)),
        BASELINE,
        D(2026, 3, 1),
        90,
        BeforeMethod.READING,
        "reading of 01 Mar 2026",
    ),
    (
        "between two readings: 80 - 20 × 4/10",
        points((D(2026, 3, 1), 80), (D(2026, 3, 11), 60), (D(2026, 1, 20), 95)),
        BASELINE,
        D(2026, 3, 5),
        72,
        BeforeMethod.INTERPOLATED,
        "interpolated between 01 Mar 2026 and 11 Mar 2026",
    ),
    (
        "the issue's Pipeline view: 31 Aug 10 h, 30 Nov 4 h, shipped 22 Oct: 10 - 6 × 52/91",
        points((D(2026, 8, 31), 10), (D(2026, 11, 30), 4)),
        Point(D(2026, 1, 1), 12),
        D(2026, 10, 22),
        10 - 6 * 52 / 91,
        BeforeMethod.INTERPOLATED,
        "interpolated between 31 Aug 2026 and 30 Nov 2026",
    ),
    (
        "rising measure between readings: 20 + 20 × 5/10",
        points((D(2026, 1, 21), 20), (D(2026, 1, 31), 40)),
        Point(D(2026, 1, 1), 10),
        D(2026, 1, 26),
        30,
        BeforeMethod.INTERPOLATED,
        "interpolated between 21 Jan 2026 and 31 Jan 2026",
    ),
    (
        "no reading before: baseline (1 Jan, 100) to the first after (11 Jan, 90): 100 - 10 × 4/10",
        points((D(2026, 1, 11), 90), (D(2026, 2, 1), 50)),
        BASELINE,
        D(2026, 1, 5),
        96,
        BeforeMethod.FROM_BASELINE,
        "interpolated between 01 Jan 2026 and 11 Jan 2026 (baseline and first reading)",
    ),
    (
        "no readings at all: the baseline",
        [],
        BASELINE,
        D(2026, 5, 1),
        100,
        BeforeMethod.BASELINE,
        "baseline of 01 Jan 2026",
    ),
    (
        "shipped on the baseline date: the baseline as is",
        points((D(2026, 2, 1), 80)),
        BASELINE,
        D(2026, 1, 1),
        100,
        BeforeMethod.BASELINE,
        "baseline of 01 Jan 2026",
    ),
    (
        "shipped before the baseline was taken: the baseline",
        points((D(2026, 2, 1), 80)),
        BASELINE,
        D(2025, 12, 1),
        100,
        BeforeMethod.BASELINE,
        "baseline of 01 Jan 2026",
    ),
    (
        "readings only before: the latest of them",
        points((D(2026, 1, 11), 90), (D(2026, 2, 11), 85)),
        BASELINE,
        D(2026, 3, 1),
        85,
        BeforeMethod.LAST_READING,
        "latest reading before, of 11 Feb 2026",
    ),
]


@pytest.mark.parametrize(
    "readings, baseline, shipped_on, value, method, how",
    [case[1:] for case in BEFORE_CASES],
    ids=[case[0] for case in BEFORE_CASES],
)
def test_the_value_at_the_ship_date(readings, baseline, shipped_on, value, method, how):
    before = value_at(readings, baseline, shipped_on)
    assert before.value == pytest.approx(value)
    assert (before.method, before.how) == (method, how)


# The verdict ------------------------------------------------------------------------

SHIP = D(2026, 10, 22)  # window 60 days: the first reading counts from 21 Dec 2026
DUE = D(2026, 12, 21)
LATER = D(2027, 3, 1)
ON_SHIP = (SHIP, 10.0)  # a reading on the ship date: before = 10

OUTCOME_CASES = [
    # id, readings, promised, today, change, share %, verdict, text
    (
        "lower is better: promised -2 days, fell 2: met",
        points(ON_SHIP, (D(2027, 1, 10), 8)),
        -2,
        LATER,
        -2,
        100,
        Verdict.DELIVERED,
        "delivered (100 %)",
    ),
    (
        "lower is better: promised -2 days, fell 3: exceeded, 150 %",
        points(ON_SHIP, (D(2027, 1, 10), 7)),
        -2,
        LATER,
        -3,
        150,
        Verdict.DELIVERED,
        "delivered (150 %)",
    ),
    (
        "higher is better: promised +10, rose 6: partly",
        points(ON_SHIP, (D(2027, 1, 10), 16)),
        10,
        LATER,
        6,
        60,
        Verdict.PARTLY,
        "partly delivered (60 %)",
    ),
    (
        "rose 2 of 10: little change",
        points(ON_SHIP, (D(2027, 1, 10), 12)),
        10,
        LATER,
        2,
        20,
        Verdict.LITTLE,
        "little change (20 %)",
    ),
    (
        "no change at all: not delivered",
        points(ON_SHIP, (D(2027, 1, 10), 10)),
        10,
        LATER,
        0,
        0,
        Verdict.NOT_DELIVERED,
        "not delivered (0 %)",
    ),
    (
        "promised -2, rose 1: reversed",
        points(ON_SHIP, (D(2027, 1, 10), 11)),
        -2,
        LATER,
        1,
        -50,
        Verdict.REVERSED,
        "reversed (-50 %)",
    ),
    (
        "change before the ship date is not credited: 20 → 10 before, flat after",
        points((D(2026, 8, 1), 20), ON_SHIP, (D(2027, 1, 10), 10)),
        -10,
        LATER,
        0,
        0,
        Verdict.NOT_DELIVERED,
        "not delivered (0 %)",
    ),
    (
        "tiny promise: clamped to 10,000 %",
        points(ON_SHIP, (D(2027, 1, 10), 13)),
        1e-9,
        LATER,
        3,
        10_000,
        Verdict.DELIVERED,
        "delivered (10,000 %)",
    ),
    (
        "tiny promise the wrong way: clamped to -10,000 %",
        points(ON_SHIP, (D(2027, 1, 10), 7)),
        1e-300,
        LATER,
        -3,
        -10_000,
        Verdict.REVERSED,
        "reversed (-10,000 %)",
    ),
    (
        "huge promise: a sliver, finite",
        points(ON_SHIP, (D(2027, 1, 10), 13)),
        1e300,
        LATER,
        3,
        0,
        Verdict.LITTLE,
        "little change (0 %)",
    ),
    (
        "zero promise: nothing to compare",
        points(ON_SHIP, (D(2027, 1, 10), 13)),
        0,
        LATER,
        3,
        None,
        Verdict.NO_PROMISE,
        "cannot be compared",
    ),
    (
        "window not elapsed: a reading inside the window does not count",
        points(ON_SHIP, (D(2026, 11, 20), 9)),
        -2,
        D(2026, 11, 24),
        None,
        None,
        Verdict.TOO_EARLY,
        "too early — first reading due 21 Dec 2026",
    ),
    (
        "the due date itself, no reading yet: still too early",
        points(ON_SHIP),
        -2,
        DUE,
        None,
        None,
        Verdict.TOO_EARLY,
        "too early — first reading due 21 Dec 2026",
    ),
    (
        "a reading exactly at the window's edge counts",
        points(ON_SHIP, (DUE, 8)),
        -2,
        DUE,
        -2,
        100,
        Verdict.DELIVERED,
        "delivered (100 %)",
    ),
    (
        "a reading one day before the edge does not; due date past: overdue",
        points(ON_SHIP, (DUE - timedelta(days=1), 8)),
        -2,
        D(2027, 1, 5),
        None,
        None,
        Verdict.OVERDUE,
        "reading overdue since 21 Dec 2026",
    ),
    (
        "the latest reading after the window is the one judged",
        points(ON_SHIP, (D(2027, 1, 10), 7), (D(2027, 2, 10), 9)),
        -2,
        LATER,
        -1,
        50,
        Verdict.PARTLY,
        "partly delivered (50 %)",
    ),
    (
        "no reading ever, past due",
        [],
        -2,
        LATER,
        None,
        None,
        Verdict.NO_READING,
        "no measure reading — due since 21 Dec 2026",
    ),
]


@pytest.mark.parametrize(
    "readings, promised, today, change, percent, verdict, text",
    [case[1:] for case in OUTCOME_CASES],
    ids=[case[0] for case in OUTCOME_CASES],
)
def test_the_verdict(readings, promised, today, change, percent, verdict, text):
    result = outcome(
        readings,
        Point(D(2026, 1, 1), 12),
        shipped_on=SHIP,
        window_days=60,
        promised=promised,
        today=today,
    )
    assert result.first_reading_due == DUE
    assert result.change == (None if change is None else pytest.approx(change))
    assert (result.share_percent, result.verdict, result.text) == (percent, verdict, text)


@pytest.mark.parametrize(
    "change, promised, share",
    [
        (3, -2, -1.5),
        (-3, -2, 1.5),
        (5, 1e-12, MAX_SHARE),
        (-5, 1e-12, -MAX_SHARE),
        (1e308, 1e-308, MAX_SHARE),
        (1e-308, 1e308, 0.0),
        (1.0, 0.0, None),
        (1.0, -0.0, None),
        (math.nan, 2.0, None),
        (2.0, math.nan, None),
        (math.inf, 2.0, None),
        (2.0, math.inf, None),
        (2.0, -math.inf, None),
        (None, 2.0, None),
        (2.0, None, None),
    ],
)
def test_the_share_is_finite_and_clamped(change, promised, share):
    result = share_of_promise(change, promised)
    assert result == share
    assert result is None or math.isfinite(result)


def test_readings_that_are_not_numbers_never_make_a_share():
    result = outcome(
        points((SHIP, math.inf), (D(2027, 1, 10), -math.inf)),
        BASELINE,
        shipped_on=SHIP,
        window_days=60,
        promised=-2,
        today=LATER,
    )
    assert (result.change, result.share_percent, result.verdict) == (None, None, Verdict.NO_PROMISE)


def test_the_summary_line():
    counts = [(Verdict.DELIVERED, 3), (Verdict.PARTLY, 1), (Verdict.TOO_EARLY, 2)]
    assert summary_line(counts) == "3 delivered · 1 partly · 2 too early"


# The queries ----------------------------------------------------------------------

TODAY = D(2026, 11, 24)


def shipped_card(make, product, on, measure=None, change=None, **fields):
    return make.item(
        product,
        column=Column.SHIPPED,
        shipped_on=on,
        measure=measure,
        expected_change=change,
        **fields,
    )


@pytest.fixture
def portfolio_with_checks(make):
    product = make.product(name="CRM")
    measure = make.measure(
        product,
        name="Hours to build the forecast",
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        baseline=12,
        baseline_date=D(2026, 1, 1),
        target=4,
        readings=[(D(2026, 8, 31), 10), (D(2026, 9, 1), 9), (D(2026, 11, 20), 6)],
    )
    delivered = shipped_card(make, product, D(2026, 9, 1), measure, -3, title="Delivered")
    early = shipped_card(make, product, D(2026, 10, 22), measure, -4, title="Early")
    windowed = shipped_card(
        make, product, D(2026, 10, 22), measure, -2, title="Short window", observation_days=20
    )
    last_year = shipped_card(make, product, D(2025, 6, 1), measure, -1, title="Last year")
    return product, measure, delivered, early, windowed, last_year


def test_measured_checks_from_the_database(app, make, portfolio_with_checks):
    product = portfolio_with_checks[0]
    shipped_card(make, product, D(2026, 11, 1), title="No promise")  # not checked
    checks = measured_checks(db.session, TODAY)
    assert [check.item.title for check in checks] == [
        "Short window",
        "Early",
        "Delivered",
        "Last year",
    ]
    by_title = {check.item.title: check for check in checks}
    hit = by_title["Delivered"]
    assert (hit.outcome.before.how, hit.outcome.after.taken_on) == (
        "reading of 01 Sep 2026",
        D(2026, 11, 20),
    )
    assert (hit.before_text, hit.after_text, hit.change_text, hit.promised_text) == (
        "9 hours",
        "6 hours",
        "-3 hours",
        "-3 hours",
    )
    assert by_title["Delivered"].outcome.verdict is Verdict.DELIVERED
    assert by_title["Early"].outcome.text == "too early — first reading due 21 Dec 2026"
    # 20 days: due 11 Nov; 20 Nov counts. Before: 9 - 3 × 51/80 on 22 Oct;
    # 6 - 7.0875 = -1.0875 of -2 promised: 54 %.
    short = by_title["Short window"].outcome
    assert short.before.value == pytest.approx(9 - 3 * 51 / 80)
    assert (short.verdict, short.share_percent) == (Verdict.PARTLY, 54)
    summary = measured_summary(db.session, TODAY)
    assert summary == [(Verdict.DELIVERED, 1), (Verdict.PARTLY, 1), (Verdict.TOO_EARLY, 1)]
    assert measured_checks(db.session, TODAY, limit=2).more == 2


def test_shipped_value_for_the_product_page(app, make, portfolio_with_checks):
    product, measure, *_ = portfolio_with_checks
    shipped_card(
        make,
        product,
        D(2026, 11, 2),
        title="No measure",
        hours_saved_per_month=12.5,
        cost_saved_per_year=Decimal("900"),
    )
    make.item(product, column=Column.NOW, title="Not shipped")
    shipped_card(make, make.product(), D(2026, 11, 3), title="Another product's")
    cards = shipped_value(db.session, product.id, TODAY, limit=3)
    assert [card.item.title for card in cards] == ["No measure", "Short window", "Early"]
    assert cards.more == 2
    assert (cards[0].hours_per_month, cards[0].cost_per_year, cards[0].measured) == (
        12.5,
        Decimal("900"),
        None,
    )
    assert cards[2].measured.outcome.verdict is Verdict.TOO_EARLY


def test_the_queries_do_not_grow_with_the_cards(app, make, count_queries):
    product = make.product()
    product_id = product.id

    def add_cards(count: int) -> None:
        product = db.session.get(Product, product_id)
        for n in range(count):
            measure = make.measure(product, readings=[(D(2026, 3, 1), 90), (D(2026, 11, 1), 70)])
            shipped_card(make, product, D(2026, 4, 1) + timedelta(days=n), measure, -10)

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            shipped_value(db.session, product_id, TODAY)
            measured_checks(db.session, TODAY, limit=10)
            measured_summary(db.session, TODAY)
        return len(statements)

    add_cards(1)
    one = queries()
    add_cards(12)
    assert queries() == one
