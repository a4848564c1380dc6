"""The history of a success measure: its readings and their corrections, each
list newest first, with who did what loaded in the same statement (a page
issues the same queries for one row or thousands)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from portfolio.models import Product, Reading, ReadingCorrection, SuccessMeasure

READINGS_PER_PAGE = 50
CORRECTIONS_PER_PAGE = 50


def measure_header(slug: str, measure_id: int) -> sa.Select:
    """A measure of the product `slug` (none, so 404, for another product's),
    without its readings: the history pages them."""
    return (
        sa.select(SuccessMeasure)
        .join(SuccessMeasure.product)
        .where(Product.slug == slug, SuccessMeasure.id == measure_id)
        .options(contains_eager(SuccessMeasure.product))
    )


def reading_of(slug: str, measure_id: int, reading_id: int) -> sa.Select:
    """A reading of the measure `measure_id` of the product `slug`, with the
    measure's readings (its status before and after a change); none (404) when
    the reading belongs to another measure or the measure to another product."""
    return (
        sa.select(Reading)
        .join(Reading.measure)
        .join(SuccessMeasure.product)
        .where(
            Product.slug == slug,
            SuccessMeasure.id == measure_id,
            Reading.id == reading_id,
        )
        .options(
            contains_eager(Reading.measure).contains_eager(SuccessMeasure.product),
            contains_eager(Reading.measure).selectinload(SuccessMeasure.readings),
        )
    )


def readings_newest_first(measure_id: int) -> sa.Select:
    return (
        sa.select(Reading)
        .where(Reading.measure_id == measure_id)
        .options(joinedload(Reading.recorded_by))
        .order_by(Reading.taken_on.desc(), Reading.id.desc())
    )


def corrections_newest_first(measure_id: int) -> sa.Select:
    return (
        sa.select(ReadingCorrection)
        .where(ReadingCorrection.measure_id == measure_id)
        .options(joinedload(ReadingCorrection.corrected_by))
        .order_by(ReadingCorrection.corrected_at.desc(), ReadingCorrection.id.desc())
    )
