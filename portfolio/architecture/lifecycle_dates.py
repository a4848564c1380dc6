"""A product's lifecycle dates: planned and actual days of its phase-in, going
live, phase-out and end of life, and the vendor's end of support of a bought
or hybrid product — what the portfolio timeline draws.

`lifecycle_date_problems` is the rule the form and `save_lifecycle_dates`
share: it returns the problems by field name, or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portfolio.activity.trail import record
from portfolio.models import Product, Sourcing, Stage, User, Verb
from portfolio.queries import Top, first_rows

# The milestones in the order they happen, each planned and actual.
MILESTONES = (
    ("phase_in", "Phase-in"),
    ("live", "Live"),
    ("phase_out", "Phase-out"),
    ("end_of_life", "End of life"),
)
KINDS = (("planned", "planned"), ("actual", "actual"))
END_OF_SUPPORT = "end_of_support"
# Every date field, in the order forms and the trail list them, with its label.
DATE_FIELDS: dict[str, str] = {
    f"{milestone}_{kind}": f"{label} ({kind_label})"
    for milestone, label in MILESTONES
    for kind, kind_label in KINDS
} | {END_OF_SUPPORT: "End of vendor support"}
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
SUPPORT_WARNING_DAYS = 365  # end of support this close (or passed) is flagged


class InvalidLifecycleDates(ValueError):
    """Dates that break the rules; `problems` by field name."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def dates_of(product: Product) -> dict[str, date | None]:
    return {name: getattr(product, name) for name in DATE_FIELDS}


def lifecycle_date_problems(sourcing: Sourcing, dates: Mapping[str, date | None]) -> dict[str, str]:
    """Each date from 1990 to 2100; within the planned dates and within the
    actual ones, phase-in ≤ live ≤ phase-out ≤ end of life (the ones given);
    an end of support only for bought and hybrid products."""
    problems: dict[str, str] = {}
    for name in DATE_FIELDS:
        day = dates.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            problems[name] = f"Choose a date from {EARLIEST.year} to {LATEST.year}."
    for kind, kind_label in KINDS:
        earlier: tuple[str, date] | None = None
        for milestone, label in MILESTONES:
            name = f"{milestone}_{kind}"
            day = dates.get(name)
            if day is None or name in problems:
                continue
            if earlier is not None and day < earlier[1]:
                before = DATE_FIELDS[earlier[0]].split(" (")[0].lower()
                problems[name] = (
                    f"{label} ({kind_label}) cannot come before the {before} "
                    f"({kind_label}) on {earlier[1]:%d %b %Y}."
                )
                continue
            earlier = (name, day)
    if dates.get(END_OF_SUPPORT) is not None and sourcing is Sourcing.BUILT:
        problems[END_OF_SUPPORT] = (
            "A product built in-house has no vendor support to end: leave this empty."
        )
    return problems


def _day(day: date | None) -> str:
    return f"{day:%d %b %Y}" if day else "—"


def save_lifecycle_dates(
    session: Session, actor: User, product: Product, **dates: date | None
) -> list[str]:
    """Set the given dates (the others stay), checked together with the ones
    kept; record `lifecycle_dates_saved` with what changed. Returns the names
    of the dates that changed (none: nothing recorded)."""
    unknown = dates.keys() - DATE_FIELDS.keys()
    if unknown:
        raise TypeError(f"not a lifecycle date: {', '.join(sorted(unknown))}")
    merged = dates_of(product) | dates
    problems = lifecycle_date_problems(product.sourcing, merged)
    if problems:
        raise InvalidLifecycleDates(problems)
    changed = [name for name in DATE_FIELDS if merged[name] != getattr(product, name)]
    if not changed:
        return []
    before = "; ".join(f"{DATE_FIELDS[name]} {_day(getattr(product, name))}" for name in changed)
    for name in changed:
        setattr(product, name, merged[name])
    after = "; ".join(f"{DATE_FIELDS[name]} {_day(merged[name])}" for name in changed)
    record(
        session,
        actor,
        Verb.LIFECYCLE_DATES_SAVED,
        subject=product.name,
        product=product,
        before=before,
        after=after,
    )
    return changed


# End of vendor support -------------------------------------------------------------


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 when less than a month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class SupportWarning:
    """The vendor's support ends within SUPPORT_WARNING_DAYS, or has ended."""

    ends_on: date
    today: date

    @property
    def ended(self) -> bool:
        return self.ends_on < self.today

    @property
    def text(self) -> str:
        if self.ended:
            return f"Vendor support ended on {self.ends_on:%d %b %Y}"
        months = months_between(self.today, self.ends_on)
        if months == 0:
            days = (self.ends_on - self.today).days
            when = "today" if days == 0 else f"in {days} day{'' if days == 1 else 's'}"
        else:
            when = f"in {months} month{'' if months == 1 else 's'}"
        return f"End of vendor support {when} ({self.ends_on:%d %b %Y})"


def support_warning(product: Product, today: date) -> SupportWarning | None:
    """The warning a product page and the timeline show, or None (no end of
    support recorded, more than a year away, or the product is retired or
    built in-house)."""
    ends_on = product.end_of_support
    if ends_on is None or product.is_retired or not product.has_contract_terms:
        return None
    if ends_on > today + timedelta(days=SUPPORT_WARNING_DAYS):
        return None
    return SupportWarning(ends_on, today)


def support_ending(session: Session, today: date, limit: int) -> Top:
    """Products still in use, bought or hybrid, whose vendor support ends
    within SUPPORT_WARNING_DAYS (or has ended): the soonest first, the first
    `limit` of them and how many there are (two queries)."""
    query = (
        sa.select(Product)
        .where(
            Product.end_of_support.is_not(None),
            Product.end_of_support <= today + timedelta(days=SUPPORT_WARNING_DAYS),
            Product.stage != Stage.RETIRED,
            Product.sourcing != Sourcing.BUILT,
        )
        .order_by(Product.end_of_support, sa.func.lower(Product.name), Product.id)
    )
    return first_rows(session, query, limit, scalars=True)
