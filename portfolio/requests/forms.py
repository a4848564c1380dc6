from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portfolio.filters import parse_id
from portfolio.forms import TextField, strip
from portfolio.markdown import MARKDOWN_TOO_LONG, MAX_MARKDOWN_LENGTH
from portfolio.models import Request, RequestStatus
from portfolio.selects import ChoiceSource, SearchSelectField, department_source, product_source


class RequestForm(FlaskForm):
    product_id = SearchSelectField(
        "Product",
        source=product_source,
        placeholder="— choose a product —",
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
    department_id = SearchSelectField(
        "Requesting department",
        source=department_source,
        placeholder="— choose a department —",
        validators=[InputRequired(message="Choose a department.")],
    )


class TriageForm(FlaskForm):
    status = SelectField("New status", choices=RequestStatus.choices())
    reason = TextAreaField(
        "Reason for declining",
        filters=[strip],
        validators=[Length(max=2000)],
        description="Shown to everyone. Required when declining.",
    )
    duplicate_of = SearchSelectField(
        "Duplicate of",
        source=lambda: None,  # set per request in __init__
        placeholder="— not a duplicate —",
        coerce=parse_id,  # None for anything that is no id: the triage rules say why
        validate_choice=False,
        description="Required when marking as duplicate.",
    )

    def __init__(self, *args, request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate_of.source = duplicate_source(request)


class VoteForm(FlaskForm):
    state = HiddenField(validators=[DataRequired()])


def request_label(id_: int, title: str) -> str:
    return f"#{id_} {title}"


def duplicate_source(request: Request) -> ChoiceSource:
    """Requests of the same product that `request` could be a duplicate of
    (itself and duplicates excluded), newest first, found by title or "#id"."""
    return ChoiceSource(
        noun="request",
        plural="requests",
        id=Request.id,
        name=Request.title,
        where=(
            Request.product_id == request.product_id,
            Request.id != request.id,
            Request.status != RequestStatus.DUPLICATE,
        ),
        order=(Request.id.desc(),),
        label=request_label,
        by_number=True,
        endpoint="requests.duplicate_options",
        endpoint_args={"request_id": request.id},
    )
