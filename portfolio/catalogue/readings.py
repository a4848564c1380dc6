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
    format_measure_value,
    measure_status,
    unit_label_problem,
)
from portfolio.models import (
    CorrectionKind,
    Direction,
    Product,
    Reading,
    ReadingCorrection,
    SuccessMeasure,
    Unit,
    User,
    Verb,
)

MEASURE_FIELDS = (
    "name",
    "unit",
    "unit_label",
    "direction",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
)


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
    label_problem = unit_label_problem(measure.unit, measure.unit_label)
    if label_problem:
        problems["unit_label"] = label_problem
    if problems:
        raise InvalidMeasure(problems)


def definition_text(measure: SuccessMeasure) -> str:
    """'from 11 days to 5 days by 31 Dec 2026'."""
    return (
        f"from {format_measure_value(measure.baseline, measure)}"
        f" to {format_measure_value(measure.target, measure)} by {measure.target_date:%d %b %Y}"
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
    unit_label: str | None = None,
) -> SuccessMeasure:
    measure = SuccessMeasure(
        product=product,
        name=name,
        unit=unit,
        unit_label=unit_label if unit is Unit.OTHER else None,
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
    if measure.unit is not Unit.OTHER:
        measure.unit_label = None
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


def _check_date_free(session: Session, measure: SuccessMeasure, taken_on: date, *, but=None):
    """DuplicateReading when the measure has a reading on `taken_on` (other than `but`)."""
    query = sa.select(Reading.id).where(
        Reading.measure_id == measure.id, Reading.taken_on == taken_on
    )
    if but is not None:
        query = query.where(Reading.id != but.id)
    if session.execute(query).first():
        raise DuplicateReading(
            f"There is already a reading for {taken_on:%d %b %Y}; pick another date."
        )


def reading_text(measure: SuccessMeasure, value: float, taken_on: date, note: str | None = None):
    """'35 days on 3 Nov 2026' (with its note, when there is one to tell apart)."""
    text = f"{format_measure_value(value, measure)} on {taken_on.day} {taken_on:%b %Y}"
    return f"{text} ({note})" if note else text


def record_reading(
    session: Session,
    actor: User,
    measure: SuccessMeasure,
    *,
    taken_on: date,
    value: float,
    note: str | None,
) -> Reading:
    _check_date_free(session, measure, taken_on)
    before = status_now(measure)
    reading = Reading(measure=measure, taken_on=taken_on, value=value, note=note, recorded_by=actor)
    session.add(reading)
    record(
        session,
        actor,
        Verb.READING_RECORDED,
        subject=measure.name,
        product=measure.product,
        after=reading_text(measure, value, taken_on),
    )
    record_slip(session, actor, measure, before)
    return reading


def correct_reading(
    session: Session,
    actor: User,
    reading: Reading,
    *,
    taken_on: date,
    value: float,
    note: str | None,
) -> ReadingCorrection | None:
    """Change a reading's date, value or note, keeping the old ones in a
    ReadingCorrection; None (and nothing recorded) when nothing changes."""
    measure = reading.measure
    old = (reading.taken_on, reading.value, reading.note)
    if old == (taken_on, value, note):
        return None
    if taken_on != reading.taken_on:
        _check_date_free(session, measure, taken_on, but=reading)
    before = status_now(measure)
    reading.taken_on, reading.value, reading.note = taken_on, value, note
    correction = ReadingCorrection(
        measure=measure,
        reading=reading,
        kind=CorrectionKind.CORRECTED,
        old_taken_on=old[0],
        old_value=old[1],
        old_note=old[2],
        new_taken_on=taken_on,
        new_value=value,
        new_note=note,
        corrected_by=actor,
    )
    session.add(correction)
    notes_differ = old[2] != note
    record(
        session,
        actor,
        Verb.READING_CORRECTED,
        subject=measure.name,
        product=measure.product,
        before=reading_text(measure, old[1], old[0], old[2] if notes_differ else None),
        after=reading_text(measure, value, taken_on, note if notes_differ else None),
    )
    record_slip(session, actor, measure, before)
    return correction


def put_reading(
    session: Session,
    actor: User,
    measure: SuccessMeasure,
    *,
    taken_on: date,
    value: float,
    note: str | None,
) -> tuple[Reading, bool]:
    """The measure's reading on `taken_on` set to `value` and `note`: recorded
    when there is none (True), else corrected with its history kept (False;
    nothing recorded when it already says so). The API's PUT."""
    reading = next((r for r in measure.readings if r.taken_on == taken_on), None)
    if reading is None:
        return record_reading(
            session, actor, measure, taken_on=taken_on, value=value, note=note
        ), True
    correct_reading(session, actor, reading, taken_on=taken_on, value=value, note=note)
    return reading, False


def delete_reading(session: Session, actor: User, reading: Reading) -> ReadingCorrection:
    """Remove a reading; a ReadingCorrection keeps what it said and who removed it."""
    measure = reading.measure
    before = status_now(measure)
    correction = ReadingCorrection(
        measure=measure,
        kind=CorrectionKind.DELETED,
        old_taken_on=reading.taken_on,
        old_value=reading.value,
        old_note=reading.note,
        corrected_by=actor,
    )
    session.add(correction)
    text = reading_text(measure, reading.value, reading.taken_on)
    measure.readings.remove(reading)  # delete-orphan: the row goes at the flush
    record(
        session,
        actor,
        Verb.READING_DELETED,
        subject=measure.name,
        product=measure.product,
        before=text,
    )
    record_slip(session, actor, measure, before)
    return correction


SLIPPED = frozenset({MeasureStatus.AT_RISK, MeasureStatus.OFF_TRACK})


def record_slip(
    session: Session, actor: User, measure: SuccessMeasure, before: MeasureStatus
) -> None:
    """MEASURE_SLIPPED when a change to the readings made the measure at risk or
    off track and worse than `before` (its status before the change)."""
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


def status_now(measure: SuccessMeasure) -> MeasureStatus:
    """The measure's status from its latest reading by date (the list may
    hold a reading just added, or changed, out of order)."""
    latest = max(measure.readings, key=lambda reading: reading.taken_on, default=None)
    return measure_status(
        baseline=measure.baseline,
        target=measure.target,
        baseline_date=measure.baseline_date,
        target_date=measure.target_date,
        latest_value=latest.value if latest else None,
        today=date.today(),
    )
