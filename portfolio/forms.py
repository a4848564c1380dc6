"""Validators and fields shared by every blueprint's forms."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from wtforms import DateField, DecimalField, FloatField, IntegerField, StringField
from wtforms.validators import NumberRange, Optional, StopValidation, ValidationError

from portfolio.extensions import db
from portfolio.filters import parse_id
from portfolio.models import Role, User

HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

# The largest whole number of people or seats, and the largest amount of money,
# a form (or a CSV import using the same limits) accepts.
MAX_COUNT = 10_000_000
MAX_AMOUNT = 10**11

# Every number a person types stays within what its unit can mean: no reading,
# cost or promise is a trillion, and a divisor is never effectively zero.
MAX_MAGNITUDE = 1e12
MIN_DIVISOR = 1e-6
NOT_ORDINARY = "Enter an ordinary number."
TOO_LARGE = "Enter a number between −1,000,000,000,000 and 1,000,000,000,000."
TOO_SMALL = "Too close to zero to measure against: enter at least 0.000001."


def number_problem(value: float, *, divisor: bool = False) -> str | None:
    """What is wrong with a typed number, or None: not finite, more than
    MAX_MAGNITUDE either way, or (a `divisor`) nearer zero than MIN_DIVISOR.
    The one rule for the forms (Finite, Bounded) and the CSV import."""
    if not math.isfinite(value):
        return NOT_ORDINARY
    if abs(value) > MAX_MAGNITUDE:
        return TOO_LARGE
    if divisor and abs(value) < MIN_DIVISOR:
        return TOO_SMALL
    return None


class HttpUrl:
    """Only http(s) links: a `javascript:` or `data:` URL must never reach an href."""

    def __call__(self, form, field) -> None:
        if field.data and not HTTP_URL.match(field.data.strip()):
            raise ValidationError("Enter a full web address starting with https:// or http://.")


class Finite:
    """Reject NaN and infinity, which float() accepts from text like 'nan'."""

    def __call__(self, form, field) -> None:
        if field.data is not None and number_problem(float(field.data)) == NOT_ORDINARY:
            raise ValidationError(NOT_ORDINARY)


class NotInFuture:
    """A date no later than tomorrow (a day of grace for time zones)."""

    def __init__(self, grace_days: int = 1) -> None:
        self.grace = timedelta(days=grace_days)

    def __call__(self, form, field) -> None:
        if field.data and field.data > date.today() + self.grace:
            raise ValidationError(
                "This date is in the future; record readings once they are taken."
            )


def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_if_blank(value):
    value = strip(value)
    return value or None


class TextField(StringField):
    """A string field that trims what was typed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", [strip])
        super().__init__(*args, **kwargs)


class OptionalTextField(StringField):
    """A trimmed string field that stores None when left empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", [none_if_blank])
        validators = list(kwargs.pop("validators", []) or [])
        super().__init__(*args, validators=[Optional(), *validators], **kwargs)


def count_field(label: str, **kwargs) -> IntegerField:
    """A whole number of people or seats: 0 or more."""
    return IntegerField(
        label,
        validators=[
            NumberRange(min=0, max=MAX_COUNT, message="Enter 0 or a positive whole number."),
            *kwargs.pop("validators", []),
        ],
        **kwargs,
    )


class Bounded:
    """|x| ≤ MAX_MAGNITUDE; with `divisor`, also |x| ≥ MIN_DIVISOR."""

    def __init__(self, divisor: bool = False) -> None:
        self.divisor = divisor

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        problem = number_problem(float(field.data), divisor=self.divisor)
        if problem is not None and problem != NOT_ORDINARY:  # Finite() says that one
            raise ValidationError(problem)


def number_field(label: str, *, divisor: bool = False, **kwargs) -> FloatField:
    """A finite number of at most a trillion either way; with `divisor`, one
    that other numbers are divided by, so never (nearly) zero."""
    return FloatField(
        label,
        validators=[*kwargs.pop("validators", []), Finite(), Bounded(divisor=divisor)],
        **kwargs,
    )


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinity as it reads them: Decimal
    takes "sNaN", which no comparison (NumberRange) survives."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(NOT_ORDINARY)

    def pre_validate(self, form) -> None:
        if self.process_errors:  # one message: not also "enter an amount of 0 or more"
            raise StopValidation()


def money_field(label: str, **kwargs) -> DecimalField:
    return FiniteDecimalField(
        label,
        places=2,
        validators=[
            NumberRange(min=0, max=MAX_AMOUNT, message="Enter an amount of 0 or more."),
            *kwargs.pop("validators", []),
        ],
        **kwargs,
    )


def date_field(label: str, **kwargs) -> DateField:
    return DateField(label, format="%Y-%m-%d", **kwargs)


# Choices and coercion shared by several blueprints' select fields ----------------


def owner_choices() -> list[tuple[str, str]]:
    people = db.session.execute(
        sa.select(User.id, User.display_name)
        .where(User.role.in_([Role.PM, Role.ADMIN]), User.active.is_(True))
        .order_by(User.display_name)
    )
    return [("", "— no owner —")] + [(str(id_), name) for id_, name in people]


def optional_int(value):
    """An id from a select: empty means none; anything outside the id range is invalid."""
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number
