"""The product page's "Fit and TIME" and "Lifecycle dates" sections (blocks
`fit` and `lifecycle_dates` of catalogue/show.html): each builds only what
its block shows, so an htmx answer to its form redraws it alone."""

from __future__ import annotations

from datetime import date

from flask_login import current_user

from portfolio.architecture.assessments import TIME_ADVICE, fit_history
from portfolio.architecture.fit_forms import FitForm, LifecycleDatesForm
from portfolio.architecture.lifecycle_dates import KINDS, MILESTONES, support_warning
from portfolio.extensions import db
from portfolio.models import FIT_LABELS, Product


def fit_section(product: Product, form: FitForm | None = None, *, saved: bool = False) -> dict:
    """The current fit and TIME class, the history (newest first, bounded) and,
    for the product team, the form to add an assessment. Two queries."""
    history = fit_history(db.session, product.id)
    editor = current_user.can("edit_catalogue")
    if editor and form is None:
        form = FitForm.fresh(history[0] if history else None)
    return {
        "product": product,
        "can_edit": editor,
        "fit_history": history,
        "current_fit": history[0] if history else None,
        "fit_labels": FIT_LABELS,
        "time_advice": TIME_ADVICE,
        "fit_form": form if editor else None,
        "fit_saved": saved,
    }


def lifecycle_dates_section(
    product: Product, form: LifecycleDatesForm | None = None, *, saved: bool = False
) -> dict:
    """The planned and actual dates, the end-of-support warning and, for the
    product team, the form to change them. No query: they are the product's."""
    editor = current_user.can("edit_catalogue")
    if editor and form is None:
        form = LifecycleDatesForm(formdata=None, product=product)
    return {
        "product": product,
        "can_edit": editor,
        "milestones": MILESTONES,
        "date_kinds": KINDS,
        "support_warning": support_warning(product, date.today()),
        "dates_form": form if editor else None,
        "dates_saved": saved,
    }
