"""The catalogue's forms. Lengths and ranges come from `catalogue/limits.py`,
which the CSV import uses too. `values()` gives what the domain function
expects, typed (enums, parsed tags)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portfolio.architecture.impact import Impact, impact_of_retiring, moves_into_ending
from portfolio.catalogue import limits
from portfolio.catalogue.lifecycle_forms import (
    SuccessorField,
    confirm_impact_field,
    impact_confirmation_problem,
)
from portfolio.catalogue.products import parse_tags, slugify
from portfolio.catalogue.uploads import kept_files, names_problem, upload_name
from portfolio.extensions import db
from portfolio.forms import (
    HttpUrl,
    OptionalTextField,
    TextField,
    count_field,
    date_field,
    money_field,
    optional_int,
    owner_choices,
    strip,
)
from portfolio.models import (
    MAX_NOTICE_DAYS,
    MIN_NOTICE_DAYS,
    Category,
    Department,
    Product,
    Sourcing,
    Stage,
    StakeholderRole,
    UsageLevel,
)
from portfolio.selects import SearchSelectField, department_source

SLUG_HELP = (
    "Lower-case letters, digits and dashes; used in the address. Left empty, it follows the name."
)


class ProductForm(FlaskForm):
    name = TextField("Name", validators=[DataRequired(), Length(max=limits.NAME)])
    # Not Optional(): an empty slug must still reach validate_slug, which derives it from the name.
    slug = TextField("Slug", validators=[Length(max=limits.SLUG)], description=SLUG_HELP)
    category = SelectField("Category", choices=Category.choices())
    summary = TextField(
        "One-line summary",
        validators=[DataRequired(), Length(max=limits.SUMMARY)],
        description="What it is, in one sentence a colleague would understand.",
    )
    stage = SelectField("Lifecycle stage", choices=Stage.choices(), default=Stage.IDEA.value)
    owner_id = SelectField("Owner (a product manager)", choices=[], coerce=optional_int)
    sourcing = SelectField("Sourcing", choices=Sourcing.choices(), default=Sourcing.BUILT.value)
    vendor = TextField(
        "Vendor",
        validators=[Length(max=limits.NAME)],  # not Optional(): validate_vendor must run
        description="Required for bought and hybrid products.",
    )
    docs_url = OptionalTextField(
        "Documentation link", validators=[Length(max=limits.URL), HttpUrl()]
    )
    source_url = OptionalTextField(
        "Source code link", validators=[Length(max=limits.URL), HttpUrl()]
    )
    prd_url = OptionalTextField("PRD link", validators=[Length(max=limits.URL), HttpUrl()])
    tags = TextField(
        "Tags",
        validators=[Length(max=limits.TAGS_TEXT)],
        description="Separated by commas, e.g. finance, month-end, sox",
    )
    successor_id = SuccessorField()
    confirm_impact = confirm_impact_field()

    def __init__(self, *args, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.owner_id.choices = owner_choices()
        self.successor_id.for_product(product)
        # What sunsetting the product affects, once a save asks to sunset it.
        self.impact: Impact | None = None
        self.impact_stage: Stage | None = None

    def validate_confirm_impact(self, field) -> None:
        """A move to sunsetting shows what it affects first, and needs the box ticked."""
        self.impact = None
        if self.product is None or self.stage.errors:
            return
        if not moves_into_ending(self.product, self.stage.data):
            return
        self.impact = impact_of_retiring(db.session, self.product)
        self.impact_stage = Stage(self.stage.data)
        problem = impact_confirmation_problem(self.impact, field.data)
        if problem:
            raise ValidationError(problem)

    def validate_stage(self, field) -> None:
        """Retiring asks for a reason and a date: the retire page, not this form."""
        retired = self.product is not None and self.product.is_retired
        if field.data == Stage.RETIRED.value and not retired:
            raise ValidationError(
                "Retire it from its page (“Retire…”): retiring asks for a reason and a date."
            )

    def validate_slug(self, field) -> None:
        slug = field.data or slugify(self.name.data or "")
        if not slug:
            raise ValidationError("Give the product a name or a slug made of letters and digits.")
        if slug != slugify(slug):
            raise ValidationError("Use only lower-case letters, digits and single dashes.")
        query = sa.select(Product.id).where(Product.slug == slug)
        if self.product is not None:
            query = query.where(Product.id != self.product.id)
        if db.session.execute(query).first():
            raise ValidationError(f"Another product already uses the slug “{slug}”.")
        field.data = slug

    def validate_vendor(self, field) -> None:
        if self.sourcing.data in (Sourcing.BOUGHT.value, Sourcing.HYBRID.value) and not field.data:
            raise ValidationError("Name the vendor of a bought or hybrid product.")

    def validate_tags(self, field) -> None:
        try:
            parse_tags(field.data or "")
        except ValueError as problem:
            raise ValidationError(str(problem)) from None

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "slug": self.slug.data,
            "category": Category(self.category.data),
            "summary": self.summary.data,
            "stage": Stage(self.stage.data),
            "owner_id": self.owner_id.data,
            "sourcing": Sourcing(self.sourcing.data),
            "vendor": self.vendor.data or None,
            "docs_url": self.docs_url.data,
            "source_url": self.source_url.data,
            "prd_url": self.prd_url.data,
            "tags": parse_tags(self.tags.data or ""),
            "successor_id": self.successor_id.data,
        }


class ValuePropositionForm(FlaskForm):
    problem = TextAreaField(
        "The problem it solves", filters=[strip], validators=[Length(max=limits.STORY)]
    )
    for_whom = TextAreaField("For whom", filters=[strip], validators=[Length(max=limits.STORY)])
    value = TextAreaField(
        "The value it delivers", filters=[strip], validators=[Length(max=limits.STORY)]
    )
    replaces = TextAreaField(
        "What it replaces",
        filters=[strip],
        validators=[Length(max=limits.STORY)],
        description="The spreadsheet, manual process or old system people used before.",
    )

    def values(self) -> dict:
        return {
            name: getattr(self, name).data or ""
            for name in ("problem", "for_whom", "value", "replaces")
        }


class UsageForm(FlaskForm):
    department_id = SearchSelectField(
        "Department",
        source=department_source,
        placeholder="— choose a department —",
        validators=[InputRequired(message="Choose a department.")],
    )
    level = SelectField("Level", choices=UsageLevel.choices(), default=UsageLevel.PRIMARY.value)
    users = count_field(
        "Approximate users", validators=[InputRequired(message="Enter a number of users.")]
    )

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.source = department_source(not_used_by=product.id)

    def values(self) -> dict:
        return {
            "department_id": self.department_id.data,
            "level": UsageLevel(self.level.data),
            "users": self.users.data,
        }


class ContractForm(FlaskForm):
    vendor = TextField("Vendor", validators=[DataRequired(), Length(max=limits.NAME)])
    annual_cost = money_field(
        "Annual cost", validators=[InputRequired(message="Enter the annual cost.")]
    )
    seats_bought = count_field(
        "Seats bought", validators=[InputRequired(message="Enter the seats bought.")]
    )
    renewal_date = date_field(
        "Renewal date", validators=[InputRequired(message="Enter the renewal date.")]
    )
    notice_days = IntegerField(
        "Notice period (days)",
        validators=[
            Optional(),
            NumberRange(
                min=MIN_NOTICE_DAYS,
                max=MAX_NOTICE_DAYS,
                message=f"Enter a whole number of days from {MIN_NOTICE_DAYS} "
                f"to {MAX_NOTICE_DAYS}, or leave it empty.",
            ),
        ],
        description="How many days before the renewal notice must be given. Empty if unknown.",
    )
    auto_renew = BooleanField("Renews automatically unless notice is given")

    def values(self) -> dict:
        return {
            "vendor": self.vendor.data,
            "annual_cost": self.annual_cost.data,
            "seats_bought": self.seats_bought.data,
            "renewal_date": self.renewal_date.data,
            "notice_days": self.notice_days.data,
            "auto_renew": self.auto_renew.data,
        }


class DepartmentForm(FlaskForm):
    name = TextField("Name", validators=[DataRequired(), Length(max=limits.NAME)])
    head = OptionalTextField("Head of department", validators=[Length(max=limits.NAME)])
    headcount = count_field("Headcount", validators=[InputRequired(message="Enter the headcount.")])

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department

    def validate_name(self, field) -> None:
        query = sa.select(Department.id).where(
            sa.func.lower(Department.name) == (field.data or "").lower()
        )
        if self.department is not None:
            query = query.where(Department.id != self.department.id)
        if db.session.execute(query).first():
            raise ValidationError("A department with this name already exists.")

    def values(self) -> dict:
        return {"name": self.name.data, "head": self.head.data, "headcount": self.headcount.data}


def optional_score(value):
    return int(value) if value not in (None, "") else None


class SurveyForm(FlaskForm):
    score = SelectField(
        "How likely are you to recommend it to a colleague? (0 = not at all, 10 = extremely)",
        choices=[("", "— choose —")] + [(str(n), str(n)) for n in range(11)],
        coerce=optional_score,
        validators=[InputRequired(message="Choose a score from 0 to 10.")],
    )
    comment = OptionalTextField(
        "What is the main reason for your score?", validators=[Length(max=limits.SURVEY_COMMENT)]
    )

    def values(self) -> dict:
        return {"score": self.score.data, "comment": self.comment.data}


GRID_CHOICES = [(n, str(n)) for n in range(limits.GRID_LOW, limits.GRID_HIGH + 1)]
GRID_RANGE = f"{limits.GRID_LOW}–{limits.GRID_HIGH}"


class StakeholderForm(FlaskForm):
    name = TextField("Person or group", validators=[DataRequired(), Length(max=limits.NAME)])
    department_id = SearchSelectField(
        "Department", source=department_source, placeholder="— none —"
    )
    role = SelectField("Role", choices=StakeholderRole.choices())
    power = SelectField(f"Power ({GRID_RANGE})", coerce=int, choices=GRID_CHOICES, default=3)
    interest = SelectField(f"Interest ({GRID_RANGE})", coerce=int, choices=GRID_CHOICES, default=3)

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "department_id": self.department_id.data,
            "role": StakeholderRole(self.role.data),
            "power": self.power.data,
            "interest": self.interest.data,
        }


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""


class ImportForm(FlaskForm):
    """The browser import's upload: the export's CSV files, or one workbook."""

    files = MultipleFileField(
        "Catalogue files",
        description=(
            "departments.csv, products.csv, usage.csv and measures.csv (any of them), "
            "or one .xlsx workbook with a sheet per file."
        ),
    )

    def validate_files(self, field) -> None:
        uploaded = self.chosen()
        if not uploaded:
            raise ValidationError("Choose the CSV files or the XLSX workbook to import.")
        problem = names_problem([file.filename for file in uploaded])
        if problem:
            raise ValidationError(problem)

    def chosen(self) -> list:
        return [file for file in self.files.data or [] if file and file.filename]

    def uploaded(self) -> dict[str, bytes]:
        """The files by the names they are kept under (`uploads.kept_files`)."""
        return kept_files({file.filename: file.read() for file in self.chosen()})

    def workbook_label(self) -> str:
        """How messages name the (first) file: as it was uploaded."""
        return upload_name(self.chosen()[0].filename)


class ImportConfirmForm(FlaskForm):
    """ "Confirm import": names the upload the preview showed."""

    upload = HiddenField()
