"""What the product page shows, section by section.

The page's context is the union of its sections' contexts plus the parts no
inline form redraws (open requests, recent changes, comments). An htmx answer
to a form inside one section builds only that section's context, from the
product as that section's query loads it (see `catalogue/queries.py`)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_login import current_user

from portfolio.activity.trail import latest_for_product
from portfolio.architecture.capability_section import capability_section
from portfolio.architecture.cost_forms import RunCostForm
from portfolio.architecture.costs import product_cost_figures
from portfolio.architecture.dependencies import product_links
from portfolio.architecture.product_sections import fit_section, lifecycle_dates_section
from portfolio.architecture.review_section import review_section
from portfolio.catalogue.contracts import seat_usage
from portfolio.catalogue.dependency_forms import (
    DependencyForm,
    InterfaceDetailsForm,
    InterfaceForm,
)
from portfolio.catalogue.forms import StakeholderForm, SurveyForm, UsageForm
from portfolio.catalogue.lifecycle import lifecycle_section
from portfolio.catalogue.measure_forms import ReadingForm
from portfolio.catalogue.satisfaction import (
    answer_of,
    last_quarters,
    nps_by_quarter,
    nps_chart,
    quarter_of,
)
from portfolio.catalogue.stakeholders import stakeholder_map, stakeholders_of
from portfolio.comments.forms import CommentForm
from portfolio.comments.threads import load_thread
from portfolio.dashboard.measured_cards import shipped_value
from portfolio.extensions import db
from portfolio.models import Product, Sourcing, SuccessMeasure
from portfolio.queries import Top
from portfolio.requests.queries import count_open_requests, open_requests_for

NPS_QUARTERS = 8
USAGE_ROWS = 50  # departments listed under "Departments using it"
READINGS_SHOWN = 5  # latest readings listed in a measure's block (all: its history page)


def can_edit() -> bool:
    return current_user.can("edit_catalogue")


def page_context(
    product: Product,
    *,
    usage_form: UsageForm | None = None,
    reading_forms: dict[int, ReadingForm] | None = None,
    stakeholder_form: StakeholderForm | None = None,
    survey_form: SurveyForm | None = None,
    run_cost_form: RunCostForm | None = None,
    dependency_forms: dict | None = None,
) -> dict:
    """The whole page, for a product loaded by `queries.product_page`; a form
    passed in (one that failed validation) replaces its section's fresh one."""
    return {
        **lifecycle_section(db.session, product),
        **review_section(product),
        **usage_section(product, usage_form),
        **measures_section(product, reading_forms or {}),
        **stakeholder_section(product, stakeholder_form),
        **satisfaction_section(product, survey_form),
        **capability_section(db.session, product),
        **run_cost_section(product, run_cost_form),
        **dependencies_section(product, **(dependency_forms or {})),
        **fit_section(product),
        **lifecycle_dates_section(product),
        "seats": seat_usage(product.contract) if product.contract else None,
        "open_rows": open_requests_for(db.session, product_id=product.id, user_id=current_user.id),
        "open_total": count_open_requests(db.session, product_id=product.id),
        "activity": db.session.execute(latest_for_product(product.id)).scalars().all(),
        "thread": load_thread(db.session, "product", product.id, CommentForm(formdata=None)),
        "shipped_value": shipped_value(db.session, product.id, date.today()),
    }


def usage_section(product: Product, form: UsageForm | None = None) -> dict:
    """The departments using the product (block `usage`): the USAGE_ROWS with
    the most users, alphabetically, and how many there are in all; needs its
    usages loaded."""
    editor = can_edit()
    if editor and form is None:
        form = UsageForm(formdata=None, product=product)
    most = sorted(product.usages, key=lambda usage: (-usage.users, usage.department.name))
    shown = sorted(most[:USAGE_ROWS], key=lambda usage: usage.department.name)
    return {
        "product": product,
        "usages": Top(shown, len(most)),
        "can_edit": editor,
        "usage_form": form if editor else None,
    }


def measures_section(product: Product, forms: dict[int, ReadingForm]) -> dict:
    """Every measure's block: a reading form under each, for the product team."""
    editor = can_edit()
    reading_forms = {}
    if editor:
        for measure in product.measures:
            form = forms.get(measure.id)
            reading_forms[measure.id] = (
                form if form is not None else ReadingForm.for_measure(measure, formdata=None)
            )
    return {
        "product": product,
        "can_edit": editor,
        "reading_forms": reading_forms,
        "correct_form": None,
        "readings_shown": READINGS_SHOWN,
    }


def measure_section(
    measure: SuccessMeasure,
    form: ReadingForm | None = None,
    *,
    correct_form: ReadingForm | None = None,
) -> dict:
    """One measure's block (`measure`); needs its readings and product loaded.
    `correct_form` (for one of its readings) shows in place of that reading."""
    if form is None:
        form = ReadingForm.for_measure(measure, formdata=None)
    return {
        "product": measure.product,
        "measure": measure,
        "can_edit": can_edit(),
        "reading_forms": {measure.id: form},
        "correct_form": correct_form,
        "readings_shown": READINGS_SHOWN,
    }


def run_cost_section(product: Product, form: RunCostForm | None = None) -> dict:
    """What the product costs a year (block `run_cost`), for those who may see
    costs, with the run-cost form for the product team (built and hybrid
    products): from the product as its page loads it, no query."""
    if not current_user.can("view_costs"):
        return {"product": product, "cost_figures": None, "run_cost_form": None}
    rate = current_app.config["FTE_YEARLY_RATE"]
    editor = can_edit() and product.sourcing is not Sourcing.BOUGHT
    if editor and form is None:
        form = RunCostForm(formdata=None, obj=product)
    return {
        "product": product,
        "cost_figures": product_cost_figures(product, rate),
        "run_cost_form": form if editor else None,
        "fte_yearly_rate": rate,
    }


def stakeholder_section(product: Product, form: StakeholderForm | None = None) -> dict:
    """The power × interest map and its table (block `stakeholders`)."""
    editor = can_edit()
    entries = db.session.execute(stakeholders_of(product.id)).scalars().all()
    if editor and form is None:
        form = StakeholderForm(formdata=None)
    return {
        "product": product,
        "can_edit": editor,
        "stakeholders": entries,
        "stakeholder_map": stakeholder_map(entries),
        "stakeholder_form": form if editor else None,
    }


def satisfaction_section(
    product: Product, form: SurveyForm | None = None, *, saved: bool = False
) -> dict:
    """NPS per quarter and this user's answer for this quarter (block `satisfaction`)."""
    today = date.today()
    quarter = quarter_of(today)
    mine = answer_of(db.session, current_user, product, quarter)
    nps = nps_by_quarter(db.session, product.id, last_quarters(NPS_QUARTERS, today))
    if form is None:
        form = SurveyForm(formdata=None, obj=mine)
    return {
        "product": product,
        "nps": nps,
        "nps_chart": nps_chart(nps),
        "survey_form": form,
        "survey_quarter": quarter,
        "my_answer": mine,
        "survey_saved": saved,
    }


def dependencies_section(
    product: Product,
    *,
    dependency_form: DependencyForm | None = None,
    interface_form: InterfaceForm | None = None,
    edit_form: InterfaceDetailsForm | None = None,
) -> dict:
    """What the product depends on and what depends on it, the data it consumes
    and provides (block `dependencies`): four statements for the lists, however
    long. `edit_form` (an interface's) shows in place of that interface's row."""
    editor = can_edit()
    if editor and dependency_form is None:
        dependency_form = DependencyForm(formdata=None, product=product)
    if editor and interface_form is None:
        interface_form = InterfaceForm(formdata=None, product=product)
    return {
        "product": product,
        "can_edit": editor,
        "links": product_links(db.session, product.id),
        "dependency_form": dependency_form if editor else None,
        "interface_form": interface_form if editor else None,
        "interface_edit_form": edit_form if editor else None,
    }
