"""The forms of a product's "Dependencies and interfaces" section: a
dependency, a new interface (with or from which product, which way), and an
interface's details when edited. The rules are those of
`architecture/dependencies.py`, which the forms ask so a problem shows by its field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portfolio.architecture.dependencies import (
    DATA_LENGTH,
    INTERFACE_NOTE_LENGTH,
    NOTE_LENGTH,
    dependency_problem,
    interface_problem,
)
from portfolio.extensions import db
from portfolio.forms import TextField, optional_int, owner_choices, strip
from portfolio.models import (
    Interface,
    InterfaceFrequency,
    InterfaceMethod,
    Product,
    User,
)
from portfolio.selects import SearchSelectField, product_source

PROVIDES, CONSUMES = "provides", "consumes"


class DependencyForm(FlaskForm):
    depends_on_id = SearchSelectField(
        "Depends on",
        source=product_source,
        placeholder="— choose a product —",
        validators=[InputRequired(message="Choose the product it depends on.")],
    )
    note = TextField(
        "Note",
        validators=[Length(max=NOTE_LENGTH, message=f"Keep it under {NOTE_LENGTH} characters.")],
        description="Optional: what for, e.g. “sign-in”.",
    )

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.depends_on_id.source = product_source(excluding=product.id)

    def validate_depends_on_id(self, field) -> None:
        problem = dependency_problem(db.session, self.product, self.depends_on)
        if problem:
            raise ValidationError(problem)

    @property
    def depends_on(self) -> Product | None:
        data = self.depends_on_id.data
        return db.session.get(Product, data) if data is not None else None

    def values(self) -> dict:
        return {"depends_on": self.depends_on, "note": self.note.data or ""}


class InterfaceDetailsForm(FlaskForm):
    """What flows, how, how often, and who owns it (an interface's two products
    are fixed once it exists)."""

    data = TextField(
        "Data",
        validators=[
            DataRequired(message="Say what data flows, e.g. “Invoices”."),
            Length(max=DATA_LENGTH, message=f"Keep it under {DATA_LENGTH} characters."),
        ],
    )
    method = SelectField(
        "How", choices=InterfaceMethod.choices(), default=InterfaceMethod.API.value
    )
    frequency = SelectField(
        "How often", choices=InterfaceFrequency.choices(), default=InterfaceFrequency.DAILY.value
    )
    owner_id = SelectField("Owner", choices=[], coerce=optional_int)
    note = TextAreaField(
        "Note",
        filters=[strip],
        validators=[
            Length(
                max=INTERFACE_NOTE_LENGTH,
                message=f"Keep it under {INTERFACE_NOTE_LENGTH} characters.",
            )
        ],
    )

    interface: Interface | None = None

    def __init__(self, *args, interface: Interface | None = None, **kwargs):
        if interface is not None:
            kwargs.setdefault("obj", interface)
        super().__init__(*args, **kwargs)
        self.interface = interface
        current = interface.owner if interface is not None else None
        choices = owner_choices()
        if current is not None and str(current.id) not in {value for value, _ in choices}:
            choices.append((str(current.id), current.display_name))
        self.owner_id.choices = choices

    def validate_data(self, field) -> None:
        if self.interface is not None and field.data:
            problem = interface_problem(
                db.session,
                self.interface.provider,
                self.interface.consumer,
                field.data,
                editing=self.interface,
            )
            if problem:
                raise ValidationError(problem)

    def values(self) -> dict:
        owner_id = self.owner_id.data
        return {
            "data": self.data.data,
            "method": InterfaceMethod(self.method.data),
            "frequency": InterfaceFrequency(self.frequency.data),
            "owner": db.session.get(User, owner_id) if owner_id else None,
            "note": self.note.data or "",
        }


class InterfaceForm(InterfaceDetailsForm):
    """A new interface of `product`: it provides data to, or consumes data
    from, another product."""

    direction = SelectField(
        "Which way",
        choices=[
            (CONSUMES, "This product consumes data from…"),
            (PROVIDES, "This product provides data to…"),
        ],
        default=CONSUMES,
    )
    partner_id = SearchSelectField(
        "The other product",
        source=product_source,
        placeholder="— choose a product —",
        validators=[InputRequired(message="Choose the other product.")],
    )

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.partner_id.source = product_source(excluding=product.id)

    @property
    def partner(self) -> Product | None:
        data = self.partner_id.data
        return db.session.get(Product, data) if data is not None else None

    def ends(self) -> tuple[Product | None, Product | None]:
        """(provider, consumer) as chosen."""
        if self.direction.data == PROVIDES:
            return self.product, self.partner
        return self.partner, self.product

    def validate_partner_id(self, field) -> None:
        if self.partner is None:
            raise ValidationError("That product no longer exists: choose another one.")
        if not self.data.data:
            return  # the data field says what is missing
        provider, consumer = self.ends()
        problem = interface_problem(db.session, provider, consumer, self.data.data)
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        provider, consumer = self.ends()
        return {**super().values(), "provider": provider, "consumer": consumer}
