"""Review cadence: every product is confirmed "still accurate" on a schedule.

A product is due for review `review_every_months` calendar months (1–36,
default 6) after it was last reviewed — or after it was created, if it never
was. A month later than the last day of a shorter month ends on that month's
last day (31 Aug + 6 months is 28 Feb, or 29 Feb in a leap year). A product is
overdue once its due date is past (due today is still on time). Retired
products are not reviewed and count nowhere.

Who reviews: the product's owner — whatever their role, since they answer for
the entry — and anyone who may edit the catalogue (PMs, admins), who can
change the entry anyway. Saving the product form with a change counts as a
review too (`catalogue.products.edit_product`); a save that changes nothing
records nothing, and edits of other sections (measures, stakeholders…) do not.

No due date is stored. The dashboard's figure and the overdue list are
computed in SQL with a constant number of statements, portably across SQLite
and PostgreSQL, without month arithmetic in SQL: the cadence has only
MAX_REVIEW_MONTHS possible values, so for each cadence Python works out the
earliest review date that is still on time today (`earliest_on_time`) and the
query compares the product's review date with a CASE over the cadence. The
overdue list sorts by due date with (year × 12 + month + cadence, day), which
orders exactly as the clamped due date does.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portfolio.activity.trail import record
from portfolio.catalogue.changes import record_changes
from portfolio.models import Product, Stage, User, Verb
from portfolio.models.catalogue import MAX_REVIEW_MONTHS

DUE_SOON_DAYS = 30  # "due soon" on the reviews page: due within this many days


class ReviewRefused(ValueError):
    """A review the rules do not allow (a retired product, a cadence out of bounds)."""


class NotYourProduct(PermissionError):
    """Only the product's owner or the product team confirm an entry."""


# Dates ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative: back), on the same day
    of the month, or the target month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_base(product: Product) -> date:
    """The date the cadence runs from: the last review, or the creation."""
    if product.reviewed_on is not None:
        return product.reviewed_on
    return product.created_at.date() if product.created_at else date.today()


def due_on(product: Product) -> date:
    return add_months(review_base(product), product.review_every_months)


def earliest_on_time(today: date, months: int) -> date:
    """The earliest review date whose due date (that date + `months`) is not
    before `today`. `add_months` never decreases as the date grows, so this
    is the first day from a few days before `today` − `months` on that qualifies."""
    day = add_months(today, -months) - timedelta(days=3)
    while add_months(day, months) < today:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class ReviewStatus:
    """Where one product stands: what its page and the reviews list say."""

    product: Product
    base: date  # last reviewed, or created
    due: date
    today: date

    @property
    def never_reviewed(self) -> bool:
        return self.product.reviewed_on is None

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def due_soon(self) -> bool:
        return not self.overdue and (self.due - self.today).days <= DUE_SOON_DAYS

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.due).days, 0)

    @property
    def months_ago(self) -> int:
        """Whole calendar months since the last review (0: this month)."""
        months = (self.today.year - self.base.year) * 12 + self.today.month - self.base.month
        if self.today.day < self.base.day:
            months -= 1
        return max(months, 0)

    @property
    def ago(self) -> str:
        """'today', '12 days ago', '3 months ago'."""
        days = (self.today - self.base).days
        if days <= 0:
            return "today"
        if days == 1:
            return "yesterday"
        months = self.months_ago
        if months < 1:
            return f"{days} days ago"
        return "1 month ago" if months == 1 else f"{months} months ago"


def review_status(product: Product, today: date) -> ReviewStatus:
    base = review_base(product)
    return ReviewStatus(product, base, add_months(base, product.review_every_months), today)


# Changes -------------------------------------------------------------------------


def may_review(user: User, product: Product) -> bool:
    """The owner, or whoever may edit the catalogue."""
    if not user.is_authenticated:
        return False
    return product.owner_id == user.id or user.can("edit_catalogue")


def mark_reviewed(product: Product, actor: User | None, today: date) -> None:
    """Set the review date and reviewer (no trail entry: the caller records one)."""
    product.reviewed_on = today
    product.reviewed_by = actor


def confirm_accurate(
    session: Session, actor: User, product: Product, today: date | None = None
) -> bool:
    """The actor confirms the entry is still accurate: reviewed today, by
    them, recorded as `product_reviewed`. Confirming again the same day by
    the same person records nothing (a double click). Returns whether it
    recorded a review."""
    today = today or date.today()
    if not may_review(actor, product):
        raise NotYourProduct(f"Only the owner or a product manager reviews {product.name}.")
    if product.is_retired:
        raise ReviewRefused(f"{product.name} is retired: it is no longer reviewed.")
    if product.reviewed_on == today and product.reviewed_by_id == actor.id:
        return False
    before = product.reviewed_on
    mark_reviewed(product, actor, today)
    record(
        session,
        actor,
        Verb.PRODUCT_REVIEWED,
        subject=product.name,
        product=product,
        before=f"last reviewed {before:%d %b %Y}" if before else "never reviewed",
        after=f"next review due {due_on(product):%d %b %Y}",
    )
    return True


def set_cadence(session: Session, actor: User, product: Product, months: int) -> None:
    """Review the product every `months` calendar months (1–MAX_REVIEW_MONTHS);
    recorded as an edit of the product. Not a review in itself."""
    if not 1 <= months <= MAX_REVIEW_MONTHS:
        raise ReviewRefused(f"Choose from 1 to {MAX_REVIEW_MONTHS} months.")
    before = {"review_every": cadence_text(product.review_every_months)}
    product.review_every_months = months
    record_changes(
        session,
        actor,
        Verb.PRODUCT_EDITED,
        before=before,
        after={"review_every": cadence_text(months)},
        subject=product.name,
        product=product,
    )


def cadence_text(months: int) -> str:
    return f"{months} month{'' if months == 1 else 's'}"


# Queries -------------------------------------------------------------------------


def base_column() -> sa.ColumnElement:
    """SQL: the date the cadence runs from (the last review, or the creation day)."""
    return sa.func.coalesce(Product.reviewed_on, sa.func.date(Product.created_at, type_=sa.Date))


def _cutoffs(day: date) -> sa.Case:
    """SQL: the earliest review date still on time on `day`, for the product's cadence."""
    return sa.case(
        {
            months: sa.literal(earliest_on_time(day, months), sa.Date)
            for months in range(1, MAX_REVIEW_MONTHS + 1)
        },
        value=Product.review_every_months,
    )


def on_time(today: date) -> sa.ColumnElement[bool]:
    """SQL: due today or later."""
    return base_column() >= _cutoffs(today)


def overdue(today: date) -> sa.ColumnElement[bool]:
    """SQL: due before today."""
    return base_column() < _cutoffs(today)


def due_by(day: date) -> sa.ColumnElement[bool]:
    """SQL: due on `day` or earlier."""
    return base_column() < _cutoffs(day + timedelta(days=1))


def due_order() -> tuple[sa.ColumnElement, ...]:
    """SQL: the earliest due date first (products due the same day by the day
    of the month they were last reviewed, then name, then id)."""
    base = base_column()
    month = sa.extract("year", base) * 12 + sa.extract("month", base) + Product.review_every_months
    return (month, sa.extract("day", base), Product.name, Product.id)


def reviewed_products() -> sa.ColumnElement[bool]:
    """SQL: the products under review — all but the retired."""
    return Product.stage != Stage.RETIRED


@dataclass(frozen=True)
class ReviewSummary:
    total: int
    on_time: int

    @property
    def overdue(self) -> int:
        return self.total - self.on_time

    @property
    def percent(self) -> int | None:
        """Reviewed on time, as a whole percentage (rounded down, so 100 % means all);
        None for an empty catalogue."""
        if not self.total:
            return None
        return self.on_time * 100 // self.total


def review_summary(session: Session, today: date, *, owner_id: int | None = None) -> ReviewSummary:
    """How many products (not retired; of `owner_id`, or all) are reviewed on
    time, in one statement."""
    query = sa.select(
        sa.func.count(Product.id),
        sa.func.coalesce(sa.func.sum(sa.case((on_time(today), 1), else_=0)), 0),
    ).where(reviewed_products())
    if owner_id is not None:
        query = query.where(Product.owner_id == owner_id)
    total, timely = session.execute(query).one()
    return ReviewSummary(total=int(total), on_time=int(timely))


def due_for_review(today: date, *, owner_id: int | None = None) -> sa.Select:
    """Products overdue or due within DUE_SOON_DAYS (of `owner_id`, or all),
    the earliest due first: for `paginate`."""
    query = (
        sa.select(Product)
        .where(reviewed_products(), due_by(today + timedelta(days=DUE_SOON_DAYS)))
        .options(joinedload(Product.owner), joinedload(Product.reviewed_by))
        .order_by(*due_order())
    )
    if owner_id is not None:
        query = query.where(Product.owner_id == owner_id)
    return query
