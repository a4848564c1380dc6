"""Shipped cards measured by the rules of `measured`: loaded with their
measures' readings in a constant number of queries, for the dashboard, the
product page and a card's detail, with their numbers as text in the measure's
unit."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.catalogue.measures import unit_suffix
from portfolio.dashboard.measured import Outcome, Point, Verdict, outcome, summary_line
from portfolio.models import Column, Reading, RoadmapItem, SuccessMeasure
from portfolio.queries import Top, first_rows

SHIPPED_ON_PRODUCT_PAGE = 5


# Cards and their measures -------------------------------------------------------------


def amount(value: float | None, measure: SuccessMeasure, *, signed: bool = False) -> str:
    """'83.26 hours', '+3 %', '-2 days': at most two decimals, in the measure's unit."""
    if value is None or not math.isfinite(value):
        return "—"
    number = f"{abs(value):,.2f}".rstrip("0").rstrip(".")
    sign = "-" if value < 0 and number != "0" else ""
    if signed and value > 0 and number != "0":
        sign = "+"
    return f"{sign}{number}{unit_suffix(measure.unit, measure.unit_label)}"


@dataclass(frozen=True)
class MeasuredCheck:
    """A shipped card, its measure, and its outcome, with its numbers as text."""

    item: RoadmapItem
    measure: SuccessMeasure
    outcome: Outcome

    @property
    def before_text(self) -> str:
        return amount(self.outcome.before.value, self.measure)

    @property
    def after_text(self) -> str:
        after = self.outcome.after
        return amount(after.value if after else None, self.measure)

    @property
    def change_text(self) -> str:
        return amount(self.outcome.change, self.measure, signed=True)

    @property
    def promised_text(self) -> str:
        return amount(self.outcome.promised, self.measure, signed=True)


def check_card(item: RoadmapItem, today: date) -> MeasuredCheck | None:
    """A shipped card's check, from its measure's loaded readings; None for a
    card that has not shipped or moves no measure."""
    measure = item.measure
    if measure is None or item.shipped_on is None or item.column is not Column.SHIPPED:
        return None
    return MeasuredCheck(
        item,
        measure,
        outcome(
            [Point(reading.taken_on, reading.value) for reading in measure.readings],
            Point(measure.baseline_date, measure.baseline),
            shipped_on=item.shipped_on,
            window_days=item.observation_days,
            promised=item.expected_change,
            today=today,
        ),
    )


def _checked_cards() -> sa.Select:
    """Shipped cards that promised to move a measure, latest first, with their
    measure's readings (one more query, whatever the number of cards)."""
    return (
        sa.select(RoadmapItem)
        .where(
            RoadmapItem.column == Column.SHIPPED,
            RoadmapItem.measure_id.is_not(None),
            RoadmapItem.expected_change.is_not(None),
            RoadmapItem.shipped_on.is_not(None),
        )
        .options(
            joinedload(RoadmapItem.product),
            joinedload(RoadmapItem.measure).selectinload(SuccessMeasure.readings),
        )
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc())
    )


def measured_checks(session: Session, today: date, limit: int | None = None) -> Top:
    """The measured change of the latest `limit` shipped cards with a promise."""
    items = first_rows(session, _checked_cards(), limit, scalars=True, unique=True)
    return Top([check_card(item, today) for item in items], items.total)


def measured_summary(session: Session, today: date) -> list[tuple[Verdict, int]]:
    """How this year's shipped cards with a promise fared, verdict by verdict
    (only the verdicts that occur, in the order of `Verdict`): two queries, the
    cards' numbers and their measures' readings, loaded as plain rows."""
    cards = session.execute(
        sa.select(
            RoadmapItem.shipped_on,
            RoadmapItem.observation_days,
            RoadmapItem.expected_change,
            SuccessMeasure.id,
            SuccessMeasure.baseline,
            SuccessMeasure.baseline_date,
        )
        .join(SuccessMeasure, SuccessMeasure.id == RoadmapItem.measure_id)
        .where(
            RoadmapItem.column == Column.SHIPPED,
            RoadmapItem.expected_change.is_not(None),
            RoadmapItem.shipped_on >= date(today.year, 1, 1),
            RoadmapItem.shipped_on <= today,
        )
    ).all()
    readings: dict[int, list[Point]] = {}
    measure_ids = {card[3] for card in cards}
    if measure_ids:
        for measure_id, taken_on, value in session.execute(
            sa.select(Reading.measure_id, Reading.taken_on, Reading.value).where(
                Reading.measure_id.in_(measure_ids)
            )
        ):
            readings.setdefault(measure_id, []).append(Point(taken_on, value))
    counts = Counter(
        outcome(
            readings.get(measure_id, []),
            Point(baseline_date, baseline),
            shipped_on=shipped_on,
            window_days=window,
            promised=promised,
            today=today,
        ).verdict
        for shipped_on, window, promised, measure_id, baseline, baseline_date in cards
    )
    return [(verdict, counts[verdict]) for verdict in Verdict if counts[verdict]]


@dataclass(frozen=True)
class MeasuredSection:
    """The dashboard's measured section: the latest checks, and this year's tally."""

    checks: Top
    summary: list[tuple[Verdict, int]]

    @property
    def summary_text(self) -> str:
        return summary_line(self.summary)


def measured_section(session: Session, today: date, limit: int | None = None) -> MeasuredSection:
    return MeasuredSection(measured_checks(session, today, limit), measured_summary(session, today))


# The product page ----------------------------------------------------------------


@dataclass(frozen=True)
class ShippedCard:
    """A shipped card's expected value (its estimates) and, when it moves a
    measure, its measured check."""

    item: RoadmapItem
    hours_per_month: float
    cost_per_year: Decimal
    measured: MeasuredCheck | None


def shipped_value(
    session: Session, product_id: int, today: date, limit: int = SHIPPED_ON_PRODUCT_PAGE
) -> Top:
    """The product's latest `limit` shipped cards, expected and measured, and
    how many it shipped: three queries, however many cards."""
    items = first_rows(
        session,
        sa.select(RoadmapItem)
        .where(RoadmapItem.product_id == product_id, RoadmapItem.column == Column.SHIPPED)
        .options(
            joinedload(RoadmapItem.measure).selectinload(SuccessMeasure.readings),
            joinedload(RoadmapItem.product),
        )
        .order_by(RoadmapItem.shipped_on.desc(), RoadmapItem.id.desc()),
        limit,
        scalars=True,
        unique=True,
    )
    cards = [
        ShippedCard(
            item,
            item.hours_saved_per_month,
            item.cost_saved_per_year,
            check_card(item, today) if item.expected_change is not None else None,
        )
        for item in items
    ]
    return Top(cards, items.total)
