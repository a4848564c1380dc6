"""The review box of a product page: when it was last confirmed accurate,
when it is due, the "Still accurate" button, the cadence, and how complete
the entry is. Shared by the product page (catalogue/sections.py) and the
answers of the review views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_login import current_user

from portfolio.architecture.completeness import Completeness, completeness_of
from portfolio.architecture.review_forms import CadenceForm, ConfirmReviewForm
from portfolio.architecture.reviews import ReviewStatus, may_review, review_status
from portfolio.extensions import db
from portfolio.models import Product


@dataclass(frozen=True)
class ReviewBox:
    status: ReviewStatus
    completeness: Completeness
    can_review: bool
    can_edit: bool  # may change the cadence, and follow the links to the forms
    confirm_form: ConfirmReviewForm | None
    cadence_form: CadenceForm | None
    confirmed: bool = False  # just confirmed: say so


def review_section(
    product: Product, cadence_form: CadenceForm | None = None, *, confirmed: bool = False
) -> dict:
    """`review_box` for templates/architecture/_review.html; None for a
    retired product (it is no longer reviewed). Two statements: the
    completeness, and the reviewer's name."""
    if product.is_retired:
        return {"review_box": None}
    can_edit = current_user.can("edit_catalogue")
    can_review = may_review(current_user, product)
    if can_edit and cadence_form is None:
        cadence_form = CadenceForm(formdata=None, obj=product)
    return {
        "review_box": ReviewBox(
            status=review_status(product, date.today()),
            completeness=completeness_of(db.session, [product.id])[product.id],
            can_review=can_review,
            can_edit=can_edit,
            confirm_form=ConfirmReviewForm(formdata=None) if can_review else None,
            cadence_form=cadence_form if can_edit else None,
            confirmed=confirmed,
        )
    }
