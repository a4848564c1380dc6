"""The catalogue: the product list and the product pages, with their forms.

The sections of a product page that have their own inline forms live in
their own modules, as blueprints nested in this one (so their endpoints are
`catalogue.usage.add`, `catalogue.measures.edit`, …): usage_views,
measure_views, stakeholder_views, dependency_views; the departments pages in department_views;
the whole catalogue's import and export in import_views.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.architecture.fit import latest_fits
from portfolio.architecture.fit_views import bp as fit_bp
from portfolio.auth.permissions import requires
from portfolio.catalogue.backstage import MEDIA_TYPE, catalog_info, product_entity_query
from portfolio.catalogue.charts import chart_for
from portfolio.catalogue.contracts import NO_CONTRACT_TERMS, save_contract
from portfolio.catalogue.csv_export import product_list_rows
from portfolio.catalogue.department_views import bp as departments_bp
from portfolio.catalogue.dependency_views import bp as dependencies_bp
from portfolio.catalogue.forms import (
    ConfirmForm,
    ContractForm,
    ProductForm,
    SurveyForm,
    ValuePropositionForm,
)
from portfolio.catalogue.import_views import bp as imports_bp
from portfolio.catalogue.lifecycle import retire_product
from portfolio.catalogue.lifecycle_forms import RetireForm
from portfolio.catalogue.measure_views import bp as measures_bp
from portfolio.catalogue.measures import (
    format_measure_value,
    format_value,
    status_counts,
    status_of,
)
from portfolio.catalogue.products import (
    TAG_SEPARATOR,
    ProductNotEmpty,
    attachments,
    create_product,
    delete_product,
    edit_product,
    save_value_proposition,
    trail_entries,
)
from portfolio.catalogue.queries import (
    ProductFilters,
    product_by_slug,
    product_list,
    product_page,
)
from portfolio.catalogue.satisfaction import SURVEY_CLOSED, answer_survey
from portfolio.catalogue.sections import page_context, satisfaction_section
from portfolio.catalogue.stakeholder_views import bp as stakeholders_bp
from portfolio.catalogue.usage_views import bp as usage_bp
from portfolio.dashboard.measured_cards import amount
from portfolio.extensions import db
from portfolio.filters import parse_id
from portfolio.htmx import inline_form_answer, render, render_fragment
from portfolio.models import Category, Stage, TimeClass
from portfolio.queries import paginate
from portfolio.revisions import conditional_page
from portfolio.selects import department_source, filter_options, product_source, search_options
from portfolio.spreadsheets import spreadsheet_download

bp = Blueprint("catalogue", __name__)
for section in (
    usage_bp,
    measures_bp,
    stakeholders_bp,
    departments_bp,
    imports_bp,
    dependencies_bp,
):
    bp.register_blueprint(section)
bp.register_blueprint(fit_bp)  # #18: fit assessments and lifecycle dates

for helper in (status_of, status_counts, chart_for, format_value, format_measure_value):
    bp.add_app_template_global(helper)
bp.add_app_template_global(amount, "measure_amount")  # '+1.2 %', '-2 minutes'


# The list ------------------------------------------------------------------------


PRODUCTS_PER_PAGE = 50


@bp.get("/products")
@requires("browse")
def index():
    filters = ProductFilters.from_args(request.args)
    page = paginate(
        db.session, product_list(filters), page=filters.page, per_page=PRODUCTS_PER_PAGE
    )
    departments = filter_options(department_source(), filters.department_id)
    products = [product for (product,) in page.rows]
    return render(
        "catalogue/index.html",
        "results",
        products=products,
        fits=latest_fits(db.session, [product.id for product in products]),  # #18: TIME
        times=TimeClass,
        page=page,
        filters=filters,
        departments=departments,
        categories=Category,
        stages=Stage,
    )


@bp.get("/products/options")
@requires("browse")
def options():
    """Products that can be asked for or planned, matching a search, as a
    search select's options (htmx)."""
    source = product_source(excluding=parse_id(request.args.get("excluding", "")))
    return render_fragment("macros/_search_options.html", **search_options(source, request.args))


@bp.get("/products.csv", defaults={"format": "csv"}, endpoint="index_csv")
@bp.get("/products.xlsx", defaults={"format": "xlsx"}, endpoint="index_xlsx")
@requires("browse")
def index_download(format: str):
    """The filtered list as a spreadsheet: CSV or XLSX."""
    filters = ProductFilters.from_args(request.args)
    products = db.session.execute(product_list(filters)).unique().scalars().all()
    return spreadsheet_download(format, "products", product_list_rows(products))


# One product ---------------------------------------------------------------------


@bp.get("/products/<slug>")
@requires("browse")
@conditional_page
def show(slug: str):
    product = db.one_or_404(product_page(slug))
    return render("catalogue/show.html", **page_context(product))


@bp.get("/products/<slug>/catalog-info.yaml")
@requires("browse")
def catalog_info_yaml(slug: str):
    """The product as a Backstage entity, for whoever may see its page."""
    product = db.one_or_404(product_entity_query(slug))
    return Response(
        catalog_info(product),
        content_type=f"{MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="catalog-info.yaml"'},
    )


@bp.route("/products/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create():
    form = ProductForm()
    if request.method == "GET" and form.owner_id.data is None:
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        product = create_product(db.session, current_user, **form.values())
        db.session.commit()
        flash(f"{product.name} added to the catalogue.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug))
    return render(
        "catalogue/product_form.html",
        form=form,
        product=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = ProductForm(obj=product, product=product)
    if request.method == "GET":
        form.tags.data = TAG_SEPARATOR.join(product.tag_names)
        form.owner_id.data = product.owner_id
    if form.validate_on_submit():
        edit_product(db.session, current_user, product, **form.values())
        db.session.commit()
        flash("Product saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug))
    return render(
        "catalogue/product_form.html",
        form=form,
        product=product,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/value", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_value(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = ValuePropositionForm(obj=product.value_proposition)
    if form.validate_on_submit():
        save_value_proposition(db.session, current_user, product, **form.values())
        db.session.commit()
        flash("Value proposition saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug, _anchor="value"))
    return render(
        "catalogue/value_form.html",
        form=form,
        product=product,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/contract", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_contract(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    if not product.has_contract_terms:
        flash(NO_CONTRACT_TERMS, "info")
        return redirect(url_for("catalogue.show", slug=product.slug))
    form = ContractForm(obj=product.contract)
    if request.method == "GET" and product.contract is None:
        form.vendor.data = product.vendor
    if form.validate_on_submit():
        save_contract(db.session, current_user, product, **form.values())
        db.session.commit()
        flash("Contract saved.", "success")
        return redirect(url_for("catalogue.show", slug=product.slug, _anchor="contract"))
    return render(
        "catalogue/contract_form.html",
        form=form,
        product=product,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/retire", methods=["GET", "POST"])
@requires("edit_catalogue")
def retire(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    if product.is_retired:
        flash(f"{product.name} is already retired.", "info")
        return redirect(url_for("catalogue.show", slug=product.slug))
    form = RetireForm(product=product)
    if form.validate_on_submit():
        retire_product(db.session, current_user, product, **form.values())
        db.session.commit()
        flash(
            f"{product.name} is retired: it no longer appears in the default catalogue list.",
            "success",
        )
        return redirect(url_for("catalogue.show", slug=product.slug))
    return render(
        "catalogue/retire.html",
        form=form,
        product=product,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/delete", methods=["GET", "POST"])
@requires("delete_products")
def delete(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = ConfirmForm()
    if form.validate_on_submit():
        name = product.name
        try:
            delete_product(db.session, current_user, product)
        except ProductNotEmpty as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("catalogue.show", slug=slug))
        db.session.commit()
        flash(f"{name} deleted.", "success")
        return redirect(url_for("catalogue.index"))
    return render(
        "catalogue/delete.html",
        form=form,
        product=product,
        attached=attachments(db.session, product),
        history=trail_entries(db.session, product),
    )


# The satisfaction survey, inline -------------------------------------------------


@bp.post("/products/<slug>/survey")
@requires("answer_survey")
def survey(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    if product.is_retired:
        abort(409, SURVEY_CLOSED.format(name=product.name))
    form = SurveyForm()
    saved = form.validate()
    if saved:
        answer_survey(db.session, current_user, product, **form.values(), today=date.today())
        db.session.commit()
        form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="satisfaction",
        fragment=lambda: satisfaction_section(product, form, saved=saved),
        page=lambda: page_context(db.one_or_404(product_page(slug)), survey_form=form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="satisfaction"),
        message="Thank you: your answer for this quarter is recorded.",
    )
