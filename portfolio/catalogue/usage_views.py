"""The departments using a product: added and removed inline on its page
(endpoints `catalogue.usage.*`)."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.forms import UsageForm
from portfolio.catalogue.products import add_usage, remove_usage
from portfolio.catalogue.queries import product_page, product_usages, usage_of
from portfolio.catalogue.sections import page_context, usage_section
from portfolio.extensions import db
from portfolio.htmx import inline_form_answer

bp = Blueprint("usage", __name__)


@bp.post("/products/<slug>/usage")
@requires("edit_catalogue")
def add(slug: str):
    product = db.one_or_404(product_usages(slug))
    form = UsageForm(product=product)
    saved = form.validate()
    if saved:
        add_usage(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return answer(slug, saved, form)


@bp.post("/products/<slug>/usage/<int:usage_id>/delete")
@requires("edit_catalogue")
def remove(slug: str, usage_id: int):
    usage = db.one_or_404(usage_of(slug, usage_id))
    remove_usage(db.session, current_user, usage)
    db.session.commit()
    return answer(slug, saved=True)


def answer(slug: str, saved: bool, form: UsageForm | None = None) -> Response:
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="usage",
        fragment=lambda: usage_section(db.one_or_404(product_usages(slug)), form),
        page=lambda: page_context(db.one_or_404(product_page(slug)), usage_form=form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="departments"),
    )
