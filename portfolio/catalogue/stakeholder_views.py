"""A product's stakeholder map: people added and removed inline on its page
(endpoints `catalogue.stakeholders.*`)."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.forms import StakeholderForm
from portfolio.catalogue.queries import product_by_slug, product_page, stakeholder_of
from portfolio.catalogue.sections import page_context, stakeholder_section
from portfolio.catalogue.stakeholders import add_stakeholder, remove_stakeholder
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer

bp = Blueprint("stakeholders", __name__)


@bp.post("/products/<slug>/stakeholders")
@requires("edit_catalogue")
def add(slug: str):
    product = db.one_or_404(product_by_slug(slug))
    form = StakeholderForm()
    saved = form.validate()
    if saved:
        add_stakeholder(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return answer(slug, saved, form)


@bp.post("/products/<slug>/stakeholders/<int:stakeholder_id>/delete")
@requires("edit_catalogue")
def remove(slug: str, stakeholder_id: int):
    entry = db.one_or_404(stakeholder_of(slug, stakeholder_id))
    remove_stakeholder(db.session, current_user, entry)
    db.session.commit()
    return answer(slug, saved=True)


def answer(slug: str, saved: bool, form: StakeholderForm | None = None) -> Response:
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="stakeholders",
        fragment=lambda: stakeholder_section(db.one_or_404(product_by_slug(slug)), form),
        page=lambda: page_context(db.one_or_404(product_page(slug)), stakeholder_form=form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="stakeholders"),
    )
