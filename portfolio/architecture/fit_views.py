"""A product's fit assessments and lifecycle dates, saved inline on its page
(endpoints `catalogue.fit.*`, nested in the catalogue blueprint)."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portfolio.architecture.assessments import assess
from portfolio.architecture.fit_forms import FitForm, LifecycleDatesForm
from portfolio.architecture.lifecycle_dates import save_lifecycle_dates
from portfolio.architecture.product_sections import fit_section, lifecycle_dates_section
from portfolio.auth.permissions import requires
from portfolio.catalogue.queries import product_by_slug, product_page
from portfolio.catalogue.sections import page_context
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer

bp = Blueprint("fit", __name__)


@bp.post("/products/<slug>/fit")
@requires("edit_catalogue")
def assess_fit(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = FitForm()
    saved = form.validate()
    if saved:
        assess(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="fit",
        fragment=lambda: fit_section(product, form, saved=saved),
        page=lambda: page_context(db.one_or_404(product_page(slug))) | fit_section(product, form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="fit"),
        message="Assessment recorded.",
    )


@bp.post("/products/<slug>/lifecycle-dates")
@requires("edit_catalogue")
def save_dates(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = LifecycleDatesForm(product=product)
    saved = form.validate()
    if saved:
        save_lifecycle_dates(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="lifecycle_dates",
        fragment=lambda: lifecycle_dates_section(product, form, saved=saved),
        page=lambda: (
            page_context(db.one_or_404(product_page(slug))) | lifecycle_dates_section(product, form)
        ),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="lifecycle-dates"),
        message="Lifecycle dates saved.",
    )
