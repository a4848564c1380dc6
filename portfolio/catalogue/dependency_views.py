"""A product's dependencies and interfaces, added, edited and removed inline
on its page (endpoints `catalogue.dependencies.*`), and what sunsetting or
retiring it would affect (`catalogue.dependencies.impact`)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.architecture.dependencies import (
    add_dependency,
    add_interface,
    dependency_of,
    edit_interface,
    interface_of,
    remove_dependency,
    remove_interface,
)
from portfolio.architecture.impact import impact_of_retiring, moves_into_ending
from portfolio.auth.permissions import requires
from portfolio.catalogue.dependency_forms import DependencyForm, InterfaceDetailsForm, InterfaceForm
from portfolio.catalogue.lifecycle_forms import ImpactConfirmForm
from portfolio.catalogue.queries import product_by_slug, product_page
from portfolio.catalogue.sections import dependencies_section, page_context
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer, is_partial, render, render_fragment
from portfolio.models import Stage

bp = Blueprint("dependencies", __name__)

ANCHOR = "dependencies"


@bp.post("/products/<slug>/dependencies")
@requires("edit_catalogue")
def add(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = DependencyForm(product=product)
    saved = form.validate()
    if saved:
        add_dependency(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return answer(slug, saved, {"dependency_form": form} if form else {})


@bp.post("/products/<slug>/dependencies/<int:dependency_id>/delete")
@requires("edit_catalogue")
def remove(slug: str, dependency_id: int):
    dependency = db.one_or_404(dependency_of(slug, dependency_id))
    remove_dependency(db.session, current_user, dependency)
    db.session.commit()
    return answer(slug, saved=True)


@bp.post("/products/<slug>/interfaces")
@requires("edit_catalogue")
def add_flow(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = InterfaceForm(product=product)
    saved = form.validate()
    if saved:
        add_interface(db.session, current_user, **form.values())
        db.session.commit()
        form = None
    return answer(slug, saved, {"interface_form": form} if form else {})


@bp.route("/products/<slug>/interfaces/<int:interface_id>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit_flow(slug: str, interface_id: int):
    """Edit an interface: in place in the section with htmx, on a page of its
    own without JavaScript."""
    interface = db.one_or_404(interface_of(slug, interface_id))
    form = InterfaceDetailsForm(interface=interface)
    saved = False
    if form.validate_on_submit():
        edit_interface(db.session, current_user, interface, **form.values())
        db.session.commit()
        saved = True
    status = 422 if form.is_submitted() and not saved else 200
    if is_partial():
        product = db.one_or_404(product_by_slug(slug))
        forms = {} if saved else {"edit_form": form}
        return render(
            "catalogue/show.html",
            "dependencies",
            status=status,
            **dependencies_section(product, **forms),
        )
    if saved:
        flash("Interface saved.", "success")
        return redirect(url_for("catalogue.show", slug=slug, _anchor=ANCHOR))
    return render(
        "architecture/interface_form.html",
        form=form,
        product=db.one_or_404(product_by_slug(slug)),
        interface=interface,
        status=status,
    )


@bp.post("/products/<slug>/interfaces/<int:interface_id>/delete")
@requires("edit_catalogue")
def remove_flow(slug: str, interface_id: int):
    interface = db.one_or_404(interface_of(slug, interface_id))
    remove_interface(db.session, current_user, interface)
    db.session.commit()
    return answer(slug, saved=True)


def answer(slug: str, saved: bool, forms: dict | None = None) -> Response:
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="dependencies",
        fragment=lambda: dependencies_section(
            db.one_or_404(product_by_slug(slug)), **(forms or {})
        ),
        page=lambda: page_context(db.one_or_404(product_page(slug)), dependency_forms=forms),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor=ANCHOR),
    )


# What sunsetting or retiring would affect ------------------------------------------


@bp.get("/products/<slug>/impact")
@requires("edit_catalogue")
def impact(slug: str):
    """The impact summary: a page of its own; for htmx (the product form's
    stage select, which sends `stage`), the summary with its confirmation when
    that stage sunsets or retires the product, and nothing otherwise."""
    product = db.one_or_404(product_by_slug(slug))
    if is_partial():
        stage = request.args.get("stage")
        ending = moves_into_ending(product, stage)
        return render_fragment(
            "architecture/_stage_impact.html",
            product=product,
            impact=impact_of_retiring(db.session, product) if ending else None,
            confirm=ImpactConfirmForm() if ending else None,
            target=Stage(stage) if ending else None,
        )
    return render(
        "architecture/impact.html", product=product, impact=impact_of_retiring(db.session, product)
    )
