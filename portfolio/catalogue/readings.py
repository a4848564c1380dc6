"""Defining success measures and recording their readings.

Each change checks what a form cannot know, mutates, and records its event in
the caller's transaction; the caller commits. The status rule and the trend
chart are in `catalogue/measures.py`."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.catalogue.changes import record_changes, snapshot
from portfolio.catalogue.measures import (
    MeasureStatus,
    definition_problems,
    format_value,
    measure_status,
)
from portfolio.models import Direction, Product, Reading, SuccessMeasure, Unit, User, Verb

MEASURE_FIELDS = ("name", "unit", "direction", "baseline", "baseline_date", "target", "target_date")


class InvalidMeasure(ValueError):
    """A definition the status rule cannot work with (see definition_problems)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class DuplicateReading(ValueError):
    """A measure has at most one reading per date."""


def _check_definition(measure: SuccessMeasure) -> None:
    problems = definition_problems(
        direction=measure.direction,
        baseline=measure.baseline,
        target=measure.target,
        baseline_date=measure.baseline_date,
        target_date=measure.target_date,
    )
    if problems:
        raise InvalidMeasure(problems)


def definition_text(measure: SuccessMeasure) -> str:
    """'from 11 days to 5 days by 31 Dec 2026'."""
    return (
        f"from {format_value(measure.baseline, measure.unit)}"
        f" to {format_value(measure.target, measure.unit)} by {measure.target_date:%d %b %Y}"
    )


def create_measure(
    session: Session,
    actor: User,
    product: Product,
    *,
    name: str,
    unit: Unit,
    direction: Direction,
    baseline: float,
    baseline_date: date,
    target: float,
    target_date: date,
) -> SuccessMeasure:
    measure = SuccessMeasure(
        product=product,
        name=name,
        unit=unit,
        direction=direction,
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        target_date=target_date,
    )
    _check_definition(measure)
    session.add(measure)
    record(
        session,
        actor,
        Verb.MEASURE_CREATED,
        subject=measure.name,
        product=product,
        after=definition_text(measure),
    )
    return measure


def edit_measure(session: Session, actor: User, measure: SuccessMeasure, **fields: object) -> None:
    """Change the measure's definition (fields of MEASURE_FIELDS); records the
    fields that changed, or nothing when none did."""
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"not measure fields: {sorted(unknown)}")
    before = snapshot(measure, MEASURE_FIELDS)
    for name, value in fields.items():
        setattr(measure, name, value)
    _check_definition(measure)
    record_changes(
        session,
        actor,
        Verb.MEASURE_EDITED,
        before=before,
        after=snapshot(measure, MEASURE_FIELDS),
        subject=measure.name,
        product=measure.product,
    )


def record_reading(
    session: Session,
    actor: User,
    measure: SuccessMeasure,
    *,
    taken_on: date,
    value: float,
    note: str | None,
) -> Reading:
    clash = session.execute(
        sa.select(Reading.id).where(Reading.measure_id == measure.id, Reading.taken_on == taken_on)
    ).first()
    if clash:
        raise DuplicateReading(
            f"There is already a reading for {taken_on:%d %b %Y}; pick another date."
        )
    before = status_now(measure)
    reading = Reading(measure=measure, taken_on=taken_on, value=value, note=note, recorded_by=actor)
    session.add(reading)
    record(
        session,
        actor,
        Verb.READING_RECORDED,
        subject=measure.name,
        product=measure.product,
        after=f"{format_value(value, measure.unit)} on {taken_on:%d %b %Y}",
    )
    after = status_now(measure)
    if after in SLIPPED and after.severity < before.severity:
        # Its owner and watchers hear of it (portfolio.notifications).
        record(
            session,
            actor,
            Verb.MEASURE_SLIPPED,
            subject=measure.name,
            product=measure.product,
            before=before,
            after=after,
        )
    return reading


SLIPPED = frozenset({MeasureStatus.AT_RISK, MeasureStatus.OFF_TRACK})


def status_now(measure: SuccessMeasure) -> MeasureStatus:
    """The measure's status from its latest reading by date (the list may
    hold a reading just added out of order)."""
    latest = max(measure.readings, key=lambda reading: reading.taken_on, default=None)
    return measure_status(
        baseline=measure.baseline,
        target=measure.target,
        baseline_date=measure.baseline_date,
        target_date=measure.target_date,
        latest_value=latest.value if latest else None,
        today=date.today(),
    )
