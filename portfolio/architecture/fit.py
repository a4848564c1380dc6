"""Fit assessments: each product's latest one is its current fit and TIME."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import FitAssessment, Product, TimeClass

# A fit of GOOD_FIT or more is good (models/architecture.py `time_class`).
GOOD_FIT = 3


def latest_assessment_ids(product_ids: Iterable[int] | None = None) -> sa.Subquery:
    """A subquery of the id and product id of each product's latest assessment
    (by date, then by id) — of the listed products, or of every product."""
    numbered = sa.select(
        FitAssessment.id,
        FitAssessment.product_id,
        sa.func.row_number()
        .over(
            partition_by=FitAssessment.product_id,
            order_by=(FitAssessment.assessed_on.desc(), FitAssessment.id.desc()),
        )
        .label("place"),
    )
    if product_ids is not None:
        numbered = numbered.where(FitAssessment.product_id.in_(list(product_ids)))
    numbered = numbered.subquery()
    return (
        sa.select(numbered.c.id, numbered.c.product_id)
        .where(numbered.c.place == 1)
        .subquery("latest_fit")
    )


def latest_fits(session: Session, product_ids: Iterable[int]) -> dict[int, FitAssessment]:
    """Each product's latest assessment (by date, then by id), in one query;
    products never assessed are absent."""
    ids = list(product_ids)
    if not ids:
        return {}
    latest = latest_assessment_ids(ids)
    rows = session.execute(
        sa.select(FitAssessment).join(latest, latest.c.id == FitAssessment.id)
    ).scalars()
    return {assessment.product_id: assessment for assessment in rows}


def time_class_condition(time: TimeClass) -> sa.ColumnElement[bool]:
    """Whether an assessment's fits put it in the TIME class `time` (SQL for
    `time_class`)."""
    functional_good = FitAssessment.functional_fit >= GOOD_FIT
    technical_good = FitAssessment.technical_fit >= GOOD_FIT
    return {
        TimeClass.INVEST: sa.and_(functional_good, technical_good),
        TimeClass.MIGRATE: sa.and_(functional_good, sa.not_(technical_good)),
        TimeClass.TOLERATE: sa.and_(sa.not_(functional_good), technical_good),
        TimeClass.ELIMINATE: sa.and_(sa.not_(functional_good), sa.not_(technical_good)),
    }[time]


def products_in_time_class(time: TimeClass | None) -> sa.ColumnElement[bool]:
    """A condition on `Product`: its latest assessment is in `time` (None: it
    was never assessed). One subquery, evaluated by the database."""
    if time is None:
        return Product.id.not_in(sa.select(FitAssessment.product_id))
    latest = latest_assessment_ids()
    return Product.id.in_(
        sa.select(latest.c.product_id)
        .join(FitAssessment, FitAssessment.id == latest.c.id)
        .where(time_class_condition(time))
    )
