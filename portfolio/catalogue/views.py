from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.activity.trail import latest_for_product, record
from portfolio.auth.permissions import requires
from portfolio.catalogue import csv_io
from portfolio.catalogue.forms import (
    ConfirmForm,
    ContractForm,
    DepartmentForm,
    MeasureForm,
    ProductForm,
    ReadingForm,
    StakeholderForm,
    SurveyForm,
    UsageForm,
    ValuePropositionForm,
)
from portfolio.catalogue.measures import chart_for, format_value, status_counts, status_of
from portfolio.catalogue.products import (
    DuplicateReading,
    ProductNotEmpty,
    attachments,
    contract_of,
    delete_product,
    parse_tags,
    record_reading,
    retire,
    set_tags,
    value_proposition_of,
)
from portfolio.catalogue.queries import (
    ProductFilters,
    department_page,
    departments_overview,
    product_list,
    product_page,
)
from portfolio.catalogue.satisfaction import (
    answer_of,
    answer_survey,
    last_quarters,
    nps_by_quarter,
    quarter_of,
)
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.extensions import db
from portfolio.htmx import is_partial, render
from portfolio.models import (
    Category,
    Department,
    Direction,
    Product,
    Sourcing,
    Stage,
    Stakeholder,
    StakeholderRole,
    SuccessMeasure,
    Unit,
    Usage,
    UsageLevel,
)
from portfolio.requests.queries import count_open_requests, open_requests_for

bp = Blueprint("catalogue", __name__)

for helper in (status_of, status_counts, chart_for, format_value):
    bp.add_app_template_global(helper)


# Loading -----------------------------------------------------------------------


def load_product(slug: str) -> Product:
    product = db.session.execute(product_page(slug)).unique().scalar_one_or_none()
    if product is None:
        abort(404)
    return product


def load_measure(product: Product, measure_id: int) -> SuccessMeasure:
    for measure in product.measures:
        if measure.id == measure_id:
            return measure
    abort(404)


def status_for(form) -> int:
    """200 for a fresh form, 422 when a submitted one failed validation."""
    return 422 if form.is_submitted() else 200


# Catalogue list ----------------------------------------------------------------


@bp.get("/products")
@requires("browse")
def index():
    filters = ProductFilters.from_args(request.args)
    products = db.session.execute(product_list(filters)).unique().scalars().all()
    departments = (
        db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()
    )
    return render(
        "catalogue/index.html",
        "results",
        products=products,
        filters=filters,
        departments=departments,
        categories=Category,
        stages=Stage,
    )


@bp.get("/products.csv")
@requires("browse")
def index_csv():
    filters = ProductFilters.from_args(request.args)
    products = db.session.execute(product_list(filters)).unique().scalars().all()
    return csv_io.download("products.csv", csv_io.product_list_rows(products))


# One product -------------------------------------------------------------------

NPS_QUARTERS = 8


def survey_context(product: Product, form: SurveyForm | None = None) -> dict:
    """The survey block: NPS per quarter and this user's answer for this quarter."""
    today = date.today()
    quarter = quarter_of(today)
    mine = answer_of(db.session, current_user, product, quarter)
    if form is None:
        form = SurveyForm(formdata=None, obj=mine)
    return {
        "nps": nps_by_quarter(db.session, product.id, last_quarters(NPS_QUARTERS, today)),
        "survey_form": form,
        "survey_quarter": quarter,
        "my_answer": mine,
    }


def product_page_context(product: Product, **overrides) -> dict:
    """Everything the product page and its fragments use."""
    context = {
        "product": product,
        "can_edit": current_user.can("edit_catalogue"),
        "reading_forms": {},
        "usage_form": None,
        "open_rows": open_requests_for(db.session, product_id=product.id, user_id=current_user.id),
        "open_total": count_open_requests(db.session, product_id=product.id),
        "activity": db.session.execute(latest_for_product(product.id)).scalars().all(),
        "thread": load_thread(db.session, "product", product.id, CommentForm(formdata=None)),
        "stakeholders": stakeholders_of(product),
        "stakeholder_form": StakeholderForm(formdata=None)
        if current_user.can("edit_catalogue")
        else None,
        **survey_context(product),
    }
    if current_user.can("edit_catalogue"):
        context["reading_forms"] = {
            measure.id: ReadingForm(prefix=f"reading-{measure.id}", formdata=None)
            for measure in product.measures
        }
        context["usage_form"] = UsageForm(
            formdata=None, used_department_ids={usage.department_id for usage in product.usages}
        )
    context.update(overrides)
    return context


@bp.get("/products/<slug>")
@requires("browse")
def show(slug: str):
    product = load_product(slug)
    return render("catalogue/show.html", **product_page_context(product))


@bp.route("/products/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create():
    form = ProductForm()
    if request.method == "GET" and form.owner_id.data is None:
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        product = Product()
        apply_product_form(form, product)
        db.session.add(product)
        record(
            db.session,
            current_user,
            "product_created",
            subject=product.name,
            product=product,
            after=product.stage,
        )
        db.session.commit()
        flash(f"{product.name} added to the catalogue.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug))
    return render("catalogue/product_form.html", form=form, product=None, status=status_for(form))


@bp.route("/products/<slug>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit(slug: str):
    product = load_product(slug)
    form = ProductForm(obj=product, product=product)
    if request.method == "GET":
        form.tags.data = ", ".join(product.tag_names)
        form.owner_id.data = product.owner_id
    if form.validate_on_submit():
        old_stage = product.stage
        apply_product_form(form, product)
        if product.stage != old_stage:
            record(
                db.session,
                current_user,
                "product_stage_changed",
                subject=product.name,
                product=product,
                before=old_stage,
                after=product.stage,
            )
        db.session.commit()
        flash("Product saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug))
    return render(
        "catalogue/product_form.html", form=form, product=product, status=status_for(form)
    )


def apply_product_form(form: ProductForm, product: Product) -> None:
    product.name = form.name.data
    product.slug = form.slug.data
    product.category = Category(form.category.data)
    product.summary = form.summary.data
    product.stage = Stage(form.stage.data)
    product.owner_id = form.owner_id.data
    product.sourcing = Sourcing(form.sourcing.data)
    product.vendor = form.vendor.data or None
    product.docs_url = form.docs_url.data
    product.source_url = form.source_url.data
    product.prd_url = form.prd_url.data
    set_tags(db.session, product, parse_tags(form.tags.data or ""))


@bp.route("/products/<slug>/value", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_value(slug: str):
    product = load_product(slug)
    form = ValuePropositionForm(obj=product.value_proposition)
    if form.validate_on_submit():
        form.populate_obj(value_proposition_of(product))
        db.session.commit()
        flash("Value proposition saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug) + "#value")
    return render("catalogue/value_form.html", form=form, product=product, status=status_for(form))


@bp.route("/products/<slug>/contract", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_contract(slug: str):
    product = load_product(slug)
    if not product.has_contract_terms:
        flash("Only bought and hybrid products have a vendor contract.", "info")
        return redirect(url_for("catalogue.show", slug=product.slug))
    form = ContractForm(obj=product.contract)
    if request.method == "GET" and product.contract is None:
        form.vendor.data = product.vendor
    if form.validate_on_submit():
        form.populate_obj(contract_of(product))
        db.session.commit()
        flash("Contract saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug) + "#contract")
    return render(
        "catalogue/contract_form.html", form=form, product=product, status=status_for(form)
    )


@bp.post("/products/<slug>/retire")
@requires("edit_catalogue")
def retire_product(slug: str):
    product = load_product(slug)
    old_stage = product.stage
    retire(product)
    if old_stage != product.stage:
        record(
            db.session,
            current_user,
            "product_stage_changed",
            subject=product.name,
            product=product,
            before=old_stage,
            after=product.stage,
        )
    db.session.commit()
    flash(
        f"{product.name} is retired: it no longer appears in the default catalogue list.", "success"
    )
    return redirect(url_for("catalogue.show", slug=product.slug))


@bp.route("/products/<slug>/delete", methods=["GET", "POST"])
@requires("delete_products")
def delete(slug: str):
    product = load_product(slug)
    form = ConfirmForm()
    attached = attachments(db.session, product)
    if form.validate_on_submit():
        try:
            delete_product(db.session, product)
        except ProductNotEmpty as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("catalogue.show", slug=slug))
        db.session.commit()
        flash(f"{product.name} deleted.", "success")
        return redirect(url_for("catalogue.index"))
    return render("catalogue/delete.html", form=form, product=product, attached=attached)


# Usage (departments using the product), inline with htmx ------------------------


@bp.post("/products/<slug>/usage")
@requires("edit_catalogue")
def add_usage(slug: str):
    product = load_product(slug)
    form = UsageForm(used_department_ids={usage.department_id for usage in product.usages})
    if form.validate():
        db.session.add(
            Usage(
                product=product,
                department_id=form.department_id.data,
                level=UsageLevel(form.level.data),
                users=form.users.data,
            )
        )
        db.session.commit()
        return usage_answer(product)
    return usage_answer(product, usage_form=form, status=422)


@bp.post("/products/<slug>/usage/<int:usage_id>/delete")
@requires("edit_catalogue")
def remove_usage(slug: str, usage_id: int):
    product = load_product(slug)
    usage = next((usage for usage in product.usages if usage.id == usage_id), None)
    if usage is None:
        abort(404)
    product.usages.remove(usage)
    db.session.commit()
    return usage_answer(product)


def usage_answer(product: Product, usage_form: UsageForm | None = None, status: int = 200):
    if not is_partial():
        if status == 422:
            # Without JavaScript, show the page with the form and its errors.
            return render(
                "catalogue/show.html",
                **product_page_context(product, usage_form=usage_form),
                status=422,
            )
        return redirect(url_for("catalogue.show", slug=product.slug) + "#departments")
    db.session.expire(product, ["usages"])
    context = product_page_context(product)
    if usage_form is not None:
        context["usage_form"] = usage_form
    return render("catalogue/show.html", "usage", status=status, **context)


# Success measures ----------------------------------------------------------------


@bp.route("/products/<slug>/measures/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create_measure(slug: str):
    product = load_product(slug)
    form = MeasureForm(product=product)
    if form.validate_on_submit():
        measure = SuccessMeasure(product=product)
        apply_measure_form(form, measure)
        db.session.add(measure)
        db.session.commit()
        flash(f"Measure “{measure.name}” added.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug) + f"#measure-{measure.id}")
    return render(
        "catalogue/measure_form.html",
        form=form,
        product=product,
        measure=None,
        status=status_for(form),
    )


@bp.route("/products/<slug>/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_measure(slug: str, measure_id: int):
    product = load_product(slug)
    measure = load_measure(product, measure_id)
    form = MeasureForm(obj=measure, product=product, measure=measure)
    if request.method == "GET":
        form.unit.data = measure.unit.value
        form.direction.data = measure.direction.value
    if form.validate_on_submit():
        apply_measure_form(form, measure)
        db.session.commit()
        flash("Measure saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug) + f"#measure-{measure.id}")
    return render(
        "catalogue/measure_form.html",
        form=form,
        product=product,
        measure=measure,
        status=status_for(form),
    )


def apply_measure_form(form: MeasureForm, measure: SuccessMeasure) -> None:
    measure.name = form.name.data
    measure.unit = Unit(form.unit.data)
    measure.direction = Direction(form.direction.data)
    measure.baseline = form.baseline.data
    measure.baseline_date = form.baseline_date.data
    measure.target = form.target.data
    measure.target_date = form.target_date.data


@bp.post("/products/<slug>/measures/<int:measure_id>/readings")
@requires("edit_catalogue")
def add_reading(slug: str, measure_id: int):
    product = load_product(slug)
    measure = load_measure(product, measure_id)
    form = ReadingForm(prefix=f"reading-{measure.id}")
    status = 200
    if form.validate():
        try:
            record_reading(
                db.session,
                measure,
                taken_on=form.taken_on.data,
                value=form.value.data,
                note=form.note.data,
                recorded_by=current_user,
            )
            record(
                db.session,
                current_user,
                "reading_recorded",
                subject=measure.name,
                product=product,
                after=f"{format_value(form.value.data, measure.unit.value)} on {form.taken_on.data:%d %b %Y}",
            )
            db.session.commit()
            form = ReadingForm(prefix=f"reading-{measure.id}", formdata=None)
        except DuplicateReading as clash:
            form.taken_on.errors = [*form.taken_on.errors, str(clash)]
            status = 422
    else:
        status = 422
    if not is_partial():
        if status == 200:
            flash(f"Reading recorded for “{measure.name}”.", "success")
            return redirect(url_for("catalogue.show", slug=product.slug) + f"#measure-{measure.id}")
        return render(
            "catalogue/show.html",
            status=422,
            **product_page_context(product, reading_forms={measure.id: form}),
        )
    db.session.refresh(measure, ["readings"])
    return render(
        "catalogue/show.html",
        "measure",
        status=status,
        measure=measure,
        **product_page_context(product, reading_forms={measure.id: form}),
    )


# Stakeholder map ---------------------------------------------------------------------


def stakeholders_of(product: Product) -> list[Stakeholder]:
    return (
        db.session.execute(
            db.select(Stakeholder)
            .where(Stakeholder.product_id == product.id)
            .order_by(Stakeholder.power.desc(), Stakeholder.interest.desc(), Stakeholder.name)
        )
        .scalars()
        .all()
    )


def stakeholder_answer(product: Product, form: StakeholderForm | None = None, status: int = 200):
    if not is_partial():
        if status == 200:
            return redirect(url_for("catalogue.show", slug=product.slug) + "#stakeholders")
        return render(
            "catalogue/show.html",
            status=status,
            **product_page_context(product, stakeholder_form=form),
        )
    return render(
        "catalogue/show.html",
        "stakeholders",
        status=status,
        product=product,
        can_edit=True,
        stakeholders=stakeholders_of(product),
        stakeholder_form=form or StakeholderForm(formdata=None),
    )


@bp.post("/products/<slug>/stakeholders")
@requires("edit_catalogue")
def add_stakeholder(slug: str):
    product = load_product(slug)
    form = StakeholderForm()
    if not form.validate():
        return stakeholder_answer(product, form, status=422)
    db.session.add(
        Stakeholder(
            product_id=product.id,
            name=form.name.data,
            department_id=form.department_id.data,
            role=StakeholderRole(form.role.data),
            power=form.power.data,
            interest=form.interest.data,
        )
    )
    db.session.commit()
    return stakeholder_answer(product)


@bp.post("/products/<slug>/stakeholders/<int:stakeholder_id>/delete")
@requires("edit_catalogue")
def remove_stakeholder(slug: str, stakeholder_id: int):
    product = load_product(slug)
    entry = db.session.get(Stakeholder, stakeholder_id)
    if entry is None or entry.product_id != product.id:
        abort(404)
    db.session.delete(entry)
    db.session.commit()
    return stakeholder_answer(product)


# Satisfaction survey ---------------------------------------------------------------


@bp.post("/products/<slug>/survey")
@requires("answer_survey")
def answer(slug: str):
    product = load_product(slug)
    form = SurveyForm()
    status = 200
    if form.validate():
        answer_survey(
            db.session,
            current_user,
            product,
            score=form.score.data,
            comment=form.comment.data,
            today=date.today(),
        )
        db.session.commit()
        form = None
    else:
        status = 422
    if not is_partial():
        if status == 200:
            flash("Thank you: your answer for this quarter is recorded.", "success")
            return redirect(url_for("catalogue.show", slug=product.slug) + "#satisfaction")
        return render(
            "catalogue/show.html",
            status=422,
            **product_page_context(product, **survey_context(product, form)),
        )
    return render(
        "catalogue/show.html",
        "satisfaction",
        status=status,
        product=product,
        survey_saved=status == 200,
        **survey_context(product, form),
    )


# Departments ---------------------------------------------------------------------


@bp.get("/departments")
@requires("browse")
def departments():
    rows = db.session.execute(departments_overview()).unique().scalars().all()
    return render("catalogue/departments.html", departments=rows)


@bp.get("/departments/<int:department_id>")
@requires("browse")
def department(department_id: int):
    found = db.session.execute(department_page(department_id)).unique().scalar_one_or_none()
    if found is None:
        abort(404)
    return render(
        "catalogue/department.html",
        department=found,
        open_rows=open_requests_for(
            db.session, department_id=found.id, user_id=current_user.id, limit=20
        ),
        open_total=count_open_requests(db.session, department_id=found.id),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        department = Department()
        form.populate_obj(department)
        db.session.add(department)
        db.session.commit()
        flash(f"Department {department.name} added.", "success")
        return redirect(url_for("catalogue.department", department_id=department.id))
    return render(
        "catalogue/department_form.html", form=form, department=None, status=status_for(form)
    )


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm(obj=department, department=department)
    if form.validate_on_submit():
        form.populate_obj(department)
        db.session.commit()
        flash("Department saved.", "success")
        return redirect(url_for("catalogue.department", department_id=department.id))
    return render(
        "catalogue/department_form.html", form=form, department=department, status=status_for(form)
    )
