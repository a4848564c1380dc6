"""Validators and fields shared by every blueprint's forms."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from wtforms import DateField, DecimalField, FloatField, IntegerField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class HttpUrl:
    """Only http(s) links: a `javascript:` or `data:` URL must never reach an href."""

    def __call__(self, form, field) -> None:
        if field.data and not HTTP_URL.match(field.data.strip()):
            raise ValidationError("Enter a full web address starting with https:// or http://.")


class Finite:
    """Reject NaN and infinity, which float() accepts from text like 'nan'."""

    def __call__(self, form, field) -> None:
        if field.data is not None and not math.isfinite(float(field.data)):
            raise ValidationError("Enter an ordinary number.")


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
            NumberRange(min=0, max=10_000_000, message="Enter 0 or a positive whole number."),
            *kwargs.pop("validators", []),
        ],
        **kwargs,
    )


def number_field(label: str, **kwargs) -> FloatField:
    return FloatField(label, validators=[*kwargs.pop("validators", []), Finite()], **kwargs)


def money_field(label: str, **kwargs) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[
            NumberRange(min=0, max=10**11, message="Enter an amount of 0 or more."),
            *kwargs.pop("validators", []),
        ],
        **kwargs,
    )


def date_field(label: str, **kwargs) -> DateField:
    return DateField(label, format="%Y-%m-%d", **kwargs)
