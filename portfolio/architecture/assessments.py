"""Assessing a product's fit: a PM's functional and technical fit (1–4) on a
day, with a note. The latest assessment is the product's current fit and TIME
class; the earlier ones are its history.

`assessment_problems` is the rule the form and `assess` share: it returns the
problems by field name, or nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.models import (
    FIT_LABELS,
    MAX_FIT,
    MIN_FIT,
    FitAssessment,
    Product,
    TimeClass,
    User,
    Verb,
    time_class,
)
from portfolio.queries import Top, first_rows

NOTE_LENGTH = 500  # FitAssessment.note
# Fit was not assessed before the catalogue's era; an earlier year is a typo.
EARLIEST_ASSESSMENT = date(2000, 1, 1)
HISTORY_ROWS = 20  # assessments listed on the product page, newest first
# What each TIME class advises, in a few words.
TIME_ADVICE = {
    TimeClass.INVEST: "good on both: keep investing",
    TimeClass.MIGRATE: "does the job on a weak platform: move it to a sound one",
    TimeClass.TOLERATE: "technically sound but a poor fit: live with it, invest little",
    TimeClass.ELIMINATE: "weak on both: plan its end",
}


class InvalidAssessment(ValueError):
    """An assessment that breaks the rules; `problems` by field name."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def fit_text(fit: int) -> str:
    """'3 (Good)'."""
    return f"{fit} ({FIT_LABELS[fit]})"


def describe(functional_fit: int, technical_fit: int) -> str:
    """'Functional 3, technical 2 (Migrate)': what the trail records."""
    time = time_class(functional_fit, technical_fit)
    return f"Functional {functional_fit}, technical {technical_fit} ({time.label})"


def assessment_problems(
    functional_fit: object, technical_fit: object, assessed_on: object, note: str, today: date
) -> dict[str, str]:
    problems = {}
    for name, fit in (("functional_fit", functional_fit), ("technical_fit", technical_fit)):
        if not isinstance(fit, int) or isinstance(fit, bool) or not MIN_FIT <= fit <= MAX_FIT:
            problems[name] = f"Choose a fit from {MIN_FIT} to {MAX_FIT}."
    if not isinstance(assessed_on, date):
        problems["assessed_on"] = "Enter the day of the assessment."
    elif assessed_on > today:
        problems["assessed_on"] = "This date is in the future: assess on or before today."
    elif assessed_on < EARLIEST_ASSESSMENT:
        problems["assessed_on"] = f"Choose a date from {EARLIEST_ASSESSMENT:%d %b %Y} on."
    if len(note) > NOTE_LENGTH:
        problems["note"] = f"Keep the note under {NOTE_LENGTH} characters."
    return problems


def assess(
    session: Session,
    actor: User,
    product: Product,
    *,
    functional_fit: int,
    technical_fit: int,
    assessed_on: date,
    note: str = "",
    today: date | None = None,
) -> FitAssessment:
    """Record a new assessment of `product` (its history keeps the earlier
    ones) and `fit_assessed` on the trail, with the product's previous fit
    as `before` when it had one."""
    note = (note or "").strip()
    problems = assessment_problems(
        functional_fit, technical_fit, assessed_on, note, today or date.today()
    )
    if problems:
        raise InvalidAssessment(problems)
    previous = current_fit(session, product.id)
    assessment = FitAssessment(
        product=product,
        functional_fit=functional_fit,
        technical_fit=technical_fit,
        assessed_on=assessed_on,
        note=note,
        assessed_by=actor,
    )
    session.add(assessment)
    record(
        session,
        actor,
        Verb.FIT_ASSESSED,
        subject=product.name,
        product=product,
        before=describe(previous.functional_fit, previous.technical_fit) if previous else None,
        after=f"{describe(functional_fit, technical_fit)} on {assessed_on:%d %b %Y}",
    )
    return assessment


def newest_first(product_id: int) -> sa.Select:
    """A product's assessments, newest first (the first is its current fit)."""
    return (
        sa.select(FitAssessment)
        .where(FitAssessment.product_id == product_id)
        .order_by(FitAssessment.assessed_on.desc(), FitAssessment.id.desc())
    )


def current_fit(session: Session, product_id: int) -> FitAssessment | None:
    return session.execute(newest_first(product_id).limit(1)).scalar_one_or_none()


def fit_history(session: Session, product_id: int, limit: int = HISTORY_ROWS) -> Top:
    """The product's latest `limit` assessments, newest first (with who made
    them), and how many there are: two queries, however long the history."""
    return first_rows(
        session,
        newest_first(product_id).options(joinedload(FitAssessment.assessed_by)),
        limit,
        scalars=True,
    )
