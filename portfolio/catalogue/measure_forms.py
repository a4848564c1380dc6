"""The forms of success measures: a measure's definition and a reading (new
or corrected). Lengths and ranges come from `catalogue/limits.py`."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portfolio.catalogue import limits
from portfolio.catalogue.measures import (
    definition_problems,
    format_measure_value,
    is_far_outside,
    outlier_warning,
    unit_label_problem,
)
from portfolio.extensions import db
from portfolio.forms import (
    NotInFuture,
    OptionalTextField,
    TextField,
    date_field,
    number_field,
)
from portfolio.models import UNIT_LABEL_LENGTH, Direction, Product, Reading, SuccessMeasure, Unit


class MeasureForm(FlaskForm):
    name = TextField(
        "Name",
        validators=[DataRequired(), Length(max=limits.NAME)],
        description="e.g. Hours spent on month-end close",
    )
    unit = SelectField("Unit", choices=Unit.choices())
    # Not Optional(): validate_unit_label must run to require it for "other".
    unit_label = TextField(
        "Name of the unit",
        validators=[Length(max=UNIT_LABEL_LENGTH)],
        description="Only for “other”: what is counted, e.g. tickets.",
    )
    direction = SelectField("Direction", choices=Direction.choices())
    baseline = number_field(
        "Baseline", validators=[InputRequired(message="Enter the baseline value.")]
    )
    baseline_date = date_field(
        "Baseline measured on", validators=[InputRequired(message="Enter a date.")]
    )
    target = number_field("Target", validators=[InputRequired(message="Enter the target value.")])
    target_date = date_field("Target date", validators=[InputRequired(message="Enter a date.")])

    def __init__(self, *args, product: Product, measure: SuccessMeasure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.measure = measure

    def validate_name(self, field) -> None:
        query = sa.select(SuccessMeasure.id).where(
            SuccessMeasure.product_id == self.product.id,
            sa.func.lower(SuccessMeasure.name) == (field.data or "").lower(),
        )
        if self.measure is not None:
            query = query.where(SuccessMeasure.id != self.measure.id)
        if db.session.execute(query).first():
            raise ValidationError("This product already has a measure with this name.")

    def validate_unit_label(self, field) -> None:
        problem = unit_label_problem(self.unit.data, field.data)
        if problem and not field.errors:  # Length() has already said it is too long
            raise ValidationError(problem)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        fields = (self.baseline, self.target, self.baseline_date, self.target_date)
        if valid or all(field.data is not None and not field.errors for field in fields):
            problems = definition_problems(
                direction=self.direction.data,
                baseline=self.baseline.data,
                target=self.target.data,
                baseline_date=self.baseline_date.data,
                target_date=self.target_date.data,
            )
            for name, problem in problems.items():
                self[name].errors = [*self[name].errors, problem]
            valid = valid and not problems
        return valid

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "unit": Unit(self.unit.data),
            "unit_label": self.unit_label.data if self.unit.data == Unit.OTHER else None,
            "direction": Direction(self.direction.data),
            "baseline": self.baseline.data,
            "baseline_date": self.baseline_date.data,
            "target": self.target.data,
            "target_date": self.target_date.data,
        }


CONFIRM_TEXT = 40  # a number as the confirmation checkbox carries it


class ReadingForm(FlaskForm):
    """A reading of one measure, new or corrected. A value far outside the
    measure's range (`measures.is_far_outside`) is refused once with a warning
    beside it; sent again with `confirm_outlier` equal to it, it is accepted."""

    taken_on = date_field(
        "Date",
        default=date.today,
        validators=[InputRequired(message="Enter the date of the reading."), NotInFuture()],
    )
    value = number_field("Value", validators=[InputRequired(message="Enter the value read.")])
    note = OptionalTextField("Note", validators=[Length(max=limits.NOTE)])
    # The value the person confirmed (a checkbox the warning shows).
    confirm_outlier = OptionalTextField("Confirm", validators=[Length(max=CONFIRM_TEXT)])

    def __init__(self, *args, measure: SuccessMeasure, reading: Reading | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.reading = reading
        self.outlier: str | None = None  # the value to confirm, as the checkbox says it

    @classmethod
    def for_measure(cls, measure: SuccessMeasure, **kwargs) -> ReadingForm:
        """The form under one measure (a page holds one per measure, hence the prefix)."""
        return cls(prefix=f"reading-{measure.id}", measure=measure, **kwargs)

    @classmethod
    def for_reading(cls, reading: Reading, **kwargs) -> ReadingForm:
        """The form correcting one reading, filled with it."""
        return cls(
            prefix=f"correct-{reading.id}",
            obj=reading,
            measure=reading.measure,
            reading=reading,
            **kwargs,
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        value = self.value.data
        unchanged = self.reading is not None and value == self.reading.value
        if unchanged or not is_far_outside(self.measure, value) or self.confirmed(value):
            return True
        self.value.errors = [*self.value.errors, outlier_warning(self.measure, value)]
        self.outlier = format_measure_value(value, self.measure)
        return False

    def confirmed(self, value: float) -> bool:
        try:
            return float(self.confirm_outlier.data or "nan") == value
        except ValueError:
            return False

    def values(self) -> dict:
        return {"taken_on": self.taken_on.data, "value": self.value.data, "note": self.note.data}
