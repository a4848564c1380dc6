"""Fit assessments: each product's latest one is its current fit and TIME."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.models import FitAssessment


def latest_fits(session: Session, product_ids: Iterable[int]) -> dict[int, FitAssessment]:
    """Each product's latest assessment (by date, then by id), in one query;
    products never assessed are absent."""
    ids = list(product_ids)
    if not ids:
        return {}
    newest = (
        sa.select(
            FitAssessment.id,
            sa.func.row_number()
            .over(
                partition_by=FitAssessment.product_id,
                order_by=(FitAssessment.assessed_on.desc(), FitAssessment.id.desc()),
            )
            .label("place"),
        )
        .where(FitAssessment.product_id.in_(ids))
        .subquery()
    )
    rows = session.execute(
        sa.select(FitAssessment)
        .join(newest, newest.c.id == FitAssessment.id)
        .where(newest.c.place == 1)
    ).scalars()
    return {assessment.product_id: assessment for assessment in rows}
