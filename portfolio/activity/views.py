from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from portfolio.activity.trail import ActivityFilters, phrase, recent_activity
from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.selects import filter_options, product_source

bp = Blueprint("activity", __name__)
bp.add_app_template_global(phrase, "activity_phrase")


@bp.get("/activity")
@requires("browse")
def index():
    filters = ActivityFilters.from_args(request.args)
    query = recent_activity(filters, include_administration=current_user.can("manage_users"))
    entries = db.session.execute(query).scalars().all()
    products = filter_options(product_source(retired=True), filters.product_id)
    return render(
        "activity/index.html", "results", entries=entries, filters=filters, products=products
    )
