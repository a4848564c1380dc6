from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portfolio.extensions import db
from portfolio.filters import parse_id
from portfolio.forms import TextField, department_choices, optional_int, strip
from portfolio.markdown import MARKDOWN_TOO_LONG, MAX_MARKDOWN_LENGTH
from portfolio.models import RequestStatus
from portfolio.requests.queries import duplicate_candidates, requestable_products


class RequestForm(FlaskForm):
    product_id = SelectField(
        "Product",
        coerce=optional_int,
        validators=[InputRequired(message="Choose the product this is about.")],
    )
    title = TextField(
        "Title",
        validators=[DataRequired(message="Give the request a short title."), Length(max=200)],
        description="What you need, in a sentence: “Export invoices to CSV”.",
    )
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[
            DataRequired(message="Describe what you need and why."),
            Length(max=MAX_MARKDOWN_LENGTH, message=MARKDOWN_TOO_LONG),
        ],
        description="Who needs it, how often, and what it would save. Markdown works.",
    )
    department_id = SelectField(
        "Requesting department",
        coerce=optional_int,
        validators=[InputRequired(message="Choose a department.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = db.session.execute(requestable_products()).scalars()
        self.product_id.choices = [("", "— choose a product —")] + [
            (str(p.id), p.name) for p in products
        ]
        self.department_id.choices = [("", "— choose a department —")] + department_choices()


class TriageForm(FlaskForm):
    status = SelectField("New status", choices=RequestStatus.choices())
    reason = TextAreaField(
        "Reason for declining",
        filters=[strip],
        validators=[Length(max=2000)],
        description="Shown to everyone. Required when declining.",
    )
    duplicate_of = SelectField(
        "Duplicate of",
        coerce=parse_id,  # None for anything that is no id: the triage rules say why
        choices=[],
        validate_choice=False,
        description="Required when marking as duplicate.",
    )

    def __init__(self, *args, candidates: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate_of.choices = [("", "— not a duplicate —")] + [
            (str(id_), f"#{id_} {title}") for id_, title in candidates
        ]


class VoteForm(FlaskForm):
    state = HiddenField(validators=[DataRequired()])


def duplicate_candidates_list(request) -> list[tuple[int, str]]:
    return [(row.id, row.title) for row in db.session.execute(duplicate_candidates(request))]
