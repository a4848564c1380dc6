"""Total cost of ownership: a product's run cost, saved inline on its page,
and the showback of every product's cost per product, department and
capability, with its downloads (endpoints `costs.*`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user

from portfolio.architecture import costs
from portfolio.architecture.cost_forms import RunCostForm
from portfolio.architecture.showback import COLUMNS, TABLES, CostSort, showback
from portfolio.auth.permissions import requires
from portfolio.catalogue.queries import product_page
from portfolio.catalogue.sections import page_context, run_cost_section
from portfolio.extensions import db
from portfolio.filters import parse_page
from portfolio.htmx import inline_form_answer, render
from portfolio.models import Sourcing
from portfolio.queries import Page, Top
from portfolio.revisions import conditional_page
from portfolio.spreadsheets import spreadsheet_download

bp = Blueprint("costs", __name__)

PRODUCTS_PER_PAGE = 50
SHARE_ROWS = 100  # departments or capabilities listed (all of them: the downloads)


def fte_yearly_rate() -> Decimal:
    return current_app.config["FTE_YEARLY_RATE"]


# A product's run cost, inline on its page -------------------------------------------


@bp.post("/products/<slug>/run-cost")
@requires("edit_catalogue")
def save_run_cost(slug: str):
    product = db.one_or_404(product_page(slug))
    if product.sourcing is Sourcing.BOUGHT:
        abort(409, costs.NO_RUN_COST)
    form = RunCostForm()
    saved = form.validate()
    if saved:
        costs.save_run_cost(db.session, current_user, product, **form.values())
        db.session.commit()
        form = None
    return inline_form_answer(
        saved,
        template="catalogue/show.html",
        block="run_cost",
        fragment=lambda: run_cost_section(db.one_or_404(product_page(slug)), form),
        page=lambda: page_context(db.one_or_404(product_page(slug)), run_cost_form=form),
        redirect_to=url_for("catalogue.show", slug=slug, _anchor="run-cost"),
        message="Run cost saved.",
    )


# The showback ---------------------------------------------------------------------------


def page_of(rows: list, page: int, per_page: int) -> Page:
    """One page of rows already in memory (the showback's, computed once per revision)."""
    pages = max((len(rows) + per_page - 1) // per_page, 1)
    page = min(page, pages)
    start = (page - 1) * per_page
    return Page(
        rows=rows[start : start + per_page],
        total=len(rows),
        page=page,
        pages=pages,
        per_page=per_page,
    )


@bp.get("/architecture/costs")
@requires("view_costs")
@conditional_page
def index():
    result = showback(db.session, fte_yearly_rate())
    sort = CostSort.from_args(request.args)
    return render(
        "architecture/costs.html",
        result=result,
        sort=sort,
        columns=COLUMNS,
        products=page_of(
            sort.apply(result.products), parse_page(request.args.get("page")), PRODUCTS_PER_PAGE
        ),
        departments=Top(result.departments[:SHARE_ROWS], len(result.departments)),
        capabilities=Top(result.capabilities[:SHARE_ROWS], len(result.capabilities)),
        rate=fte_yearly_rate(),
        tables=TABLES,
    )


TABLE_NAMES = ", ".join(repr(name) for name in TABLES)


@bp.get(
    f"/architecture/costs/<any({TABLE_NAMES}):table>.csv",
    defaults={"format": "csv"},
    endpoint="table_csv",
)
@bp.get(
    f"/architecture/costs/<any({TABLE_NAMES}):table>.xlsx",
    defaults={"format": "xlsx"},
    endpoint="table_xlsx",
)
@requires("view_costs")
def table_download(table: str, format: str):
    """One showback table in full, with its total row, as CSV or XLSX."""
    _, build = TABLES[table]
    stem = f"costs-{table}-{date.today().isoformat()}"
    rows = build(showback(db.session, fte_yearly_rate()))
    return spreadsheet_download(format, stem, rows, sheet=table)
