"""A product's success measures: defining them, and recording readings inline
on the product page (endpoints `catalogue.measures.*`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.forms import MeasureForm, ReadingForm
from portfolio.catalogue.queries import measure_of, product_by_slug, product_page
from portfolio.catalogue.readings import (
    DuplicateReading,
    create_measure,
    edit_measure,
    record_reading,
)
from portfolio.catalogue.sections import measure_section, page_context
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer, render

bp = Blueprint("measures", __name__)


@bp.route("/products/<slug>/measures/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = MeasureForm(product=product)
    if form.validate_on_submit():
        measure = create_measure(db.session, current_user, product, **form.values())
        db.session.commit()
        flash(f"Measure “{measure.name}” added.", "success")
        return redirect(url_for("catalogue.show", slug=slug, _anchor=f"measure-{measure.id}"))
    return render(
        "catalogue/measure_form.html",
        form=form,
        product=product,
        measure=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/products/<slug>/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit(slug: str, measure_id: int):
    measure = db.one_or_404(measure_of(slug, measure_id))
    form = MeasureForm(obj=measure, product=measure.product, measure=measure)
    if request.method == "GET":
        form.unit.data = measure.unit.value
        form.direction.data = measure.direction.value
    if form.validate_on_submit():
        edit_measure(db.session, current_user, measure, **form.values())
        db.session.commit()
        flash("Measure saved.", "success")
        return redirect(url_for("catalogue.show", slug=slug, _anchor=f"measure-{measure.id}"))
    return render(
        "catalogue/measure_form.html",
        form=form,
        product=measure.product,
        measure=measure,
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/products/<slug>/measures/<int:measure_id>/readings")
@requires("edit_catalogue")
def add_reading(slug: str, measure_id: int):
    measure = db.one_or_404(measure_of(slug, measure_id))
    name = measure.name
    form = ReadingForm.for_measure(measure)
    saved = form.validate()
    if saved:
        try:
            record_reading(db.session, current_user, measure, **form.values())
        except DuplicateReading as clash:
            form.taken_on.errors = [*form.taken_on.errors, str(clash)]
            saved = False
        else:
            db.session.commit()
            form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="measure",
        fragment=lambda: measure_section(db.one_or_404(measure_of(slug, measure_id)), form),
        page=lambda: page_context(
            db.one_or_404(product_page(slug)), reading_forms={measure_id: form}
        ),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor=f"measure-{measure_id}"),
        message=f"Reading recorded for “{name}”.",
    )
