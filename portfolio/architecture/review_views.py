"""Reviews: "Still accurate" and the review cadence on a product page, and
the list of products due for review (endpoints `reviews.*`)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.architecture.completeness import completeness_of
from portfolio.architecture.review_forms import CadenceForm, ConfirmReviewForm
from portfolio.architecture.review_section import review_section
from portfolio.architecture.reviews import (
    DUE_SOON_DAYS,
    NotYourProduct,
    ReviewRefused,
    cadence_text,
    confirm_accurate,
    due_for_review,
    due_on,
    may_review,
    review_status,
    review_summary,
    set_cadence,
)
from portfolio.auth.permissions import requires
from portfolio.catalogue.queries import product_by_slug, product_page
from portfolio.catalogue.sections import page_context
from portfolio.extensions import db
from portfolio.filters import parse_page
from portfolio.htmx import inline_form_answer, is_partial, render, render_fragment
from portfolio.models import Product
from portfolio.queries import paginate

bp = Blueprint("reviews", __name__)

REVIEWS_PER_PAGE = 50


def may_see_all(user) -> bool:
    """Everyone lists the products they own; who follows the whole catalogue
    (the dashboard's readers, the product team) may list all of them."""
    return user.can("view_dashboard") or user.can("edit_catalogue")


def _scope(value: str | None) -> str:
    return "all" if value == "all" and may_see_all(current_user) else "mine"


@bp.get("/reviews")
@requires("browse")
def index():
    """Products overdue for review or due within DUE_SOON_DAYS, the earliest
    due first: the signed-in user's own, or (scope=all) everyone's."""
    today = date.today()
    scope = _scope(request.args.get("scope"))
    owner_id = None if scope == "all" else current_user.id
    page = paginate(
        db.session,
        due_for_review(today, owner_id=owner_id),
        page=parse_page(request.args.get("page")),
        per_page=REVIEWS_PER_PAGE,
    )
    products = [product for (product,) in page.rows]
    return render(
        "architecture/reviews.html",
        "results",
        rows=[review_status(product, today) for product in products],
        completeness=completeness_of(db.session, [product.id for product in products]),
        page=page,
        page_number=page.page,
        scope=scope,
        wide=may_see_all(current_user),
        summary=review_summary(db.session, today, owner_id=owner_id),
        due_soon_days=DUE_SOON_DAYS,
        confirm_form=ConfirmReviewForm(formdata=None, back="reviews"),
        confirmed=None,
    )


def _reviewable(slug: str) -> Product:
    product = db.one_or_404(product_by_slug(slug))
    if not may_review(current_user, product):
        abort(403)
    if product.is_retired:
        abort(409, f"{product.name} is retired: it is no longer reviewed.")
    return product


@bp.post("/products/<slug>/review")
@requires("browse")
def confirm(slug: str):
    """The owner (or the product team) confirms the entry is still accurate."""
    product = _reviewable(slug)
    form = ConfirmReviewForm()
    if not form.validate():
        abort(400, "Send the form from the product page or the reviews list.")
    try:
        confirm_accurate(db.session, current_user, product)
    except (NotYourProduct, ReviewRefused):  # checked above; a race at most
        db.session.rollback()
        abort(409)
    db.session.commit()
    message = f"{product.name} confirmed as accurate: next review due {due_on(product):%d %b %Y}."
    if form.back.data == "reviews":
        scope = _scope(request.args.get("scope"))
        if is_partial():
            return render_fragment(
                "architecture/_review_row.html",
                row=review_status(product, date.today()),
                completeness=completeness_of(db.session, [product.id]),
                scope=scope,
                page_number=1,
                confirm_form=None,
                confirmed=product.id,
            )
        flash(message, "success")
        return redirect(
            url_for("reviews.index", scope=scope, page=parse_page(request.args.get("page")))
        )
    return inline_form_answer(
        True,
        template="catalogue/show.html",
        block="review",
        fragment=lambda: review_section(product, confirmed=True),
        page=lambda: {},
        redirect_to=url_for("catalogue.show", slug=product.slug, _anchor="review"),
        message=message,
    )


@bp.post("/products/<slug>/review/cadence")
@requires("edit_catalogue")
def cadence(slug: str):
    """How often the product is reviewed (1–36 months)."""
    product = db.one_or_404(product_by_slug(slug))
    if product.is_retired:
        abort(409, f"{product.name} is retired: it is no longer reviewed.")
    form = CadenceForm()
    saved = form.validate()
    if saved:
        set_cadence(db.session, current_user, product, form.review_every_months.data)
        db.session.commit()
        form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="review",
        fragment=lambda: review_section(product, form),
        page=lambda: {
            **page_context(db.one_or_404(product_page(slug))),
            **review_section(product, form),
        },
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="review"),
        message=f"{product.name} is reviewed every {cadence_text(product.review_every_months)}.",
    )
