"""The review box's forms: "Still accurate", and the review cadence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import AnyOf, InputRequired, NumberRange
from wtforms.widgets import NumberInput

from portfolio.models.catalogue import MAX_REVIEW_MONTHS

# Where a "Still accurate" button sits, hence what it redraws: the product
# page's review box, or a row of the reviews list.
BACK_TO = ("product", "reviews")


class ConfirmReviewForm(FlaskForm):
    back = HiddenField(default="product", validators=[AnyOf(BACK_TO)])


class CadenceForm(FlaskForm):
    review_every_months = IntegerField(
        "Review every (months)",
        widget=NumberInput(min=1, max=MAX_REVIEW_MONTHS, step=1),
        validators=[
            InputRequired(message=f"Enter a number of months from 1 to {MAX_REVIEW_MONTHS}."),
            NumberRange(
                min=1,
                max=MAX_REVIEW_MONTHS,
                message=f"Enter a number of months from 1 to {MAX_REVIEW_MONTHS}.",
            ),
        ],
    )
