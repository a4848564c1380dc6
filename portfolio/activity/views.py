from __future__ import annotations

from flask import Blueprint, request

from portfolio.activity.trail import ActivityFilters, phrase, recent_activity
from portfolio.auth.permissions import requires
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.models import Product

bp = Blueprint("activity", __name__)
bp.add_app_template_global(phrase, "activity_phrase")


@bp.get("/activity")
@requires("browse")
def index():
    filters = ActivityFilters.from_args(request.args)
    entries = db.session.execute(recent_activity(filters)).scalars().all()
    products = db.session.execute(db.select(Product.id, Product.name).order_by(Product.name)).all()
    return render(
        "activity/index.html", "results", entries=entries, filters=filters, products=products
    )
