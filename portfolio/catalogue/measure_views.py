"""A product's success measures: defining them, recording and correcting
readings inline on the product page, and a measure's history (endpoints
`catalogue.measures.*`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.history import (
    CORRECTIONS_PER_PAGE,
    READINGS_PER_PAGE,
    corrections_newest_first,
    measure_header,
    reading_of,
    readings_newest_first,
)
from portfolio.catalogue.measure_forms import MeasureForm, ReadingForm
from portfolio.catalogue.queries import measure_of, product_by_slug, product_page
from portfolio.catalogue.readings import (
    DuplicateReading,
    correct_reading,
    create_measure,
    delete_reading,
    edit_measure,
    reading_text,
    record_reading,
)
from portfolio.catalogue.sections import measure_section, page_context
from portfolio.extensions import db
from portfolio.filters import parse_page
from portfolio.htmx import inline_form_answer, is_partial, render
from portfolio.queries import paginate

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
        form.unit_label.data = measure.unit_label or ""
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


def measure_block(slug: str, measure_id: int, **forms) -> dict:
    """The context of one measure's block, loaded afresh (after a change)."""
    return measure_section(db.one_or_404(measure_of(slug, measure_id)), **forms)


@bp.route(
    "/products/<slug>/measures/<int:measure_id>/readings/<int:reading_id>/edit",
    methods=["GET", "POST"],
)
@requires("edit_catalogue")
def edit_reading(slug: str, measure_id: int, reading_id: int):
    """Correct a reading: in place in its measure's block with htmx, on a page
    of its own without JavaScript."""
    reading = db.one_or_404(reading_of(slug, measure_id, reading_id))
    measure = reading.measure
    name = measure.name
    form = ReadingForm.for_reading(reading)
    saved = False
    if form.validate_on_submit():
        try:
            correct_reading(db.session, current_user, reading, **form.values())
        except DuplicateReading as clash:
            form.taken_on.errors = [*form.taken_on.errors, str(clash)]
        else:
            db.session.commit()
            saved = True
    status = 422 if form.is_submitted() and not saved else 200
    back = url_for("catalogue.show", slug=slug, _anchor=f"measure-{measure_id}")
    if is_partial():
        forms = {} if saved else {"correct_form": form}
        return render(
            "catalogue/show.html",
            "measure",
            status=status,
            **measure_block(slug, measure_id, **forms),
        )
    if saved:
        flash(f"Reading of “{name}” corrected.", "success")
        return redirect(back)
    return render(
        "catalogue/reading_form.html",
        form=form,
        product=measure.product,
        measure=measure,
        reading=reading,
        status=status,
    )


@bp.post(
    "/products/<slug>/measures/<int:measure_id>/readings/<int:reading_id>/delete",
    endpoint="delete_reading",
)
@requires("edit_catalogue")
def remove_reading(slug: str, measure_id: int, reading_id: int):
    reading = db.one_or_404(reading_of(slug, measure_id, reading_id))
    measure = reading.measure
    message = f"Reading of {reading_text(measure, reading.value, reading.taken_on)} deleted."
    delete_reading(db.session, current_user, reading)
    db.session.commit()
    return inline_form_answer(
        True,
        template="catalogue/show.html",
        block="measure",
        fragment=lambda: measure_block(slug, measure_id),
        page=dict,  # a deletion does not fail
        redirect_to=url_for("catalogue.show", slug=slug, _anchor=f"measure-{measure_id}"),
        message=message,
    )


@bp.get("/products/<slug>/measures/<int:measure_id>/history")
@requires("browse")
def history(slug: str, measure_id: int):
    """Every reading of a measure and every correction of one, newest first."""
    measure = db.one_or_404(measure_header(slug, measure_id))
    readings = paginate(
        db.session,
        readings_newest_first(measure.id),
        page=parse_page(request.args.get("page")),
        per_page=READINGS_PER_PAGE,
    )
    corrections = paginate(
        db.session,
        corrections_newest_first(measure.id),
        page=parse_page(request.args.get("corrections")),
        per_page=CORRECTIONS_PER_PAGE,
    )
    return render(
        "catalogue/measure_history.html",
        product=measure.product,
        measure=measure,
        readings=readings,
        corrections=corrections,
    )
