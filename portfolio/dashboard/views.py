from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from sqlalchemy import select

from portfolio.activity.grouped import FEED_ENTRIES, FEED_LINES, group_feed
from portfolio.activity.trail import ActivityFilters, recent_activity
from portfolio.architecture.completeness import average_completeness
from portfolio.architecture.impact import sunsetting_with_dependants
from portfolio.architecture.lifecycle_dates import support_ending
from portfolio.architecture.reviews import review_summary
from portfolio.architecture.time_quadrant import time_quadrant
from portfolio.auth.permissions import requires
from portfolio.catalogue.charts import sparkline_for
from portfolio.dashboard import benefits, measured_cards, rollups
from portfolio.dashboard.health import COLUMNS as HEALTH_COLUMNS
from portfolio.dashboard.health import HealthSort, health_table
from portfolio.dashboard.lists import LISTS, list_page
from portfolio.dashboard.next_up import what_is_next
from portfolio.dashboard.satisfaction import MIN_ANSWERS, satisfaction_rollup
from portfolio.dashboard.tables import TABLES
from portfolio.database import reads_one_snapshot
from portfolio.extensions import db
from portfolio.filters import parse_page
from portfolio.htmx import render
from portfolio.models import Product, Stage, Stakeholder, StakeholderRole
from portfolio.queries import Top, first_rows
from portfolio.revisions import conditional_page
from portfolio.spreadsheets import spreadsheet_download

bp = Blueprint("dashboard", __name__)
bp.add_app_template_global(sparkline_for)


def products_without_sponsor(limit: int) -> Top:
    sponsored = select(Stakeholder.product_id).where(Stakeholder.role == StakeholderRole.SPONSOR)
    query = (
        select(Product)
        .where(Product.stage != Stage.RETIRED, Product.id.not_in(sponsored))
        .order_by(Product.name, Product.id)
    )
    return first_rows(db.session, query, limit, scalars=True)


@bp.get("/dashboard")
@requires("view_dashboard")
@conditional_page
@reads_one_snapshot
def index():
    today = date.today()
    rows = rollups.LIST_ROWS
    measure_groups = rollups.measures_worst_first(db.session, today)
    satisfaction = satisfaction_rollup(db.session, today)
    health_sort = HealthSort.from_args(request.args)
    feed = db.session.execute(recent_activity(ActivityFilters(days=7), limit=FEED_ENTRIES))
    # Every product's demand (one grouped statement): the health table's
    # column and the first rows of the demand list.
    product_demand = rollups.demand_by_product(db.session)
    return render(
        "dashboard/index.html",
        today=today,
        glance=rollups.portfolio_at_a_glance(db.session),
        matrix=rollups.usage_matrix(
            db.session, departments=rollups.MATRIX_DEPARTMENTS, products=rollups.MATRIX_PRODUCTS
        ),
        measure_groups=Top(measure_groups[: rollups.MEASURE_PRODUCTS], len(measure_groups)),
        status_totals=rollups.status_totals(measure_groups),
        value_buckets=benefits.expected_value(db.session, today, limit=rows),
        measured=measured_cards.measured_section(db.session, today, limit=2 * rows),
        renewals=benefits.renewals_due(db.session, today, limit=2 * rows),
        renewal_window=benefits.RENEWAL_WINDOW_DAYS,
        demand_departments=rollups.demand_by_department(db.session, limit=rows),
        demand_products=Top(product_demand.rows[:rows], product_demand.total),
        top_requests=rollups.top_open_requests(db.session, limit=rows),
        shipped=rollups.shipped_this_quarter(db.session, today, limit=rows),
        recent=group_feed(feed.scalars().all(), limit=FEED_LINES),
        next_up=what_is_next(db.session),
        satisfaction=satisfaction,
        min_answers=MIN_ANSWERS,
        health=health_table(
            db.session, measure_groups, satisfaction, health_sort, demand=product_demand.rows
        ),
        health_sort=health_sort,
        health_columns=HEALTH_COLUMNS,
        unsponsored=products_without_sponsor(limit=2 * rows),
        trust_reviews=review_summary(db.session, today),
        trust_completeness=average_completeness(db.session),
        sunsetting_needed=sunsetting_with_dependants(db.session, limit=rows),
        tables=TABLES,
        time_quadrant=time_quadrant(db.session),  # #18
        support_ending=support_ending(db.session, today, limit=2 * rows),  # #18
    )


# Only the lists and tables that exist have an address; any other name is a 404.
LIST_NAMES = ", ".join(repr(name) for name in LISTS)


@bp.get(f"/dashboard/<any({LIST_NAMES}):name>")
@requires("view_dashboard")
def see_all(name: str):
    """One of the dashboard's long lists in full, a page at a time."""
    today = date.today()
    page = list_page(db.session, name, today, parse_page(request.args.get("page")))
    return render(
        "dashboard/list.html", "results", name=name, full=LISTS[name], page=page, today=today
    )


TABLE_NAMES = ", ".join(repr(name) for name in TABLES)


@bp.get(
    f"/dashboard/<any({TABLE_NAMES}):table>.csv", defaults={"format": "csv"}, endpoint="table_csv"
)
@bp.get(
    f"/dashboard/<any({TABLE_NAMES}):table>.xlsx",
    defaults={"format": "xlsx"},
    endpoint="table_xlsx",
)
@requires("view_dashboard")
def table_download(table: str, format: str):
    """One dashboard table in full, as CSV or XLSX."""
    _, build = TABLES[table]
    today = date.today()
    stem = f"dashboard-{table}-{today.isoformat()}"
    return spreadsheet_download(format, stem, build(db.session, today), sheet=table)
