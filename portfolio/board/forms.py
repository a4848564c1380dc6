from __future__ import annotations

from dataclasses import fields
from datetime import date

import sqlalchemy as sa
from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portfolio.board.items import ItemFields
from portfolio.board.moves import REOPEN_COLUMNS, WIP_COLUMNS, MoveDirection
from portfolio.extensions import db
from portfolio.filters import MAX_ID, parse_id
from portfolio.forms import (
    TextField,
    count_field,
    date_field,
    money_field,
    number_field,
    optional_int,
    owner_choices,
    strip,
)
from portfolio.markdown import MARKDOWN_TOO_LONG, MAX_MARKDOWN_LENGTH
from portfolio.models import (
    CONFIDENCE_CHOICES,
    DEFAULT_OBSERVATION_DAYS,
    IMPACT_CHOICES,
    MAX_OBSERVATION_DAYS,
    MIN_OBSERVATION_DAYS,
    Column,
    Product,
    Request,
    RequestStatus,
    SuccessMeasure,
)
from portfolio.selects import SELECT_CAP, SearchSelectField, product_source

IMPACT_LABELS = {
    0.25: "0.25 — minimal",
    0.5: "0.5 — low",
    1.0: "1 — medium",
    2.0: "2 — high",
    3.0: "3 — massive",
}


def measure_choices(product_id: int | None, current: int | None) -> list[tuple[str, str]]:
    """Measures of the item's product once it is known, else of any product: at
    most SELECT_CAP of them, and always the current one."""
    query = sa.select(SuccessMeasure.id, Product.name, SuccessMeasure.name).join(
        Product, Product.id == SuccessMeasure.product_id
    )
    listed = query.order_by(Product.name, SuccessMeasure.name, SuccessMeasure.id)
    if product_id is not None:
        listed = listed.where(SuccessMeasure.product_id == product_id)
    rows = db.session.execute(listed.limit(SELECT_CAP)).all()
    if current is not None and current not in {row[0] for row in rows}:
        rows = db.session.execute(query.where(SuccessMeasure.id == current)).all() + rows
    return [("", "— none —")] + [(str(id_), f"{product} — {name}") for id_, product, name in rows]


CLOSED = (RequestStatus.DECLINED, RequestStatus.DUPLICATE)


def request_choices(
    product_id: int | None, linked_ids: set[int] = frozenset(), chosen_ids: set[int] = frozenset()
) -> list[tuple[str, str]]:
    """Requests that can be linked: not closed and, once the item's product is
    known, of that product — the newest SELECT_CAP of them, and always those
    chosen (if not closed) and those already linked (whatever their status)."""
    query = sa.select(Request.id, Request.title, Product.name).join(
        Product, Product.id == Request.product_id
    )
    open_ = query.where(Request.status.not_in(CLOSED))
    listed = open_ if product_id is None else open_.where(Request.product_id == product_id)
    rows = db.session.execute(listed.order_by(Request.id.desc()).limit(SELECT_CAP)).all()
    rows += db.session.execute(
        sa.union(
            query.where(Request.id.in_(linked_ids or [-1])),
            open_.where(Request.id.in_(chosen_ids or [-1])),
        )
    ).all()
    unique = {row[0]: row for row in rows}
    return [
        (str(id_), f"{product}: #{id_} {title}")
        for id_, title, product in sorted(unique.values(), key=lambda row: (row[2], row[0]))
    ]


class ItemForm(FlaskForm):
    product_id = SearchSelectField(
        "Product",
        source=product_source,
        placeholder="— choose a product —",
        validators=[InputRequired(message="Choose the product.")],
    )
    title = TextField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[Length(max=MAX_MARKDOWN_LENGTH, message=MARKDOWN_TOO_LONG)],
        description="What will change, and for whom. Markdown works.",
    )
    column = SelectField(
        "Column",
        choices=[(c.value, c.label) for c in Column if c is not Column.SHIPPED],
        coerce=Column,
        default=Column.LATER,
    )
    owner_id = SelectField("Owner", coerce=optional_int, choices=[])
    reach = count_field(
        "Reach (people per quarter)", validators=[InputRequired(message="Enter the reach.")]
    )
    impact = SelectField(
        "Impact", coerce=float, choices=[(v, IMPACT_LABELS[v]) for v in IMPACT_CHOICES], default=1.0
    )
    confidence = SelectField(
        "Confidence", coerce=int, choices=[(v, f"{v} %") for v in CONFIDENCE_CHOICES], default=80
    )
    effort = number_field(
        "Effort (person-weeks)",
        validators=[
            InputRequired(message="Enter the effort."),
            NumberRange(min=0.01, max=10_000, message="Effort must be more than 0 person-weeks."),
        ],
    )
    hours_saved_per_month = number_field(
        "Hours saved per month",
        default=0,
        validators=[InputRequired(message="Enter 0 if none."), NumberRange(min=0, max=10_000_000)],
    )
    cost_saved_per_year = money_field(
        "Cost saved per year", default=0, validators=[InputRequired(message="Enter 0 if none.")]
    )
    measure_id = SelectField("Success measure it should move", coerce=optional_int, choices=[])
    expected_change = number_field(
        "By how much",
        divisor=True,  # the benefits check divides the measured change by it
        validators=[Optional()],
        description="In the measure's unit, e.g. −2 days or +15 %.",
    )
    observation_days = IntegerField(
        "Observation window (days)",
        default=DEFAULT_OBSERVATION_DAYS,
        validators=[
            NumberRange(
                min=MIN_OBSERVATION_DAYS,
                max=MAX_OBSERVATION_DAYS,
                message=f"Enter a whole number of days from {MIN_OBSERVATION_DAYS} "
                f"to {MAX_OBSERVATION_DAYS}.",
            )
        ],
        description="How long after shipping the measure is given before it is judged: "
        "the first reading that counts is due this many days after the ship date.",
    )
    request_ids = SelectMultipleField(
        "Requests it answers", coerce=parse_id, choices=[], validate_choice=True
    )
    version = HiddenField()

    def __init__(self, *args, linked_ids: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = owner_choices()
        product_id = self.product_id.data
        self.measure_id.choices = measure_choices(product_id, self.measure_id.data)
        chosen = {id_ for id_ in self.request_ids.data or [] if id_ is not None}
        self.request_ids.choices = request_choices(product_id, set(linked_ids), chosen)

    def validate_measure_id(self, field) -> None:
        if field.data and self.product_id.data:
            product_id = db.session.execute(
                sa.select(SuccessMeasure.product_id).where(SuccessMeasure.id == field.data)
            ).scalar()
            if product_id != self.product_id.data:
                raise ValidationError("Choose a measure of the same product.")

    def validate_expected_change(self, field) -> None:
        if field.data is not None and not self.measure_id.data:
            raise ValidationError("Choose the measure this change applies to, or leave it empty.")

    def validate_request_ids(self, field) -> None:
        if field.data and self.product_id.data:
            others = (
                db.session.execute(
                    sa.select(Request.id).where(
                        Request.id.in_(field.data), Request.product_id != self.product_id.data
                    )
                )
                .scalars()
                .all()
            )
            if others:
                raise ValidationError(
                    "Link only requests about the same product (#"
                    + ", #".join(map(str, others))
                    + " are not)."
                )

    def item_fields(self) -> ItemFields:
        """What was typed, for `create_item` / `edit_item`."""
        return ItemFields(**{field.name: self[field.name].data for field in fields(ItemFields)})


class ShipForm(FlaskForm):
    release_note = TextAreaField(
        "Release note",
        filters=[strip],
        validators=[
            DataRequired(message="Write a release note: what changed for the people who use it?"),
            Length(max=5000),
        ],
        description="Shown on the dashboard and to everyone who asked for it.",
    )
    shipped_on = date_field(
        "Shipped on",
        default=date.today,
        validators=[InputRequired(message="Enter the date it shipped.")],
    )
    version = HiddenField()


class ReopenForm(FlaskForm):
    column = SelectField(
        "Back to",
        choices=[(column.value, column.label) for column in REOPEN_COLUMNS],
        default=Column.NOW.value,
        coerce=Column,
    )
    reason = TextAreaField(
        "Why it is reopened",
        filters=[strip],
        validators=[
            DataRequired(message="Say why it is reopened: its requesters will read it."),
            Length(max=1000),
        ],
        description="Its shipped date and release note are cleared; the requests it marked "
        "shipped go back to the status they had.",
    )
    version = HiddenField()


class LimitsForm(FlaskForm):
    """One field per column in WIP_COLUMNS, named by the column's value."""

    now = IntegerField("Now", validators=[Optional(), NumberRange(min=1, max=1000)])
    next = IntegerField("Next", validators=[Optional(), NumberRange(min=1, max=1000)])
    later = IntegerField("Later", validators=[Optional(), NumberRange(min=1, max=1000)])

    def limits(self) -> dict[Column, int | None]:
        return {column: self[column.value].data for column in WIP_COLUMNS}


ID_RANGE = NumberRange(min=1, max=MAX_ID)


class MoveForm(FlaskForm):
    """A drag: which card, its version, and where it was dropped."""

    item_id = IntegerField(validators=[InputRequired(), ID_RANGE])
    version = IntegerField(validators=[InputRequired(), ID_RANGE])
    column = SelectField(choices=Column.choices(), coerce=Column)
    above_id = IntegerField(validators=[Optional(), ID_RANGE])
    below_id = IntegerField(validators=[Optional(), ID_RANGE])


class DirectionForm(FlaskForm):
    """A keyboard move. The board's cards send `version` in the button's
    formaction (`…/move?version=3`): they share one form, which cannot hold a
    version per card. A form field of that name is read too."""

    direction = SelectField(choices=MoveDirection.choices(), coerce=MoveDirection)
    version = IntegerField(validators=[InputRequired(), ID_RANGE])

    def __init__(self, *args, **kwargs):
        if "formdata" not in kwargs and "version" not in request.form:
            formdata = request.form.copy()
            formdata.setlist("version", request.args.getlist("version")[:1])
            kwargs["formdata"] = formdata
        super().__init__(*args, **kwargs)
