"""The forms of a product page's "Fit and TIME" and "Lifecycle dates"
sections. Their rules are the domain's (`assessment_problems`,
`lifecycle_date_problems`): the forms attach each problem to its field."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portfolio.architecture.assessments import NOTE_LENGTH, assessment_problems
from portfolio.architecture.lifecycle_dates import (
    DATE_FIELDS,
    END_OF_SUPPORT,
    dates_of,
    lifecycle_date_problems,
)
from portfolio.forms import date_field, strip
from portfolio.models import FIT_LABELS, FitAssessment, Product

FIT_CHOICES = [("", "— choose —")] + [
    (fit, f"{fit} — {label}") for fit, label in FIT_LABELS.items()
]


def fit_or_none(value):
    """A select's value as a fit: empty is none (InputRequired says so)."""
    if value in (None, ""):
        return None
    return int(value)


def fit_field(label: str, description: str) -> SelectField:
    return SelectField(
        label,
        coerce=fit_or_none,
        choices=FIT_CHOICES,
        validators=[InputRequired(message="Choose a fit from 1 (poor) to 4 (excellent).")],
        description=description,
    )


def attach(form: FlaskForm, problems: dict[str, str]) -> bool:
    """Put each problem by its field (unless the field already has an error)."""
    for name, problem in problems.items():
        field = form[name]
        if not field.errors:
            field.errors = [*field.errors, problem]
    return not problems


class FitForm(FlaskForm):
    functional_fit = fit_field(
        "Functional fit", "How well it does what the business needs (1 poor – 4 excellent)."
    )
    technical_fit = fit_field(
        "Technical fit", "How sound it is to run and change: platform, security, support."
    )
    assessed_on = date_field(
        "Assessed on",
        default=date.today,
        validators=[InputRequired(message="Enter the day of the assessment.")],
    )
    note = TextAreaField(
        "Note",
        filters=[strip],
        validators=[
            Optional(),
            Length(max=NOTE_LENGTH, message=f"Keep the note under {NOTE_LENGTH} characters."),
        ],
        description="Optional: what the judgement rests on.",
    )

    @classmethod
    def fresh(cls, current: FitAssessment | None) -> FitForm:
        """An empty form, its fits preset to the current ones (a reassessment
        often changes one of the two)."""
        form = cls(formdata=None)
        if current is not None:
            form.functional_fit.data = current.functional_fit
            form.technical_fit.data = current.technical_fit
        return form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problems = assessment_problems(
            self.functional_fit.data,
            self.technical_fit.data,
            self.assessed_on.data,
            self.note.data or "",
            date.today(),
        )
        return attach(self, problems) and valid

    def values(self) -> dict:
        return {
            "functional_fit": self.functional_fit.data,
            "technical_fit": self.technical_fit.data,
            "assessed_on": self.assessed_on.data,
            "note": self.note.data or "",
        }


class LifecycleDatesForm(FlaskForm):
    """Every lifecycle date, each optional; the end of vendor support only for
    bought and hybrid products (the template leaves it out for the others)."""

    phase_in_planned = date_field(DATE_FIELDS["phase_in_planned"], validators=[Optional()])
    phase_in_actual = date_field(DATE_FIELDS["phase_in_actual"], validators=[Optional()])
    live_planned = date_field(DATE_FIELDS["live_planned"], validators=[Optional()])
    live_actual = date_field(DATE_FIELDS["live_actual"], validators=[Optional()])
    phase_out_planned = date_field(DATE_FIELDS["phase_out_planned"], validators=[Optional()])
    phase_out_actual = date_field(DATE_FIELDS["phase_out_actual"], validators=[Optional()])
    end_of_life_planned = date_field(DATE_FIELDS["end_of_life_planned"], validators=[Optional()])
    end_of_life_actual = date_field(DATE_FIELDS["end_of_life_actual"], validators=[Optional()])
    end_of_support = date_field(
        DATE_FIELDS[END_OF_SUPPORT],
        validators=[Optional()],
        description="The day the vendor stops supporting the version in use.",
    )

    def __init__(self, *args, product: Product, **kwargs):
        kwargs.setdefault("data", dates_of(product))
        super().__init__(*args, **kwargs)
        self.product = product

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.product.has_contract_terms:
            self.end_of_support.data = None  # not shown: whatever was sent is ignored
        # A field that failed to parse keeps its own error; the others are checked together.
        dates = {name: self[name].data for name in DATE_FIELDS if not self[name].errors}
        return attach(self, lifecycle_date_problems(self.product.sourcing, dates)) and valid

    def values(self) -> dict:
        return {name: self[name].data for name in DATE_FIELDS}
