"""The forms of a product's end of life: the successor select (on the
product form and the retire page) and the retire confirmation."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from portfolio.architecture.impact import Impact, impact_of_retiring
from portfolio.catalogue.lifecycle import (
    REASON_LENGTH,
    RETIRE_AHEAD_DAYS,
    retirement_date_problem,
    successor_problem,
)
from portfolio.extensions import db
from portfolio.forms import date_field, strip
from portfolio.models import Product
from portfolio.selects import SearchSelectField, product_source

CONFIRM_LABEL = "I have read what this affects, and I still want to go ahead"
CONFIRM_MESSAGE = "Tick the box to confirm: {name} still has what is listed above."


def confirm_impact_field() -> BooleanField:
    """The explicit confirmation a move to sunsetting or retired asks for when
    the product still has something it would affect (`architecture/impact.py`)."""
    return BooleanField(CONFIRM_LABEL)


def impact_confirmation_problem(impact: Impact | None, confirmed: bool) -> str | None:
    if impact is None or impact.empty or confirmed:
        return None
    return CONFIRM_MESSAGE.format(name=impact.product.name)


class ImpactConfirmForm(Form):
    """The confirmation alone, as the product form's stage select fetches it
    with htmx (the box then posts with the product form)."""

    confirm_impact = confirm_impact_field()


SUCCESSOR_HELP = "Optional: the product its users move to (another product, not retired)."


class SuccessorField(SearchSelectField):
    """A product other than the form's `product`, not retired. The select
    offers only those; a posted id outside them (itself, a retired product)
    gets a message saying why rather than "not a valid choice"."""

    product: Product | None = None

    def __init__(self, label="Replaced by", validators=None, **kwargs):
        kwargs.setdefault("description", SUCCESSOR_HELP)
        super().__init__(label, validators, source=product_source, placeholder="— none —", **kwargs)

    def for_product(self, product: Product | None) -> None:
        self.product = product
        if product is not None:
            self.source = product_source(excluding=product.id)

    def pre_validate(self, form) -> None:
        if self.data is not None and not self.search and not self.process_errors:
            successor = db.session.get(Product, self.data)
            if successor is None:
                raise StopValidation("That product no longer exists: choose another one.")
            problem = successor_problem(self.product, successor)
            if problem:
                raise StopValidation(problem)
        super().pre_validate(form)

    @property
    def product_chosen(self) -> Product | None:
        return db.session.get(Product, self.data) if self.data is not None else None


class RetireForm(FlaskForm):
    reason = TextAreaField(
        "Why is it retired?",
        filters=[strip],
        validators=[
            DataRequired(message="Say why it is retired: its page will show it."),
            Length(max=REASON_LENGTH, message=f"Keep it under {REASON_LENGTH} characters."),
        ],
        description="Shown on its page, e.g. “Replaced by the new CRM; contract ended.”",
    )
    retired_on = date_field(
        "Retired on",
        default=date.today,
        validators=[InputRequired(message="Enter the date it is retired on.")],
        description=f"Today, or the day it is switched off (up to {RETIRE_AHEAD_DAYS} days ahead).",
    )
    successor_id = SuccessorField()
    confirm_impact = confirm_impact_field()

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.successor_id.for_product(product)
        # The page shows what retiring affects before the PM confirms.
        self.impact = impact_of_retiring(db.session, product)

    def validate_confirm_impact(self, field) -> None:
        problem = impact_confirmation_problem(self.impact, field.data)
        if problem:
            raise ValidationError(problem)

    def validate_retired_on(self, field) -> None:
        if field.data is None:  # not a date: the field says so already
            return
        problem = retirement_date_problem(self.product, field.data, date.today())
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        return {
            "reason": self.reason.data,
            "retired_on": self.retired_on.data,
            "successor": self.successor_id.product_chosen,
        }
